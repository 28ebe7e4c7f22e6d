"""``qabot eval``: measure the answerer on question-answering data, beside a plain baseline.

Articles go through the same path as ``qabot add`` (``Engine.add_source`` on a JSONL
file) into a fresh temporary store; every question, or a seeded sample, is then asked.
With ``--holdout-fraction F`` whole articles are left out of the index until about a
fraction F of the sampled questions have no answer in it. Scores use SQuAD's answer
normalization (``bot.evaluation.metrics``). "First sentence" means the reply's best-ranked
sentence (the answer sentence), wherever reading order puts it.

With ``--unseen`` only questions of the articles that neither the reranker nor the fit of its
mode ever saw are asked (``reported_on`` in ``index/answer/answerer.json``); the index
still holds every article, as a user's would.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.engine import Engine, EngineSettings
from bot.evaluation import withheld
from bot.evaluation.baseline import Baseline
from bot.evaluation.metrics import contains, exact_match, f1, percentile
from index.answer import AnswerSettings
from index.answer.fitted import fitted
from index.models import NONE, SURE, VERDICTS, Answer

RECALL_AT = (1, 5, 20)


@dataclass(frozen=True, slots=True)
class Question:
    """One question; ``paragraph`` indexes its article's paragraphs where the data says which
    holds the answer (SQuAD does)."""

    id: str
    article_id: str
    question: str
    answers: tuple[str, ...]
    paragraph: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one pipeline did with one question."""

    passages: list[str]
    reply: list[str]
    best: str | None
    answered: bool
    short_answer: str | None
    ms: float
    ranked_best: str | None = None
    verdict: str = NONE
    first: str | None = None  # the best-ranked quote of a sure or a closest reply
    quoted: tuple[str, ...] = ()  # every quote of a sure or a closest reply


@dataclass(slots=True)
class Tally:
    """Running sums for one pipeline over the answerable and unanswerable questions."""

    has_short: bool = True
    rows: list[tuple[Question, Outcome]] = field(default_factory=list)
    unanswerable: list[Outcome] = field(default_factory=list)

    def report(self, passages: int, holdout: bool) -> dict[str, Any]:
        n = len(self.rows) or 1
        out: dict[str, Any] = {}
        for k in RECALL_AT:
            hit = sum(any(contains(p, q.answers) for p in o.passages[:k]) for q, o in self.rows)
            out[f"answer_recall@{k}"] = hit / n
        out["sentence_acc@1"] = (
            sum(o.best is not None and contains(o.best, q.answers) for q, o in self.rows) / n
        )
        out["reply_acc"] = (
            sum(any(contains(s, q.answers) for s in o.reply) for q, o in self.rows) / n
        )
        if self.has_short:
            out["short_answer_em"] = (
                sum(exact_match(o.short_answer or "", q.answers) for q, o in self.rows) / n
            )
            out["short_answer_f1"] = (
                sum(f1(o.short_answer or "", q.answers) for q, o in self.rows) / n
            )
        else:
            out["short_answer_em"] = out["short_answer_f1"] = None
        out["sentence_acc@1_if_always_answering"] = (
            sum(
                o.ranked_best is not None and contains(o.ranked_best, q.answers)
                for q, o in self.rows
            )
            / n
        )
        out["answered_rate"] = sum(o.answered for _, o in self.rows) / n
        out |= self.verdicts(n)
        words = [sum(len(s.split()) for s in o.reply) for _, o in self.rows if o.answered]
        out["mean_reply_words"] = sum(words) / len(words) if words else 0.0
        times = [o.ms for _, o in self.rows] + [o.ms for o in self.unanswerable]
        out["p50_ms"] = percentile(times, 50)
        out["p95_ms"] = percentile(times, 95)
        if holdout:
            out["abstain_unanswerable"] = sum(not o.answered for o in self.unanswerable) / (
                len(self.unanswerable) or 1
            )
            out["unanswerable_verdicts"] = verdict_rates(self.unanswerable)
        out["questions"] = len(self.rows) + len(self.unanswerable)
        if holdout:
            out["answerable"] = len(self.rows)
            out["unanswerable"] = len(self.unanswerable)
        out["passages"] = passages
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}

    def verdicts(self, n: int) -> dict[str, Any]:
        """How often each verdict came on the answerable questions; how often a sure reply's
        first quote holds the answer (``sure_right``); how often a sure or closest one's does
        (``helped``), and any of its quotes (``quoted_acc``); the short answers shown (only
        sure replies show one) and their exact match and F1 where shown."""
        if not self.has_short:
            return {}
        sure = [(q, o) for q, o in self.rows if o.verdict == SURE]
        shown = [(q, o) for q, o in sure if o.short_answer]
        return {
            "verdicts": verdict_rates([o for _, o in self.rows]),
            "sure_right": sum(holds(q, o) for q, o in sure) / (len(sure) or 1),
            "helped": sum(holds(q, o) for q, o in self.rows if o.verdict != NONE) / n,
            "quoted_acc": sum(
                any(contains(s, q.answers) for s in o.quoted)
                for q, o in self.rows
                if o.verdict != NONE
            )
            / n,
            "short_answer_shown": len(shown) / n,
            "short_answer_em_shown": sum(
                exact_match(o.short_answer or "", q.answers) for q, o in shown
            )
            / (len(shown) or 1),
            "short_answer_f1_shown": sum(f1(o.short_answer or "", q.answers) for q, o in shown)
            / (len(shown) or 1),
        }

    def add(self, question: Question, outcome: Outcome, answerable: bool) -> None:
        if answerable:
            self.rows.append((question, outcome))
        else:
            self.unanswerable.append(outcome)


def holds(question: Question, outcome: Outcome) -> bool:
    """Whether the reply's first quote (sure or closest) holds the answer."""
    return outcome.first is not None and contains(outcome.first, question.answers)


def verdict_rates(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """The share of each verdict among ``outcomes``."""
    n = len(outcomes) or 1
    return {v: round(sum(o.verdict == v for o in outcomes) / n, 4) for v in VERDICTS}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", required=True, type=Path, help="articles JSONL")
    parser.add_argument("--questions", required=True, type=Path, help="questions JSONL")
    parser.add_argument("--sample", type=int, default=None, help="ask a seeded sample of N")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and holdout")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--baseline", action="store_true", help="also run plain rank-bm25")
    parser.add_argument(
        "--unseen",
        action="store_true",
        help="ask only questions of the articles no model was trained or fitted on",
    )
    parser.add_argument(
        "--lexical",
        action="store_true",
        help="answer without the reranker (the lexical ranker alone)",
    )
    parser.add_argument(
        "--withheld",
        action="store_true",
        help="also ask every question with its answer paragraph cut out of the index (the rest"
        " of its article stays): how often the reply is sure, closest or none",
    )
    parser.add_argument(
        "--holdout-fraction",
        type=float,
        default=0.0,
        help="leave out the articles of about this fraction of the questions",
    )


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_questions(path: Path) -> list[Question]:
    return [
        Question(
            str(r["id"]),
            str(r["article_id"]),
            str(r["question"]),
            tuple(r["answers"]),
            None if r.get("paragraph") is None else int(r["paragraph"]),
        )
        for r in load_jsonl(path)
    ]


def sample(questions: Sequence[Question], n: int | None, seed: int) -> list[Question]:
    """A seeded sample of ``n`` questions (all when ``n`` is None or too large), in file order."""
    if n is None or n >= len(questions):
        return list(questions)
    picked = sorted(random.Random(seed).sample(range(len(questions)), n))
    return [questions[i] for i in picked]


def holdout(
    questions: Sequence[Question], article_ids: Sequence[str], fraction: float, seed: int
) -> set[str]:
    """Articles to leave out (seeded) until about ``fraction`` of the questions are theirs."""
    if fraction <= 0:
        return set()
    per_article: dict[str, int] = {}
    for q in questions:
        per_article[q.article_id] = per_article.get(q.article_id, 0) + 1
    order = sorted(article_ids)
    random.Random(seed + 1).shuffle(order)
    target = fraction * len(questions)
    out: set[str] = set()
    covered = 0
    for a in order:
        if covered >= target:
            break
        if per_article.get(a):
            out.add(a)
            covered += per_article[a]
    return out


def answer_outcome(answer: Answer, passages: list[str]) -> Outcome:
    first = max(answer.quotes, key=lambda q: q.score).text if answer.quotes else None
    quotes = answer.quotes if answer.answered else ()
    best = max(quotes, key=lambda q: q.score).text if quotes else None
    ranked = first
    if ranked is None and answer.more:
        ranked = answer.more[0].text
    return Outcome(
        passages=passages,
        reply=[q.text for q in quotes],
        best=best,
        answered=answer.answered,
        short_answer=answer.short_answer if answer.answered else None,
        ms=answer.took_ms,
        ranked_best=ranked,
        verdict=answer.verdict,
        first=first,
        quoted=tuple(q.text for q in answer.quotes),
    )


def unseen_articles() -> set[str]:
    """The articles that neither the reranker nor its mode's fit saw (``bench/fit_rerank.py``)."""
    mode = fitted().rerank
    if mode is None or not mode.reported_on:
        raise SystemExit("qabot eval --unseen: answerer.json records no unseen articles")
    return set(mode.reported_on)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    articles = load_jsonl(args.articles)
    asked = load_questions(args.questions)
    unseen: set[str] = set()
    if args.unseen:
        unseen = unseen_articles()
        asked = [q for q in asked if q.article_id in unseen]
        if not asked:
            raise SystemExit(
                "qabot eval --unseen: none of these questions is about an article no model saw"
                f" (those are {len(unseen)} SQuAD train articles, listed as reported_on in"
                " index/answer/answerer.json)"
            )
    questions = sample(asked, args.sample, args.seed)
    left_out = holdout(
        questions, [str(a["id"]) for a in articles], args.holdout_fraction, args.seed
    )
    kept = [a for a in articles if str(a["id"]) not in left_out]
    holding = args.holdout_fraction > 0
    ours, base = Tally(), Tally(has_short=False)
    with tempfile.TemporaryDirectory(prefix="qabot-eval-") as tmp:
        engine = await indexed(kept, Path(tmp), args.lexical)
        try:
            passages = (await engine.stats()).passages
            baseline = Baseline([str(a["text"]) for a in kept]) if args.baseline else None
            for q in tqdm(questions, desc="asking", unit=" q", file=sys.stderr):
                answerable = q.article_id not in left_out
                answer = await engine.ask(q.question)
                hits = await engine.search(q.question, max(RECALL_AT))
                text = {h.passage_id: h.text for h in hits}
                reranked = [text[p] for p in answer.passages if p in text]
                rest = [h.text for h in hits if h.passage_id not in set(answer.passages)]
                ours.add(q, answer_outcome(answer, (reranked + rest)[:20]), answerable)
                if baseline is not None:
                    t0 = time.perf_counter()
                    r = baseline.ask(q.question, max(RECALL_AT))
                    ms = (time.perf_counter() - t0) * 1000
                    best = r.sentences[0] if r.sentences else None
                    out = Outcome(r.passages, r.sentences, best, bool(best), None, ms, best)
                    base.add(q, out, answerable)
        finally:
            await engine.close()
    report = ours.report(passages, holding)
    report["ranker"] = "lexical" if args.lexical else "lexical + reranker"
    report["asked_from"] = (
        f"only the {len(unseen)} articles no model was trained or fitted on"
        if args.unseen
        else "every article given (on SQuAD train, the models saw most of them: use --unseen)"
    )
    if baseline is not None:
        report["baseline"] = base.report(len(baseline), holding)
    if args.withheld:
        on_hand = [q for q in questions if q.article_id not in left_out]
        report["withheld"] = await ask_withheld(kept, on_hand, args.lexical)
    return report


async def indexed(articles: Sequence[dict[str, Any]], folder: Path, lexical: bool) -> Engine:
    """A fresh engine in ``folder`` holding ``articles``, added as ``qabot add`` adds a JSONL
    file."""
    source = folder / "articles.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    started = time.perf_counter()
    settings = EngineSettings(answer=AnswerSettings(rerank=not lexical))
    engine = await Engine.open(folder / "eval.db", settings, progress=True)
    outcomes = await engine.add_source(str(source), "eval")
    failed = [o for o in outcomes if o.error]
    if failed:
        print(f"{len(failed)} articles failed, e.g. {failed[0].error}", file=sys.stderr)
    print(
        f"indexed {len(articles)} articles in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return engine


async def ask_withheld(
    articles: Sequence[dict[str, Any]], questions: Sequence[Question], lexical: bool
) -> dict[str, Any]:
    """The questions asked again with their answer paragraph cut out of the index, in rounds
    (``bot.evaluation.withheld``): how often each verdict comes. Sure is wrong here."""
    outcomes: list[Outcome] = []
    for r, step in enumerate(withheld.rounds(articles, questions), start=1):
        with tempfile.TemporaryDirectory(prefix="qabot-eval-withheld-") as tmp:
            async with await indexed(step.articles, Path(tmp), lexical) as engine:
                desc = f"withheld, round {r}"
                for q in tqdm(step.questions, desc=desc, unit=" q", file=sys.stderr):
                    outcomes.append(answer_outcome(await engine.ask(q.question), []))
    return {"questions": len(outcomes), **verdict_rates(outcomes)}


def main(args: argparse.Namespace) -> int:
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        width = max(map(len, report))
        base = report.get("baseline", {})
        for key, value in report.items():
            if key != "baseline":
                extra = f"   baseline {base[key]}" if key in base else ""
                print(f"{key:<{width}}  {value}{extra}")
    return 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="qabot eval")
    add_arguments(p)
    raise SystemExit(main(p.parse_args()))
