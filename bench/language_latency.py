"""Answer latency per language on one core, on the same collection in each, as one JSON object.

    python -m bench.language_latency [--questions 300] [--seed 0] [--languages en,de,ru,zh,ar]

XQuAD (``../shared/eval/xquad``) holds the same 48 articles and the same questions in each
language. Each language's articles are added to a database of their own through
``Engine.add_source``; the process is pinned to one CPU core; each database is opened again
(as a bot restarted after the adds); and a seeded sample of the questions (the same ones in
every language) is asked one question at a time, the languages taking turns question by
question, so that whatever else the machine does falls on every language alike. Each
language's p50 and p95 are reported with their ratio to English's. Skips cleanly without
``../shared/eval/xquad``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bench.latency import summary
from bot.engine import Engine, EngineSettings
from bot.evaluation.command import load_questions, sample

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad"


def cpu_name() -> str:
    """The CPU's model name, and whether it has AVX-512 VNNI (the reranker's int8 fast path)."""
    name, vnni = platform.processor() or platform.machine(), False
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                vnni = "avx512_vnni" in line.split()
    except OSError:
        pass
    return f"{name} ({'with' if vnni else 'without'} AVX-512 VNNI)"


async def run(args: argparse.Namespace) -> dict[str, Any]:
    languages: list[str] = args.languages.split(",")
    asked: dict[str, list[str]] = {}
    for lang in languages:
        questions = load_questions(args.data / f"{lang}.questions.jsonl")
        asked[lang] = [q.question for q in sample(questions, args.questions, args.seed)]
    out: dict[str, Any] = {"questions": args.questions, "cores": 1, "cpu": cpu_name()}
    with tempfile.TemporaryDirectory(prefix="qabot-language-latency-") as tmp:
        passages: dict[str, int] = {}
        for lang in languages:
            async with await Engine.open(Path(tmp) / f"{lang}.db", EngineSettings()) as engine:
                await engine.add_source(str(args.data / f"{lang}.articles.jsonl"), "latency")
                passages[lang] = (await engine.stats()).passages
        async with AsyncExitStack() as stack:
            engines = {
                lang: await stack.enter_async_context(
                    await Engine.open(Path(tmp) / f"{lang}.db", EngineSettings())
                )
                for lang in languages
            }
            for lang in languages:  # first-question costs (page cache, lazy imports) aside
                await engines[lang].ask(asked[lang][0])
            times: dict[str, list[float]] = {lang: [] for lang in languages}
            for i in range(len(asked[languages[0]])):
                for lang in languages:
                    started = time.perf_counter()
                    await engines[lang].ask(asked[lang][i])
                    times[lang].append((time.perf_counter() - started) * 1000)
    english = summary(times["en"]) if "en" in times else None
    for lang in languages:
        figures: dict[str, Any] = {"passages": passages[lang], **summary(times[lang])}
        if english:
            figures["p50_vs_en"] = round(figures["p50_ms"] / english["p50_ms"], 3)
            figures["p95_vs_en"] = round(figures["p95_ms"] / english["p95_ms"], 3)
        out[lang] = figures
    return out


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.language_latency", description=__doc__)
    p.add_argument("--data", type=Path, default=XQUAD, help="folder of XQuAD's JSONL files")
    p.add_argument("--questions", type=int, default=300, help="questions asked per language")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--languages", default="en,de,ru,zh,ar", help="comma-separated, en first")
    args = p.parse_args()
    missing = [
        lang
        for lang in args.languages.split(",")
        if not (args.data / f"{lang}.articles.jsonl").exists()
    ]
    if missing:
        print(json.dumps({"skipped": f"{args.data} lacks {', '.join(missing)}"}))
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(json.dumps(asyncio.run(run(args)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
