"""Fit the two thresholds of the answer's verdict: sure, closest, or none.

    python -m bench.fit_verdicts [--lexical] [--answerable 1500] [--per-side 10] [--seed 0]
                                 [--records FILE] [--out index/answer/answerer.json]

The answerer's confidence (a fitted forest, ``index.answer.confidence``) says how likely its
best sentence holds the answer. A reply is **sure** from ``threshold`` up (its best sentence
also covering the question as the mode requires), offers the **closest** sentences from
``closest`` up, and says it found **none** below. Both are fitted here, with the real engine
end to end, on the articles the reranker never trained on and that ``qabot eval --unseen``
never reports on
(``tuned_on`` in ``answerer.json``), with every kind of question a user asks:

- answerable, on the whole collection (every SQuAD article indexed);
- about an article that is not in the collection (a fifth of those articles left out);
- on an article's topic but not answered by it: the paragraph that holds the answer cut out,
  the rest of its article kept (``bot.evaluation.withheld``);
- the same kinds on one-story and five-story collections (``bench.small_collections``).

The rules:

1. ``threshold`` is the lowest confidence at which (a) at least ``--precision`` of the sure
   replies to answerable questions quote the answer first, and (b) at most ``--withheld-sure``
   of the withheld-paragraph questions get a sure reply (large and small collections pooled).
2. ``closest`` (at most ``threshold``) is the highest confidence that still quotes (sure or
   closest) at least ``--keep`` of the answerable questions whose best sentence holds the
   answer: a flat "not found" throws away a right sentence in hand, and "I'm not sure" costs
   the user little. (A first rule, which weighed those kept against the questions about an
   absent article that get a quote, gave 0.46 and left 26 of the first natural set's 51
   answerable questions with no quote at all; it was replaced by this one, and ``--keep``
   chosen among 0.95, 0.97 and 0.99 (closest 0.505, 0.385, 0.21) with that set in view:
   it is a development set since, and the second natural set was not run before.)

Writes both into the mode's ``confidence`` in ``--out`` and prints what they give on the fit
records as JSON. Skips cleanly without ``../shared/eval``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import random
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.small_collections import EVAL, Story, stories_of
from bot.engine import Engine, EngineSettings
from bot.evaluation import withheld
from bot.evaluation.command import Question, holdout, load_jsonl, load_questions
from bot.evaluation.metrics import contains
from index.answer import AnswerSettings
from index.answer.fitted import FITTED

GRID = np.round(np.arange(0.0, 1.0001, 0.005), 3)


@dataclass(frozen=True, slots=True)
class Asked:
    """What the answerer made of one question: its confidence, whether its best sentence
    covers the question as the mode requires, and whether that sentence holds the answer
    (False for a question the collection does not answer)."""

    kind: str  # answerable, absent or withheld
    size: str  # large, one or five
    confidence: float
    covers: bool
    right: bool


async def ask_all(
    engine: Engine, questions: list[Question], kind: str, size: str, desc: str
) -> list[Asked]:
    out = []
    answerer = engine.answerer
    for q in tqdm(questions, desc=desc, unit=" q", file=sys.stderr, leave=False):
        ranked = await answerer.rank(q.question)
        if not ranked.candidates:
            out.append(Asked(kind, size, 0.0, False, False))
            continue
        best = ranked.candidates[0].sentence.text
        out.append(
            Asked(
                kind,
                size,
                answerer.confidence(ranked),
                answerer.covers(ranked),
                kind == "answerable" and contains(best, q.answers),
            )
        )
    return out


async def engine_with(articles: list[dict[str, Any]], folder: Path, rerank: bool) -> Engine:
    source = folder / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    engine = await Engine.open(
        folder / "fit.db", EngineSettings(answer=AnswerSettings(rerank=rerank))
    )
    await engine.add_source(str(source), "fit")
    return engine


async def large(args: argparse.Namespace, tuned_on: list[str]) -> list[Asked]:
    """Answerable, absent-article and withheld-paragraph questions on the whole collection."""
    articles = load_jsonl(args.articles)
    ours = [q for q in load_questions(args.questions) if q.article_id in set(tuned_on)]
    rng = random.Random(args.seed)
    gone = holdout(ours, tuned_on, 0.2, args.seed)
    present = [q for q in ours if q.article_id not in gone]
    absent = [q for q in ours if q.article_id in gone]
    out: list[Asked] = []
    with tempfile.TemporaryDirectory(prefix="qabot-fit-verdicts-") as tmp:
        async with await engine_with(articles, Path(tmp), not args.lexical) as engine:
            asked = rng.sample(present, min(args.answerable, len(present)))
            out += await ask_all(engine, asked, "answerable", "large", "answerable")
    kept = [a for a in articles if str(a["id"]) not in gone]
    with tempfile.TemporaryDirectory(prefix="qabot-fit-verdicts-") as tmp:
        async with await engine_with(kept, Path(tmp), not args.lexical) as engine:
            asked = rng.sample(absent, min(args.answerable // 3, len(absent)))
            out += await ask_all(engine, asked, "absent", "large", "absent article")
    per_round = args.answerable // (3 * withheld.ROUNDS)
    for r, step in enumerate(withheld.rounds(kept, present)):
        with tempfile.TemporaryDirectory(prefix="qabot-fit-verdicts-") as tmp:
            async with await engine_with(step.articles, Path(tmp), not args.lexical) as engine:
                asked = rng.sample(step.questions, min(per_round, len(step.questions)))
                out += await ask_all(engine, asked, "withheld", "large", f"withheld {r + 1}")
    return out


async def small(args: argparse.Namespace, tuned_on: list[str]) -> list[Asked]:
    """Answerable and same-topic unanswerable questions on one-story and five-story
    collections of the fit's articles."""
    stories = stories_of(args.articles, args.questions, tuned_on, args.seed)
    out: list[Asked] = []
    for i, s in enumerate(stories):
        out += await collection([s], "one", args, random.Random(i))
    for i in range(0, len(stories) - 4, 5):
        out += await collection(stories[i : i + 5], "five", args, random.Random(i))
    return out


async def collection(
    stories: list[Story], size: str, args: argparse.Namespace, rng: random.Random
) -> list[Asked]:
    whole = "\n".join(s.text for s in stories)
    out: list[Asked] = []
    settings = EngineSettings(answer=AnswerSettings(rerank=not args.lexical))
    with tempfile.TemporaryDirectory(prefix="qabot-fit-small-") as tmp:
        async with await Engine.open(Path(tmp) / "small.db", settings) as engine:
            for s in stories:
                await engine.add_text(s.pasted, "fit")
            for s in stories:
                nope = [q for q in s.unanswerable if not contains(whole, q.answers)]
                yes = rng.sample(s.answerable, min(args.per_side, len(s.answerable)))
                no = rng.sample(nope, min(args.per_side, len(nope)))
                out += await ask_all(engine, yes, "answerable", size, f"{size} story")
                out += await ask_all(engine, no, "withheld", size, f"{size} story")
    return out


def verdicts(records: list[Asked], sure: float, closest: float) -> list[str]:
    """The verdict the answerer gives each record at these thresholds."""
    return [
        "sure"
        if r.confidence >= sure and r.covers
        else "closest"
        if r.confidence >= closest
        else "none"
        for r in records
    ]


def summary(records: list[Asked], sure: float, closest: float) -> dict[str, Any]:
    """Per kind of question and size of collection: the share of each verdict, and for the
    answerable ones how often a sure reply is right and how often a quote helps."""
    out: dict[str, Any] = {}
    given = verdicts(records, sure, closest)
    for kind in ("answerable", "absent", "withheld"):
        for size in ("large", "one", "five"):
            rows = [
                (r, v)
                for r, v in zip(records, given, strict=True)
                if (r.kind, r.size) == (kind, size)
            ]
            if not rows:
                continue
            n = len(rows)
            entry: dict[str, Any] = {"questions": n}
            for v in ("sure", "closest", "none"):
                entry[v] = round(sum(g == v for _, g in rows) / n, 4)
            if kind == "answerable":
                sure_rows = [r for r, g in rows if g == "sure"]
                entry["sure_right"] = round(
                    sum(r.right for r in sure_rows) / (len(sure_rows) or 1), 4
                )
                entry["helped"] = round(sum(r.right for r, g in rows if g != "none") / n, 4)
            out[f"{kind}_{size}"] = entry
    return out


def fit(
    records: list[Asked], precision: float, withheld_sure: float, keep: float
) -> tuple[float, float]:
    """The thresholds by the module's two rules."""
    answerable = [r for r in records if r.kind == "answerable"]
    unanswered = [r for r in records if r.kind == "withheld"]
    sure = 1.0
    for t in GRID:
        said = [r for r in answerable if r.confidence >= t and r.covers]
        right = sum(r.right for r in said) / (len(said) or 1)
        held = sum(r.confidence >= t and r.covers for r in unanswered) / (len(unanswered) or 1)
        if right >= precision and held <= withheld_sure:
            sure = float(t)
            break
    right_ones = [r for r in answerable if r.right]
    closest = 0.0
    for t in (t for t in GRID if t <= sure):
        if sum(r.confidence >= t for r in right_ones) >= keep * len(right_ones):
            closest = float(t)
    return sure, closest


async def collect(args: argparse.Namespace) -> list[Asked]:
    if args.records and args.records.exists():
        with open(args.records, "rb") as f:
            fields = set(Asked.__dataclass_fields__)
            return [Asked(**{k: v for k, v in r.items() if k in fields}) for r in pickle.load(f)]
    tuned_on = list(json.loads(FITTED.read_text())["rerank"]["tuned_on"])
    records = await large(args, tuned_on) + await small(args, tuned_on)
    if args.records:
        with open(args.records, "wb") as f:
            pickle.dump([asdict(r) for r in records], f)
    return records


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fit_verdicts", description=__doc__)
    p.add_argument("--articles", type=Path, default=EVAL / "squad-train.articles.jsonl")
    p.add_argument("--questions", type=Path, default=EVAL / "squad-train.questions.jsonl")
    p.add_argument("--lexical", action="store_true", help="fit the lexical mode's thresholds")
    p.add_argument("--answerable", type=int, default=1500, help="answerable questions, large")
    p.add_argument("--per-side", type=int, default=10, help="questions of each kind a story")
    p.add_argument("--precision", type=float, default=0.92, help="sure replies right, at least")
    p.add_argument(
        "--withheld-sure", type=float, default=0.20, help="withheld questions sure, at most"
    )
    p.add_argument(
        "--keep", type=float, default=0.99, help="right best sentences still quoted, at least"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--records", type=Path, help="keep the asked questions here, and reuse them")
    p.add_argument("--out", type=Path, default=FITTED)
    args = p.parse_args()
    if not args.articles.exists():
        print(json.dumps({"skipped": f"{args.articles} not found"}))
        return 0
    records = asyncio.run(collect(args))
    sure, closest = fit(records, args.precision, args.withheld_sure, args.keep)
    data = json.loads(args.out.read_text(encoding="utf-8"))
    mode = data if args.lexical else data["rerank"]
    mode["confidence"]["threshold"] = round(sure, 4)
    mode["confidence"]["closest"] = round(closest, 4)
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    report = {
        "threshold": sure,
        "closest": closest,
        "on_fit_records": summary(records, sure, closest),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
