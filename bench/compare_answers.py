"""Record the answers to a fixed question set, and compare two recordings.

Used to prove a refactor changes no answer: record before, record after, then ``diff``.
The set is qabot's demo guide with questions of our own, plus, when ``../shared/eval`` is
present, the first ``--articles`` SQuAD articles with a seed-0 sample of their questions.

    python -m bench.compare_answers record --out before.json
    python -m bench.compare_answers record --out after.json
    python -m bench.compare_answers diff before.json after.json   # JSON; exit 1 on a difference
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.engine import Engine

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo"
EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
OWN_QUESTIONS = (
    "How do I add an article?",
    "What is qabot?",
    "How do I remove an article?",
    "Who can add articles in Telegram?",
    "Where is the database kept?",
    "What happens when the articles do not answer?",
    "How many sentences does an answer quote?",
    "Which file formats can I add?",
    "How do I start the bot?",
    "What does the Sources button do?",
    "Can I add a web page?",
    "When was the moon landing?",
    "Who is the president of France?",
    "What is the capital of Peru?",
)


def _squad(articles: int, questions: int) -> tuple[list[dict[str, Any]], list[str]]:
    if not EVAL.exists():
        return [], []
    with (EVAL / "squad-train.articles.jsonl").open(encoding="utf-8") as f:
        arts = [json.loads(line) for _, line in zip(range(articles), f, strict=False)]
    ids = {a["id"] for a in arts}
    with (EVAL / "squad-train.questions.jsonl").open(encoding="utf-8") as f:
        qs = [q["question"] for q in map(json.loads, f) if q["article_id"] in ids]
    random.Random(0).shuffle(qs)
    return arts, qs[:questions]


async def record(out: Path, articles: int, questions: int) -> None:
    arts, squad = _squad(articles, questions)
    with tempfile.TemporaryDirectory() as tmp:
        engine = await Engine.open(Path(tmp) / "compare.db")
        try:
            await engine.add_source(str(DEMO), "compare")
            if arts:
                jsonl = Path(tmp) / "squad.jsonl"
                jsonl.write_text(
                    "".join(
                        json.dumps({"title": a["title"], "text": a["text"]}) + "\n" for a in arts
                    ),
                    encoding="utf-8",
                )
                await engine.add_source(str(jsonl), "compare")
            answers = []
            for q in (*OWN_QUESTIONS, *squad):
                a = asdict(await engine.ask(q))
                a.pop("took_ms")
                answers.append(a)
        finally:
            await engine.close()
    out.write_text(json.dumps(answers, indent=1), encoding="utf-8")
    print(json.dumps({"questions": len(answers), "out": str(out)}))


def _same(a: Any, b: Any, tol: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= tol
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def diff(before: Path, after: Path, tol: float) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))
    b = json.loads(after.read_text(encoding="utf-8"))
    differ = [x["question"] for x, y in zip(a, b, strict=False) if not _same(x, y, tol)]
    report = {
        "questions": len(a),
        "same": len(a) - len(differ) if len(a) == len(b) else 0,
        "differ": differ[:20],
        "tolerance": tol,
    }
    print(json.dumps(report, indent=1))
    return 0 if len(a) == len(b) and not differ else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record", help="answer the fixed set and write the answers as JSON")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--articles", type=int, default=40, help="SQuAD articles to index")
    r.add_argument("--questions", type=int, default=400, help="SQuAD questions to ask")
    d = sub.add_parser("diff", help="compare two recordings; exit 1 if any answer differs")
    d.add_argument("before", type=Path)
    d.add_argument("after", type=Path)
    d.add_argument("--tolerance", type=float, default=1e-9)
    args = parser.parse_args(argv)
    if args.command == "record":
        asyncio.run(record(args.out, args.articles, args.questions))
        return 0
    return diff(args.before, args.after, args.tolerance)


if __name__ == "__main__":
    sys.exit(main())
