"""Answer quality on questions worded as chat users word them, about news texts of our own.

The set (``tests/fixtures/natural/``) is five short news-style articles we wrote and
questions that use other words than the text ("who runs kolben?" of "Kolben's chief
executive, Margit Sandor"), some of them not answered by any of the texts. A question is
right when the reply quotes a sentence holding its answer, or when it declines a question
the texts do not answer. All five articles are indexed together, as a small bot would hold.

With the verdicts (sure, closest, none): ``false_sure`` counts sure replies whose first
quote lacks the answer or that answer a question the texts do not; ``helped`` counts the
answerable questions whose sure or closest reply quotes the answer first. ``--set`` picks
another set of the same form (``tests/fixtures/natural2``, written before any run on it).

    python -m bench.natural [--set FOLDER] [--verbose] [--lexical] [--fitted FILE] [--no-whole]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answer_options import add_answer_options, answer_settings
from bot.engine import Engine, EngineSettings
from bot.evaluation.metrics import f1
from index.answer import AnswerSettings
from index.models import CLOSEST, NONE, SURE

SET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "natural"


@dataclass(frozen=True, slots=True)
class Case:
    question: str
    article: str | None  # the file stem of the article that answers it; None if none does
    answer: str | None


def load_cases(folder: Path = SET) -> list[Case]:
    lines = (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [Case(**json.loads(line)) for line in lines if line.strip()]


def verdict(case: Case, answered: bool, quoted: list[str]) -> str:
    """right, wrong (quoted without the answer), missed (declined an answerable question) or
    false_answer (answered a question the texts do not answer)."""
    if case.answer is None:
        return "false_answer" if answered else "right"
    if not answered:
        return "missed"
    held = any(case.answer.lower() in text.lower() for text in quoted)
    return "right" if held else "wrong"


async def run(folder: Path = SET, answer: AnswerSettings | None = None) -> dict[str, Any]:
    answer = answer or AnswerSettings()
    cases = load_cases(folder)
    details = []
    settings = EngineSettings(answer=answer)
    with tempfile.TemporaryDirectory() as tmp:
        async with await Engine.open(Path(tmp) / "natural.db", settings) as engine:
            for path in sorted(folder.glob("*.md")):
                await engine.add_source(str(path), "natural")
            for case in cases:
                a = await engine.ask(case.question)
                quoted = [q.text for q in a.quotes]
                first = max(a.quotes, key=lambda q: q.score).text if a.quotes else None
                details.append(
                    {
                        "question": case.question,
                        "expected": case.answer,
                        "verdict": verdict(case, a.answered, quoted if a.answered else []),
                        "reply": a.verdict,
                        "first_holds": holds(case, first),
                        "short_answer": a.short_answer,
                        "confidence": round(a.confidence, 3),
                        "quoted": quoted,
                    }
                )
    counts = {v: sum(d["verdict"] == v for d in details) for v in _VERDICTS}
    answerable = [d for d in details if d["expected"] is not None]
    false_sure = [
        d for d in details if d["reply"] == SURE and (d["expected"] is None or not d["first_holds"])
    ]
    helped = [d for d in answerable if d["reply"] != NONE and d["first_holds"]]
    shown = [d for d in answerable if d["short_answer"]]
    return {
        "ranker": "lexical + reranker" if answer.rerank else "lexical",
        "set": folder.name,
        "questions": len(cases),
        "answerable": len(answerable),
        "unanswerable": len(cases) - len(answerable),
        "right_rate": round(counts["right"] / len(cases), 4),
        **counts,
        "false_sure": len(false_sure),
        "false_sure_rate": round(len(false_sure) / len(cases), 4),
        "helped": len(helped),
        "helped_rate": round(len(helped) / (len(answerable) or 1), 4),
        "replies": {
            kind: {v: sum(d["reply"] == v for d in group) for v in (SURE, CLOSEST, NONE)}
            for kind, group in (
                ("answerable", answerable),
                ("unanswerable", [d for d in details if d["expected"] is None]),
            )
        },
        "short_answers_shown": len(shown),
        "short_answer_f1": round(
            sum(f1(d["short_answer"], [d["expected"]]) for d in shown) / (len(shown) or 1), 4
        ),
        "details": details,
    }


def holds(case: Case, text: str | None) -> bool:
    """Whether a quoted sentence holds the case's expected answer."""
    return bool(case.answer and text and case.answer.lower() in text.lower())


_VERDICTS = ("right", "wrong", "missed", "false_answer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every question's verdict")
    parser.add_argument("--lexical", action="store_true", help="answer without the reranker")
    parser.add_argument(
        "--set",
        type=Path,
        default=SET,
        help="the folder of texts and questions.jsonl (tests/fixtures/natural2 is the second)",
    )
    add_answer_options(parser)
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.set, answer_settings(args, rerank=not args.lexical)))
    if not args.verbose:
        report.pop("details")
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
