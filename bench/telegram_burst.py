"""A burst of questions through a local fake Bot API server, as Telegram would deliver them.

    python -m bench.telegram_burst [--questions 200] [--chats 50]

Starts the fake server of ``tests/botapi.py`` on 127.0.0.1, the real bot (python-telegram-bot,
with its rate limiter at Telegram's 30 messages/s) on a temporary database of a few articles,
pushes every question at once and prints JSON: questions per second from the first push to
the last reply, the 95th percentile reply time, and how many questions got no reply.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.settings import Settings
from bot.telegram import build_application
from tests.botapi import TOKEN, FakeBotApi, Sent

ARTICLES = [
    ("Sea otters", "Sea otters use rocks as tools to crack open shellfish. They live along "
     "the coasts of the North Pacific Ocean."),
    ("Volcanoes", "Volcanoes erupt when magma rises to the surface. Mount Etna in Sicily is "
     "one of the most active volcanoes in the world."),
    ("Tea", "Green tea is made from leaves that are not oxidised. Black tea is fully "
     "oxidised before it is dried."),
]  # fmt: skip
QUESTIONS = [
    "What do sea otters use to crack open shellfish?",
    "Where is Mount Etna?",
    "How is green tea made?",
    "What is the capital of Peru?",
]


async def burst(
    questions: int, chats: int, timeout: float, flood_rate: float = 30.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = await Engine.open(Path(tmp) / "bench.db")
        try:
            for title, body in ARTICLES:
                await engine.add_text(f"{title}\n\n{body}", "bench")
            async with FakeBotApi() as api:
                return await _run(api, engine, questions, chats, timeout, flood_rate)
        finally:
            await engine.close()


async def _run(
    api: FakeBotApi,
    engine: Engine,
    questions: int,
    chats: int,
    timeout: float,
    flood_rate: float,
) -> dict[str, Any]:
    settings = Settings(
        token=TOKEN, bot_api_url=api.url, questions_per_minute=questions, flood_rate=flood_rate
    )
    app = build_application(settings, engine)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        pushed: dict[int, float] = {}
        started = time.monotonic()
        for i in range(questions):
            message = api.message(10_000 + i % chats, QUESTIONS[i % len(QUESTIONS)])
            pushed[message["message_id"]] = time.monotonic()

        def replies(calls: list[Sent]) -> dict[int, float]:
            out: dict[int, float] = {}
            for c in calls:
                reply = c.params.get("reply_parameters") if c.method == "sendMessage" else None
                if reply and reply["message_id"] in pushed:
                    out.setdefault(reply["message_id"], c.at)
            return out

        with contextlib.suppress(TimeoutError):
            await api.wait_for(lambda calls: len(replies(calls)) == questions, timeout)
        got = replies(api.calls)
        await app.updater.stop()
        await app.stop()
    took = (max(got.values()) - started) if got else float("inf")
    latencies = sorted((got[m] - pushed[m]) * 1000 for m in got)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")
    return {
        "questions": questions,
        "chats": chats,
        "flood_rate": flood_rate,
        "qps": round(len(got) / took, 1),
        "p50_reply_ms": round(statistics.median(latencies)) if latencies else None,
        "p95_reply_ms": round(p95),
        "seconds": round(took, 2),
        "lost": questions - len(got),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_burst", description=__doc__)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait at most")
    parser.add_argument(
        "--flood-rate",
        type=float,
        default=30.0,
        help="the rate limiter's messages per second (default 30, Telegram's limit)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = asyncio.run(burst(args.questions, args.chats, args.timeout, args.flood_rate))
    print(json.dumps(result))
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
