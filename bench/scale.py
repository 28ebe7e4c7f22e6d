"""SolrCloud against the embedded engine at a million passages: indexing, latency, agreement,
answers. Prints one JSON object on standard output, progress on standard error.

    eval "$(scripts/local-cluster start)"
    python -m bench.scale [--passages 1000000] [--questions 5000] [--latency-questions 500]
        [--answers-until HH:MM]

Every article of ``../shared/eval`` SQuAD train (442 articles) is added to a temporary SQLite
store as ``qabot add`` adds text (``corpus.prepare``: sentences, ~120-word passages), about
21,700 passages. The collection is those passages repeated with distinct passage and article
ids (copy c of passage p is passage ``c * P + p``, of article a, article ``c * A + a``) until
``--passages`` passages; the copies are read from memory, never stored twice.

- **Solr**: a scratch collection on the cluster of ``QABOT_SOLR_URL`` (``--shards`` 2,
  ``--replicas`` 1, deleted afterwards unless ``--keep``), filled through qabot's own path,
  ``index.search.solr.documents.index_passages`` (qabot's analyzer, batches of 500), then one
  commit; searched by ``SolrRetriever`` with its defaults (rescored by qabot's formula).
- **embedded**: the in-process engine built from the same passages by ``Retriever._build``
  (5,000 passages a segment, as ``qabot add`` builds them, then merged into one), kept in
  memory (not written to disk); searched by ``Retriever.search``.
- **latency**: ``search(question, 5)`` through each engine, in turns, on a seeded sample of
  questions (after 20 unrecorded warm-up questions each); p50/p95/mean in milliseconds.
- **agreement**: each engine's top 5 on those questions. With copies, identical passages tie,
  and each engine settles ties in its own way, so the top 5 are compared by original passage
  (``passage id mod P``) as multisets, besides exactly by passage id.
- **answers**: ``qabot eval``'s report (``bot.evaluation.command.Tally``) of the shipped
  answerer (``index.answer.Answerer``, default settings) on each engine, for a seeded sample of
  ``--questions`` questions (the sample ``qabot eval --sample N --seed S`` asks). With
  copies the answerer reads copies of the same passage, which no real collection holds (``qabot
  add`` refuses a duplicate): run with ``--passages 21678`` (one copy) for answer quality.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import json
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bot.evaluation.command import (
    RECALL_AT,
    Question,
    Tally,
    answer_outcome,
    load_jsonl,
    load_questions,
    sample,
)
from bot.evaluation.metrics import percentile
from corpus.models import ArticleSummary, Draft, IndexRow, Sentence, StoredPassage
from corpus.prepare import prepare
from corpus.store import Store
from index.answer import AnswerSettings
from index.answer.answerer import Answerer
from index.search import segment as seg
from index.search.interface import SearchBackend
from index.search.retriever import BATCH, Retriever, RetrieverSettings
from index.search.solr import admin
from index.search.solr import documents as solr_docs
from index.search.solr.client import SolrClient, SolrSettings
from index.search.solr.retriever import SolrRetriever, SolrRetrieverSettings

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
WARM_UP = 20


class Copies:
    """The store's passages repeated with distinct ids, up to ``total`` passages: what
    indexing reads of a store (``solr.documents.IndexSource``) and what searching reads
    (``passages``, ``articles``, ``sentences``, ``generation``)."""

    def __init__(
        self,
        store: Store,
        rows: list[IndexRow],
        passages: dict[int, StoredPassage],
        articles: dict[int, ArticleSummary],
        total: int,
    ) -> None:
        self.store = store
        self.path = store.path
        self.db_id = store.db_id
        self.rows = rows
        self.stored = passages
        self.summaries = articles
        self.total = total
        self.P = max(r.id for r in rows) + 1
        self.A = max(articles) + 1
        self.copies = math.ceil(total / len(rows))

    def original(self, passage_id: int) -> int:
        return passage_id % self.P

    async def generation(self) -> int:
        return 0

    def ids(self) -> Iterable[tuple[int, IndexRow]]:
        """(copy, row) in passage id order, ``total`` of them."""
        n = 0
        for c in range(self.copies):
            for r in self.rows:
                if n >= self.total:
                    return
                n += 1
                yield c, r

    async def passages_for_indexing(
        self, after_id: int = 0, batch: int = 5000
    ) -> AsyncIterator[list[IndexRow]]:
        chunk: list[IndexRow] = []
        for c, r in self.ids():
            pid = c * self.P + r.id
            if pid <= after_id:
                continue
            chunk.append(dataclasses.replace(r, id=pid))
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    async def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        out = {}
        for i in ids:
            p = self.stored.get(i % self.P)
            if p is not None:
                copy = i // self.P
                out[i] = dataclasses.replace(p, id=i, article_id=copy * self.A + p.article_id)
        return out

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]:
        out = {}
        for i in ids:
            a = self.summaries.get(i % self.A)
            if a is not None:
                out[i] = dataclasses.replace(a, id=i)
        return out

    async def sentences(self, article_id: int, positions: Iterable[int]) -> list[Sentence]:
        return await self.store.sentences(article_id % self.A, positions)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MiB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def segment_mb(s: seg.Segment) -> float:
    arrays = [s.indptr, s.rows, s.tfs, s.passage_ids, s.doc_len]
    st = s.sentence_terms
    arrays += [st.starts, st.bounds, st.columns]
    return sum(a.nbytes for a in arrays) / 2**20


async def originals(folder: Path) -> tuple[Store, list[IndexRow], Any, Any, dict[str, Any]]:
    """Every SQuAD train article added to a fresh store; its passages, read back."""
    articles = load_jsonl(EVAL / "squad-train.articles.jsonl")
    store = await Store.open(folder / "scale.db")
    started = time.perf_counter()
    for a in tqdm(articles, desc="adding articles", unit=" articles", file=sys.stderr):
        await store.add(prepare(Draft(title=a["title"], text=a["text"])), "bench")
    added = time.perf_counter() - started
    rows = [r async for rs in store.passages_for_indexing() for r in rs]
    passages = await store.passages([r.id for r in rows])
    summaries = await store.articles({p.article_id for p in passages.values()})
    facts = {
        "articles": len(articles),
        "passages": len(rows),
        "store_add_s": round(added, 1),
    }
    return store, rows, passages, summaries, facts


def build_embedded(copies: Copies) -> tuple[Retriever, dict[str, Any]]:
    """The embedded engine over every copy, built as ``Retriever`` builds segments."""
    retriever = Retriever(copies, RetrieverSettings())  # type: ignore[arg-type]
    before = rss_mb()
    started = time.perf_counter()
    built: list[seg.Segment] = []
    bar = tqdm(total=copies.total, desc="embedded", unit=" passages", file=sys.stderr)
    for rows in _sync_batches(copies):
        built.append(retriever._build(rows))
        bar.update(len(rows))
    bar.close()
    analyzed = time.perf_counter() - started
    parts = [(s, np.ones(s.size, dtype=np.bool_)) for s in built]
    merged = seg.merge(parts) if len(built) > 1 else built[0]
    del parts, built
    retriever.index.add(merged)
    retriever._generation = 0  # nothing to catch up: searches skip the store's checks
    took = time.perf_counter() - started
    return retriever, {
        "passages": copies.total,
        "build_s": round(took, 1),
        "passages_per_s": round(copies.total / took, 1),
        "analysis_share": round(analyzed / took, 3),
        "index_arrays_mb": round(segment_mb(merged), 1),
        "process_rss_growth_mb": round(rss_mb() - before, 1),
    }


def _sync_batches(copies: Copies) -> Iterable[list[IndexRow]]:
    chunk: list[IndexRow] = []
    for c, r in copies.ids():
        chunk.append(dataclasses.replace(r, id=c * copies.P + r.id))
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def index_solr(client: SolrClient, copies: Copies, retriever: Retriever) -> dict[str, Any]:
    """Every copy indexed into the collection through qabot's path; one commit."""
    bar = tqdm(total=copies.total, desc="solr", unit=" passages", file=sys.stderr)
    started = time.perf_counter()
    sent = 0
    async for docs in solr_docs.documents(copies, retriever.analyzers):
        sent += await solr_docs.post_documents(client, docs, commit_within_ms=None)
        bar.update(len(docs))
    bar.close()
    posted = time.perf_counter() - started
    await solr_docs.commit(client)
    took = time.perf_counter() - started
    return {
        "passages": sent,
        "index_s": round(took, 1),
        "passages_per_s": round(sent / took, 1),
        "final_commit_s": round(took - posted, 1),
    }


async def solr_size_mb(settings: SolrSettings, collection: str) -> float | None:
    """The collection's index on disk, summed over every node's cores."""
    total = 0
    for url in settings.urls:
        async with SolrClient(SolrSettings((url,), collection, timeout=60)) as node:
            status = await node.get("/admin/cores", action="STATUS")
        for name, core in status.get("status", {}).items():
            if name.startswith(f"{collection}_"):
                total += int(core.get("index", {}).get("sizeInBytes", 0))
    return round(total / 2**20, 1) if total else None


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


async def latency_and_agreement(
    engines: dict[str, SearchBackend], copies: Copies, questions: Sequence[Question], k: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    for q in questions[:WARM_UP]:
        for engine in engines.values():
            await engine.search(q.question, k)
    times: dict[str, list[float]] = {n: [] for n in engines}
    found: dict[str, list[list[int]]] = {n: [] for n in engines}
    for q in tqdm(questions, desc="latency", unit=" q", file=sys.stderr):
        for n, engine in engines.items():
            started = time.perf_counter()
            hits = await engine.search(q.question, k)
            times[n].append((time.perf_counter() - started) * 1000)
            found[n].append([h.passage_id for h in hits])
    a, b = found["embedded"], found["solr"]
    by_id, by_original, first_same = [], [], []
    for x, y in zip(a, b, strict=True):
        size = max(len(x), len(y)) or 1
        by_id.append(len(set(x) & set(y)) / size)
        ox = Counter(map(copies.original, x))
        oy = Counter(map(copies.original, y))
        by_original.append(sum((ox & oy).values()) / size)
        first_same.append(copies.original(x[0]) == copies.original(y[0]) if x and y else x == y)
    agreement = {
        f"top{k}_overlap_by_original_passage": round(statistics.fmean(by_original), 4),
        "top1_same_original_passage": round(statistics.fmean(first_same), 4),
        f"top{k}_overlap_by_passage_id": round(statistics.fmean(by_id), 4),
        f"top{k}_distinct_original_passages_mean": {
            n: round(statistics.fmean(len({copies.original(i) for i in f}) for f in found[n]), 3)
            for n in engines
        },
    }
    latency = {n: summary(t) for n, t in times.items()}
    return latency, agreement


async def answers(
    engines: dict[str, SearchBackend],
    questions: Sequence[Question],
    passages: int,
    seed: int,
    until: float | None,
) -> dict[str, Any]:
    """``qabot eval``'s report of the shipped answerer on each engine, same questions: asked
    in a seeded random order, so that those asked before ``until`` (a time.time()) are a
    random sample too."""
    tallies = {n: Tally() for n in engines}
    answerers = {n: Answerer(e, AnswerSettings()) for n, e in engines.items()}
    order = list(questions)
    random.Random(seed).shuffle(order)
    asked = 0
    for q in tqdm(order, desc="answers", unit=" q", file=sys.stderr):
        if until is not None and time.time() >= until:
            break
        asked += 1
        for n, engine in engines.items():
            answer = await answerers[n].ask(q.question)
            hits = await engine.search(q.question, max(RECALL_AT))
            text = {h.passage_id: h.text for h in hits}
            reranked = [text[p] for p in answer.passages if p in text]
            rest = [h.text for h in hits if h.passage_id not in set(answer.passages)]
            tallies[n].add(q, answer_outcome(answer, (reranked + rest)[:20]), True)
    return {
        "questions": asked,
        "questions_planned": len(questions),
        **{n: t.report(passages, False) for n, t in tallies.items()},
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    asked = load_questions(EVAL / "squad-train.questions.jsonl")
    quality_questions = sample(asked, args.questions, args.seed) if args.questions else []
    latency_questions = sample(asked, args.latency_questions + WARM_UP, args.seed + 1)
    until = deadline(args.answers_until)
    env = SolrSettings.from_env()
    name = f"qabot_scale_{uuid.uuid4().hex[:8]}"
    solr_settings = SolrSettings(env.urls, name, timeout=300)
    out: dict[str, Any] = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "passages": args.passages,
        "load_average_1m": {"start": round(os.getloadavg()[0], 2)},
    }
    with tempfile.TemporaryDirectory(prefix="qabot-scale-") as tmp:
        store, rows, passages, summaries, facts = await originals(Path(tmp))
        try:
            copies = Copies(store, rows, passages, summaries, args.passages)
            out["source"] = {
                **facts,
                "copies": copies.copies,
                "mean_passage_words": round(statistics.fmean(len(r.text.split()) for r in rows), 1),
            }
            embedded, out["embedded_build"] = build_embedded(copies)
            out["embedded_build"]["peak_rss_mb_so_far"] = round(peak_rss_mb(), 1)
            async with SolrClient(solr_settings) as client:
                layout = admin.CollectionLayout(args.shards, args.replicas, f"{name}_conf")
                await admin.init_collection(client, name, layout)
                try:
                    out["solr_index"] = {
                        "shards": args.shards,
                        "replicas": args.replicas,
                        "nodes": len(env.urls),
                        **await index_solr(client, copies, embedded),
                        "size_on_disk_mb": await solr_size_mb(solr_settings, name),
                    }
                    solr = SolrRetriever(client, SolrRetrieverSettings())
                    await solr.sync()
                    out["solr_index"]["documents_seen_by_retriever"] = len(solr.index)
                    engines: dict[str, SearchBackend] = {"embedded": embedded, "solr": solr}
                    latency, agreement = await latency_and_agreement(
                        engines, copies, latency_questions, args.k
                    )
                    out["search_latency"] = {
                        "questions": len(latency_questions) - WARM_UP,
                        "k": args.k,
                        **latency,
                    }
                    out["agreement"] = {"questions": len(latency_questions) - WARM_UP, **agreement}
                    if quality_questions:
                        out["answers"] = {
                            "seed": args.seed,
                            **await answers(
                                engines, quality_questions, args.passages, args.seed, until
                            ),
                        }
                finally:
                    if not args.keep:
                        await admin.delete_collection(client, name)
                        await admin.delete_configset(client, f"{name}_conf")
        finally:
            await store.close()
    out["load_average_1m"]["end"] = round(os.getloadavg()[0], 2)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    out["notes"] = notes(args, out)
    return out


def deadline(hhmm: str | None) -> float | None:
    """The next time of day ``HH:MM`` (UTC) as a time.time(), or None."""
    if not hhmm:
        return None
    hours, minutes = (int(x) for x in hhmm.split(":"))
    now = datetime.datetime.now(datetime.UTC)
    at = now.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    if at <= now:
        at += datetime.timedelta(days=1)
    return at.timestamp()


def agreement_note(copies: int) -> list[str]:
    if copies < 2:
        return ["Agreement: the top 5 of each engine, compared by passage id."]
    return [
        "Agreement: copies of one passage tie exactly, and each engine orders ties its own way"
        " (Solr fetches 3 x k candidates out of the tied copies in its own internal order), so"
        " the top 5 are compared by original passage id (the same text) as multisets;"
        " the exact passage-id overlap is given for completeness. With every passage present"
        f" {copies} times, a top 5 is mostly copies of one or two passages"
        " (top5_distinct_original_passages_mean), so this measures mostly the first passage.",
    ]


def answers_note(copies: int, passages: int) -> list[str]:
    if copies < 2:
        return ["Answers: one copy of every passage, as qabot eval indexes them."]
    return [
        f"Answers: every passage is there {copies} times, so the answerer's 15 passages (and"
        " the 20 read for answer_recall@k) are copies of one or two passages: recall@5 and"
        " @20 hardly exceed recall@1, and the answerer's verdicts, read on copies of the same"
        " sentences, are not those of a real collection (qabot add refuses a duplicate"
        " article). These figures compare the two engines on one collection; for answer"
        f" quality run with --passages {passages} (one copy).",
    ]


def notes(args: argparse.Namespace, out: dict[str, Any]) -> list[str]:
    asked = out.get("answers", {})
    stopped = []
    if asked and asked["questions"] < asked["questions_planned"]:
        stopped = [
            f"Answers: stopped at {args.answers_until} UTC (--answers-until) after"
            f" {asked['questions']} of the {asked['questions_planned']} sampled questions,"
            " asked in a seeded random order (a random sample of them)."
        ]
    return [
        *stopped,
        f"{out['source']['passages']} SQuAD train passages repeated {out['source']['copies']}"
        " time(s) with distinct passage and article ids (the last copy cut at --passages).",
        *agreement_note(out["source"]["copies"]),
        *answers_note(out["source"]["copies"], out["source"]["passages"]),
        "Latency: search(question, 5) per question, one at a time, embedded then Solr, after"
        f" {WARM_UP} warm-up questions; the answers' p50/p95 are Answerer.ask's took_ms."
        f" Everything (Solr's JVM with both nodes, the benchmark) on one machine of"
        f" {out['cores']} cores.",
        "Embedded build: Retriever._build per 5,000 passages (analysis included) and one"
        " merge, in memory, not written to disk; Solr: documents built by"
        " index.search.solr.documents (analysis included) and posted in batches of 500,"
        " one commit at the end.",
        f"Solr collection: {args.shards} shards x {args.replicas} replica(s) on the"
        " local-cluster's 2 nodes in one JVM (QABOT_CLUSTER_JAVA_OPTS).",
        "peak_rss_mb: this benchmark's process (the embedded engine, the reranker, the copies'"
        " metadata), not Solr's JVM; load_average_1m: the machine's, other work included.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=5000, help="answer quality sample")
    parser.add_argument("--latency-questions", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument(
        "--answers-until",
        metavar="HH:MM",
        help="stop asking the answer-quality questions at this time of day (UTC); the report"
        " says how many were asked (a random sample of the planned ones)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch collection")
    args = parser.parse_args(argv)
    if not (EVAL / "squad-train.articles.jsonl").is_file():
        print(json.dumps({"skipped": f"no SQuAD data at {EVAL}"}))
        return 0
    print(json.dumps(asyncio.run(run(args)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
