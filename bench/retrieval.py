"""Retrieval benchmark: qabot's index against rank-bm25 on the same tokens, as JSON.

    python -m bench.retrieval --passages 100000 [--queries 1000] [--rank-bm25-sample 200]

The corpus recombines the sentences of ``../shared/eval`` articles into ~120-word
passages (seeded), or Zipf-distributed synthetic sentences when the data is absent; the
queries are the data's questions (or synthetic ones). Each side runs in its own
subprocess so that its peak memory is its own: qabot analyzes the passages (timed apart)
and writes the terms to a file that rank-bm25 reads, so both score identical tokens.
Latencies are per query on analyzed terms, top 10, single-threaded.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
WORDS_PER_PASSAGE = 120
BATCH = 20_000
ADDED = 100
TOP = 10
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(A-Z0-9])")


# --- corpus recipe (parent) -------------------------------------------------------------


def eval_sentences(data: Path) -> list[str]:
    sentences: list[str] = []
    with open(data / "squad-train.articles.jsonl") as f:
        for line in f:
            for paragraph in json.loads(line)["text"].split("\n\n"):
                sentences.extend(s for s in SENTENCE_END.split(paragraph.strip()) if s)
    return sentences


def eval_questions(data: Path, count: int, seed: int) -> list[str]:
    with open(data / "squad-train.questions.jsonl") as f:
        questions = [json.loads(line)["question"] for line in f]
    return random.Random(seed).sample(questions, min(count, len(questions)))


def synthetic_sentences(count: int, seed: int) -> list[str]:
    """Sentences of Zipf-distributed made-up words (the fallback when the data is absent)."""
    rng = np.random.default_rng(seed)
    vocab = [_word(i) for i in range(200_000)]
    lengths = rng.integers(8, 36, size=count)
    ranks = (np.minimum(rng.zipf(1.15, size=int(lengths.sum())), len(vocab)) - 1).tolist()
    ends = np.cumsum(lengths).tolist()
    spans = zip(ends, lengths.tolist(), strict=True)
    return [" ".join(vocab[r] for r in ranks[e - n : e]) + "." for e, n in spans]


def _word(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = "q"
    while True:
        i, r = divmod(i, 26)
        out += letters[r]
        if i == 0:
            return out


def recipe(sentences: Sequence[str], passages: int, seed: int) -> tuple[NDArray[Any], ...]:
    """Random draws of sentences and the bounds that cut them into ~120-word passages."""
    rng = np.random.default_rng(seed)
    words = np.array([len(s.split()) for s in sentences], dtype=np.int64)
    per = max(1, round(WORDS_PER_PASSAGE / float(words.mean())))
    draws = rng.integers(0, len(sentences), size=int(passages * per * 1.5) + 16)
    cum = np.cumsum(words[draws])
    bounds = np.searchsorted(cum, WORDS_PER_PASSAGE * np.arange(1, passages + 1)) + 1
    bounds = np.maximum.accumulate(np.maximum(bounds, np.arange(1, passages + 1)))
    return draws[: bounds[-1]], np.concatenate(([0], bounds))


# --- children -----------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latencies(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(1000 * statistics.median(times), 4),
        "p95_ms": round(1000 * times[min(len(times) - 1, int(0.95 * len(times)))], 4),
        "qps": round(len(times) / sum(times), 1),
    }


def qabot_child(work: Path, passages: int) -> dict[str, Any]:
    from index.search import segment as seg
    from index.search.analyze import Analyzer
    from index.search.files import IndexFiles, Manifest, live_mask
    from index.search.inverted import InvertedIndex
    from index.search.retriever import RetrieverSettings

    params = RetrieverSettings().bm25
    analyzer = Analyzer()
    sentences = json.loads((work / "sentences.json").read_text())
    draws, bounds = np.load(work / "draws.npy"), np.load(work / "bounds.npy")
    analyze_s = build_s = 0.0
    built: list[seg.Segment] = []
    with open(work / "tokens.txt", "w") as tokens:
        for lo in range(0, passages, BATCH):
            hi = min(lo + BATCH, passages)
            texts = [
                " ".join(sentences[d] for d in draws[bounds[i] : bounds[i + 1]].tolist())
                for i in range(lo, hi)
            ]
            t0 = time.perf_counter()
            docs = [analyzer(t) for t in texts]
            t1 = time.perf_counter()
            built.append(seg.build(range(lo + 1, hi + 1), docs))
            t2 = time.perf_counter()
            analyze_s += t1 - t0
            build_s += t2 - t1
            tokens.writelines(" ".join(d) + "\n" for d in docs)
            del texts, docs
    del sentences, draws, bounds
    parts = {"segments_s": round(build_s, 3)}
    t0 = time.perf_counter()
    files = IndexFiles(work / "qabot.index")
    manifest = Manifest(analyzer=analyzer.config.key(), max_passage_id=passages)
    if len(built) > 1:
        built = [seg.merge([(s, np.ones(s.size, dtype=np.bool_)) for s in built])]
    t1 = time.perf_counter()
    manifest.segments.append(files.save_segment(built[0]))
    files.write(manifest)
    t2 = time.perf_counter()
    index = InvertedIndex(params)
    index.add(built[0])
    t3 = time.perf_counter()
    parts.update(merge_s=round(t1 - t0, 3), save_s=round(t2 - t1, 3), load_s=round(t3 - t2, 3))
    build_s += t3 - t0
    del built
    gc.collect()

    queries = [analyzer(q) for q in json.loads((work / "queries.json").read_text())]
    (work / "query_tokens.json").write_text(json.dumps(queries))
    for q in queries[:20]:
        index.search(q, TOP)

    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, TOP)
        times.append(time.perf_counter() - t)
    result: dict[str, Any] = latencies(times)

    added_texts = json.loads((work / "added.json").read_text())
    new_ids = np.arange(passages + 1, passages + 1 + len(added_texts), dtype=np.int64)
    t0 = time.perf_counter()
    docs = [analyzer(t) for t in added_texts]
    segment = seg.build(new_ids.tolist(), docs)
    manifest.segments.append(files.save_segment(segment))
    manifest.max_passage_id = int(new_ids[-1])
    files.write(manifest)
    index.add(segment)
    seen = index.search(docs[0], TOP, allowed=new_ids)
    add_s = time.perf_counter() - t0
    assert seen and seen[0].passage_id in new_ids
    with open(work / "added_tokens.txt", "w") as f:
        f.writelines(" ".join(d) + "\n" for d in docs)

    del index, segment
    gc.collect()
    t0 = time.perf_counter()
    loaded = files.read(analyzer.config.key())
    removed = np.asarray(loaded.removed, dtype=np.int64)
    segments = [files.load_segment(name) for name in loaded.segments]
    restarted = InvertedIndex(params)
    restarted.replace([(s, live_mask(s, removed)) for s in segments])
    restarted.search(queries[0], TOP)
    restart_s = time.perf_counter() - t0
    assert len(restarted) == passages + len(added_texts)
    result.update(
        build_s=round(build_s, 3),
        analyze_s=round(analyze_s, 3),
        build_total_s=round(build_s + analyze_s, 3),
        build_parts=parts,
        add_s=round(add_s, 4),
        restart_s=round(restart_s, 3),
        disk_mb=round(files.size_bytes() / 2**20, 1),
        bm25=f"{params.variant} k1={params.k1} b={params.b}",
        peak_rss_mb=round(peak_rss_mb(), 1),
    )
    return result


def rank_bm25_child(work: Path, sample: int, seed: int, rebuild: bool) -> dict[str, Any]:
    from rank_bm25 import BM25Okapi

    t0 = time.perf_counter()
    words: dict[str, str] = {}
    intern = words.setdefault
    with open(work / "tokens.txt") as f:
        corpus = [[intern(w, w) for w in line.split()] for line in f]
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = BM25Okapi(corpus)
    build_s = time.perf_counter() - t0
    queries = json.loads((work / "query_tokens.json").read_text())
    chosen = random.Random(seed).sample(queries, min(sample, len(queries)))

    times = []
    for q in chosen:
        t = time.perf_counter()
        scores = model.get_scores(q)
        np.argsort(scores)[::-1][:TOP]
        times.append(time.perf_counter() - t)
    result: dict[str, Any] = latencies(times)
    result.update(build_s=round(build_s, 3), load_tokens_s=round(load_s, 3), queries=len(chosen))
    if rebuild:
        with open(work / "added_tokens.txt") as f:
            added = [[intern(w, w) for w in line.split()] for line in f]
        del model
        gc.collect()
        t0 = time.perf_counter()
        BM25Okapi(corpus + added)
        result["add_s"] = round(time.perf_counter() - t0, 3)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return result


# --- parent -------------------------------------------------------------------------------


def run_child(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "bench.retrieval", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rank-bm25-sample", type=int, default=None)
    parser.add_argument("--rank-bm25-rebuild", choices=("yes", "no"), default="yes")
    parser.add_argument("--eval", type=Path, default=EVAL, help="the SQuAD JSONL directory")
    parser.add_argument("--only-qabot", action="store_true", help="skip the rank-bm25 side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="keep the work files in this directory")
    parser.add_argument("--child", choices=("qabot", "rank_bm25"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sample = args.rank_bm25_sample
    if sample is None:
        sample = min(args.queries, 200 if args.passages <= 200_000 else 20)

    if args.child == "qabot":
        print(json.dumps(qabot_child(args.work, args.passages)))
        return
    if args.child == "rank_bm25":
        rebuild = args.rank_bm25_rebuild == "yes"
        print(json.dumps(rank_bm25_child(args.work, sample, args.seed, rebuild)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="qabot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if args.eval.is_dir():
        sentences = eval_sentences(args.eval)
        queries = eval_questions(args.eval, args.queries, args.seed)
        notes.append(
            f"corpus: {len(sentences)} sentences of {args.eval} (SQuAD) recombined at "
            f"random (seed {args.seed}) into ~{WORDS_PER_PASSAGE}-word passages; queries: "
            f"{len(queries)} SQuAD questions sampled with seed {args.seed}"
        )
    else:
        sentences = synthetic_sentences(100_000, args.seed)
        rng = random.Random(args.seed)
        queries = [" ".join(rng.choice(sentences).split()[:8]) for _ in range(args.queries)]
        notes.append(f"corpus and queries synthetic (Zipf words): {args.eval} is absent")
    draws, bounds = recipe(sentences, args.passages, args.seed)
    extra_draws, extra_bounds = recipe(sentences, ADDED, args.seed + 1)
    added = [
        " ".join(sentences[d] for d in extra_draws[extra_bounds[i] : extra_bounds[i + 1]])
        for i in range(ADDED)
    ]
    (work / "sentences.json").write_text(json.dumps(sentences))
    (work / "queries.json").write_text(json.dumps(queries))
    (work / "added.json").write_text(json.dumps(added))
    np.save(work / "draws.npy", draws)
    np.save(work / "bounds.npy", bounds)
    base = ["--passages", str(args.passages), "--seed", str(args.seed), "--work", str(work)]
    try:
        qabot = run_child([*base, "--child", "qabot"])
        if args.only_qabot:
            print(json.dumps({"passages": args.passages, "qabot": qabot}, indent=2))
            return
        rb_args = [*base, "--child", "rank_bm25", "--rank-bm25-sample", str(sample)]
        rank_bm25 = run_child([*rb_args, "--rank-bm25-rebuild", args.rank_bm25_rebuild])
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    rank_bm25["analyze_s"] = qabot["analyze_s"]
    rank_bm25["build_total_s"] = round(rank_bm25["build_s"] + qabot["analyze_s"], 3)
    notes += [
        "latencies: index.search / BM25Okapi.get_scores + argsort on pre-analyzed terms, "
        f"top {TOP}, one thread; rank-bm25 on {rank_bm25.pop('queries')} of the "
        f"{len(queries)} queries (seeded sample)",
        "both sides score identical tokens: qabot's Analyzer ran once (analyze_s), "
        "rank-bm25 reads its output; build_s excludes analysis, build_total_s includes it",
        "qabot build_s: segments of 20,000 passages, merged into one, saved, loaded into "
        "the index; add_s: analyze + build + save a 100-passage segment, index.add, and a "
        "search that returns it; restart_s: manifest + segment files loaded (page cache "
        "warm) into a new InvertedIndex, and a first search",
        "rank-bm25: add_s is a full rebuild (the old model freed first); it has no "
        "persistence, so no disk_mb or restart_s",
        "peak_rss_mb: each side's own subprocess (ru_maxrss)",
    ]
    report = {
        "passages": args.passages,
        "queries": len(queries),
        "qabot": qabot,
        "rank_bm25": rank_bm25,
        "speedup_p50": round(rank_bm25["p50_ms"] / qabot["p50_ms"], 1),
        "speedup_p95": round(rank_bm25["p95_ms"] / qabot["p95_ms"], 1),
        "speedup_add": round(rank_bm25["add_s"] / qabot["add_s"], 1)
        if "add_s" in rank_bm25
        else None,
        "notes": notes,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
