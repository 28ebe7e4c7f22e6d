"""Answer latency on one core, on a 20,000-passage index, as one JSON object.

    python -m bench.latency [--questions 400] [--seed 0]

Indexes every article of ``../shared/eval`` SQuAD train (442 articles, about 21,700
passages) through ``Engine.add_source``, pins the process to one CPU core, opens the
database again (as a bot restarted after the adds), and asks a seeded sample of the
questions one after another, timing ``Engine.ask`` (retrieval, ranking, the
reranker's reading, the decision and the quotes). The same questions are answered with the
lexical ranker alone (``--lexical`` mode of ``qabot eval``) and by the reference pipeline,
rank-bm25's BM25Okapi over the same passages plus its best sentence by word overlap
(``bot.evaluation.baseline``), in the same run. Skips cleanly without ``../shared/eval``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.engine import Engine, EngineSettings
from bot.evaluation.baseline import Baseline
from bot.evaluation.command import load_jsonl, load_questions, sample
from bot.evaluation.metrics import percentile
from index.answer import AnswerSettings
from index.search.files import IndexFiles

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "mean_ms": round(sum(times) / len(times), 1),
    }


async def timed(engine: Engine, questions: list[str]) -> list[float]:
    await engine.ask(questions[0])  # first-question costs (page cache, lazy imports) aside
    times = []
    for q in questions:
        started = time.perf_counter()
        await engine.ask(q)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def run(args: argparse.Namespace) -> dict[str, Any]:
    articles = load_jsonl(args.data / "squad-train.articles.jsonl")
    asked = [
        q.question
        for q in sample(
            load_questions(args.data / "squad-train.questions.jsonl"), args.questions, args.seed
        )
    ]
    out: dict[str, Any] = {"questions": len(asked), "cores": 1}
    with tempfile.TemporaryDirectory(prefix="qabot-latency-") as tmp:
        db, source = Path(tmp) / "latency.db", Path(tmp) / "articles.jsonl"
        source.write_text(
            "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8"
        )
        started = time.perf_counter()
        async with await Engine.open(db, EngineSettings()) as engine:
            await engine.add_source(str(source), "latency")
            out["passages"] = (await engine.stats()).passages
        out["add_s"] = round(time.perf_counter() - started, 1)
        out["index_mb"] = round(IndexFiles.beside(db).size_bytes() / 2**20, 1)
        for name, rerank in (("qabot", True), ("qabot_lexical", False)):
            settings = EngineSettings(answer=AnswerSettings(rerank=rerank))
            async with await Engine.open(db, settings) as engine:  # as a restarted bot
                out[name] = summary(await timed(engine, asked))
    baseline = Baseline([str(a["text"]) for a in articles])
    times = []
    for q in asked:
        started = time.perf_counter()
        baseline.ask(q, 20)
        times.append((time.perf_counter() - started) * 1000)
    out["rank_bm25_reference"] = summary(times)
    return out


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    p.add_argument("--data", type=Path, default=EVAL, help="folder of the SQuAD JSONL")
    p.add_argument("--questions", type=int, default=400, help="questions asked, seeded sample")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not (args.data / "squad-train.articles.jsonl").exists():
        print(json.dumps({"skipped": f"{args.data} has no squad-train.articles.jsonl"}))
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(json.dumps(asyncio.run(run(args)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
