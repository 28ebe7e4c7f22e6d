"""Solr against the embedded engine on SQuAD articles: top-k agreement, answer recall, latency.

    eval "$(scripts/local-cluster start)"
    python -m bench.solr_agreement [--articles 30] [--questions 500] [--seed 0] [--k 5]

A seeded sample of ``../shared/eval`` articles is added to a fresh SQLite store (qabot's own
sentences and ~120-word passages, so most are longer than the 40 terms Lucene stores
exactly), indexed by the embedded engine and into a scratch collection on the cluster of
``QABOT_SOLR_URL`` (2 shards, 1 replica each, deleted afterwards); the questions of those
articles (seeded sample) are searched by each: the embedded engine, Solr with its own
scores, and Solr rescored by qabot's formula. Prints JSON: the average top-k overlap with
the embedded engine, answer recall@k (a top passage holds an answer, SQuAD's
normalization) and the latency per question, p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from corpus.models import Draft
from corpus.prepare import prepare
from corpus.store import Store
from index.search.interface import SearchBackend
from index.search.retriever import Retriever, RetrieverSettings
from index.search.solr import admin
from index.search.solr import documents as solr_docs
from index.search.solr.client import SolrClient, SolrSettings
from index.search.solr.retriever import SolrRetriever, SolrRetrieverSettings

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def normalize(text: str) -> str:
    text = "".join(c for c in text.lower() if c not in string.punctuation)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def sample(articles: int, questions: int, seed: int) -> tuple[list[dict[str, Any]], list[Any]]:
    with open(EVAL / "squad-train.articles.jsonl") as f:
        every = [json.loads(line) for line in f]
    chosen = random.Random(seed).sample(every, min(articles, len(every)))
    ids = {a["id"] for a in chosen}
    with open(EVAL / "squad-train.questions.jsonl") as f:
        asked = [q for q in map(json.loads, f) if q["article_id"] in ids]
    return chosen, random.Random(seed).sample(asked, min(questions, len(asked)))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    articles, questions = sample(args.articles, args.questions, args.seed)
    env = SolrSettings.from_env()
    name = f"qabot_bench_{uuid.uuid4().hex[:8]}"
    solr = SolrSettings(env.urls, name, timeout=120)
    with tempfile.TemporaryDirectory() as tmp:
        async with await Store.open(Path(tmp) / "bench.db") as store:
            for a in articles:
                await store.add(prepare(Draft(title=a["title"], text=a["text"])), "bench")
            embedded = await Retriever.open(store, RetrieverSettings())
            async with SolrClient(solr) as client:
                layout = admin.CollectionLayout(2, 1, f"{name}_conf")
                await admin.init_collection(client, name, layout)
                try:
                    started = time.perf_counter()
                    sent = await solr_docs.index_passages(
                        client, store, embedded.analyzers, commit_within_ms=None
                    )
                    await solr_docs.commit(client)
                    indexing = time.perf_counter() - started
                    lucene = SolrRetriever(client, SolrRetrieverSettings(rescore=False))
                    rescored = SolrRetriever(client, SolrRetrieverSettings(rescore=True))
                    await lucene.sync()
                    await rescored.sync()
                    result = await measure(args.k, questions, embedded, lucene, rescored)
                finally:
                    await admin.delete_collection(client, name)
                    await admin.delete_configset(client, f"{name}_conf")
            lengths = [
                len(r.text.split()) async for rows in store.passages_for_indexing() for r in rows
            ]
    return {
        "articles": len(articles),
        "passages": sent,
        "passages_over_40_words": sum(n > 40 for n in lengths) / len(lengths),
        "questions": len(questions),
        "k": args.k,
        "seed": args.seed,
        "solr_indexing_passages_per_s": round(sent / indexing, 1),
        **result,
    }


async def measure(
    k: int,
    questions: list[dict[str, Any]],
    embedded: Retriever,
    lucene: SolrRetriever,
    rescored: SolrRetriever,
) -> dict[str, Any]:
    engines: dict[str, SearchBackend] = {
        "embedded": embedded,
        "solr_lucene": lucene,
        "solr_rescored": rescored,
    }
    found: dict[str, list[list[int]]] = {n: [] for n in engines}
    recall: dict[str, int] = dict.fromkeys(engines, 0)
    latency: dict[str, list[float]] = {n: [] for n in engines}
    for q in questions:
        answers = [normalize(a) for a in q["answers"]]
        for n, engine in engines.items():
            started = time.perf_counter()
            hits = await engine.search(q["question"], k)
            latency[n].append((time.perf_counter() - started) * 1000)
            found[n].append([h.passage_id for h in hits])
            texts = [normalize(h.text) for h in hits]
            recall[n] += any(a in t for a in answers for t in texts)
    out: dict[str, Any] = {}
    for n in ("solr_lucene", "solr_rescored"):
        overlaps = [
            len(set(a) & set(b)) / max(len(a), len(b)) if a or b else 1.0
            for a, b in zip(found["embedded"], found[n], strict=True)
        ]
        out[f"{n}_top{k}_overlap"] = round(statistics.fmean(overlaps), 4)
        out[f"{n}_top1_same"] = round(
            statistics.fmean(
                a[:1] == b[:1] for a, b in zip(found["embedded"], found[n], strict=True)
            ),
            4,
        )
    for n in engines:
        out[f"{n}_recall_at_{k}"] = round(recall[n] / len(questions), 4)
        out[f"{n}_latency_ms_p50"] = round(statistics.median(latency[n]), 2)
        out[f"{n}_latency_ms_p95"] = round(percentile(latency[n], 0.95), 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args(argv)
    if not (EVAL / "squad-train.articles.jsonl").is_file():
        print(f"no SQuAD data at {EVAL}", file=sys.stderr)
        return 2
    print(json.dumps(asyncio.run(run(args)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
