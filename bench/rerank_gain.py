"""What a trained reranker adds to the lexical ranker, before it is wired into the answerer.

The lexical answerer's best ``--top`` candidates are rescored as score + w * logit. w is
chosen on questions of the reranker's held-out articles that ``qabot eval --sample 5000
--seed 0`` does not use; the gain is reported on that eval sample's questions of the same
held-out articles (neither the reranker nor w saw them), and on our natural question set
(``tests/fixtures/natural``). Declining is left aside: "top-1" is whether the best candidate
holds the answer.

    python -m bench.train_reranker --out DIR ...     # first
    python -m bench.rerank_gain --model DIR [--top 10] [--tune 400]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.natural import SET, load_cases
from bot.engine import Engine
from bot.evaluation.command import load_jsonl, load_questions, sample
from bot.evaluation.metrics import contains
from index.answer.reranker import Reranker, context_of

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0)


@dataclass(frozen=True, slots=True)
class Scored:
    """One question's top candidates: lexical scores, reranker logits, which hold the answer."""

    lexical: np.ndarray
    logits: np.ndarray
    right: np.ndarray


def top1(records: Sequence[Scored | None], w: float) -> float:
    """The share of questions whose best candidate by lexical + w * logit holds the answer."""
    hits = sum(bool(r.right[int(np.argmax(r.lexical + w * r.logits))]) for r in records if r)
    return round(hits / max(len(records), 1), 4)


async def score(
    engine: Engine, reranker: Reranker, question: str, answers: Sequence[str], top: int
) -> tuple[Scored | None, float]:
    ranked = await engine.answerer.rank(question)
    cands = ranked.candidates[:top]
    if not cands:
        return None, 0.0
    started = time.perf_counter()
    logits = reranker.scores(
        question,
        [c.sentence.text for c in cands],
        [context_of(c.hit.title, c.previous.text if c.previous else None) for c in cands],
    )
    ms = (time.perf_counter() - started) * 1000
    right = np.array([contains(c.sentence.text, answers) for c in cands])
    return Scored(np.array(ranked.scores[:top]), np.asarray(logits, np.float64), right), ms


async def squad(reranker: Reranker, held: set[str], top: int, tune_n: int) -> dict[str, Any]:
    questions = load_questions(EVAL / "squad-train.questions.jsonl")
    reported = sample(questions, 5000, 0)
    used = {q.id for q in reported}
    report = [q for q in reported if q.article_id in held]
    pool = [q for q in questions if q.article_id in held and q.id not in used]
    tune = random.Random(1).sample(pool, min(tune_n, len(pool)))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "articles.jsonl"
        articles = load_jsonl(EVAL / "squad-train.articles.jsonl")
        source.write_text(
            "".join(json.dumps({"title": a["title"], "text": a["text"]}) + "\n" for a in articles),
            encoding="utf-8",
        )
        async with await Engine.open(Path(tmp) / "gain.db") as engine:
            await engine.add_source(str(source), "bench")
            tuned = [(await score(engine, reranker, q.question, q.answers, top))[0] for q in tune]
            reported_scores = [
                await score(engine, reranker, q.question, q.answers, top) for q in report
            ]
    by_w = {w: top1(tuned, w) for w in WEIGHTS}
    best = max(WEIGHTS, key=lambda w: by_w[w])
    records = [r for r, _ in reported_scores]
    times = [ms for r, ms in reported_scores if r is not None]
    return {
        "tune_questions": len(tune),
        "tune_top1_by_w": by_w,
        "w": best,
        "report_questions": len(report),
        "lexical_top1": top1(records, 0.0),
        "combined_top1": top1(records, best),
        "rerank_ms_p50": round(float(np.median(times)), 1) if times else None,
    }


async def natural(reranker: Reranker, top: int, w: float) -> dict[str, Any]:
    cases = [c for c in load_cases() if c.answer is not None]
    with tempfile.TemporaryDirectory() as tmp:
        async with await Engine.open(Path(tmp) / "natural.db") as engine:
            for path in sorted(SET.glob("*.md")):
                await engine.add_source(str(path), "bench")
            records = [
                (await score(engine, reranker, c.question, [c.answer or ""], top))[0] for c in cases
            ]
    return {
        "answerable_questions": len(cases),
        "lexical_top1": top1(records, 0.0),
        "combined_top1": top1(records, w),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a bench.train_reranker --out")
    parser.add_argument("--top", type=int, default=10, help="lexical candidates rescored")
    parser.add_argument("--tune", type=int, default=400, help="questions to choose w on")
    args = parser.parse_args(argv)
    if not EVAL.exists():
        print(f"skipped: {EVAL} is absent")
        return 0
    reranker = Reranker.load(args.model)
    provenance = json.loads((args.model / "provenance.json").read_text(encoding="utf-8"))
    held = set(provenance["split"]["heldout_articles"])
    report: dict[str, Any] = {
        "top": args.top,
        "squad_heldout": asyncio.run(squad(reranker, held, args.top, args.tune)),
    }
    report["natural"] = asyncio.run(natural(reranker, args.top, report["squad_heldout"]["w"]))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
