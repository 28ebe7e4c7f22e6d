"""Ingestion bounds: a huge text without sentence punctuation adds in seconds and leaves
answer latency where it was, as JSON.

    python -m bench.ingest [--lines 250000]

Builds a price list of ``--lines`` lines (no full stop anywhere), adds qabot's demo guide,
times a fixed set of questions, adds the list, and times the same questions again plus one
about the list.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.engine import Engine

DEMO = Path(__file__).resolve().parents[1] / "bot" / "demo"
QUESTIONS = (
    "How do I add an article?",
    "Who can remove articles?",
    "Where is the database kept?",
    "What does the Sources button do?",
)


def price_list(lines: int) -> str:
    """A title and ``lines`` lines of items with prices, none ending in a full stop."""
    items = (f"Item {i} blue widget model X{i % 97} costs {i % 500} euros" for i in range(lines))
    return "Price list\n\n" + "\n".join(items)


async def median_ms(engine: Engine, questions: tuple[str, ...], rounds: int) -> float:
    times = []
    for question in questions * rounds:
        started = time.perf_counter()
        await engine.ask(question)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run(lines: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "prices.txt"
        big.write_text(price_list(lines), encoding="utf-8")
        async with await Engine.open(Path(tmp) / "ingest.db") as engine:
            await engine.add_source(str(DEMO), "bench")
            before = await median_ms(engine, QUESTIONS, rounds)
            started = time.perf_counter()
            outcome = (await engine.add_source(str(big), "bench"))[0]
            add_s = time.perf_counter() - started
            after = await median_ms(engine, QUESTIONS, rounds)
            about = await median_ms(engine, ("What does the blue widget model X12 cost?",), rounds)
            stats = await engine.stats()
        return {
            "file_mb": round(big.stat().st_size / 1e6, 2),
            "lines": lines,
            "status": outcome.status,
            "error": outcome.error,
            "add_s": round(add_s, 2),
            "passages": outcome.article.passages if outcome.article else 0,
            "sentences": stats.sentences,
            "median_ask_ms_before": round(before, 2),
            "median_ask_ms_after": round(after, 2),
            "median_ask_ms_about_the_list": round(about, 2),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=250_000, help="lines of the price list")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(run(args.lines, args.rounds)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
