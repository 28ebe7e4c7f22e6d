"""Fit the verdict's two thresholds for each language family, on XQuAD, and report them on
articles the fit never saw.

    python -m bench.fit_language_verdicts [--languages de,ru,ar,zh] [--seed 0]
                                          [--out index/answer/answerer.json]

The answerer's confidence was fitted on English (``bench.fit_verdicts``). In another script
the English-trained reranker and the word rules read less surely, and the same confidence
means something else: outside English few replies were sure, and those less often right,
and German questions whose best sentence was right got "not found" more often. So each
family (``index.answer.families``: Latin script, Cyrillic, Arabic, CJK) gets its own
thresholds, fitted by ``bench.fit_verdicts``'s two rules on the one language of it that
``../shared/eval/xquad`` holds (German for Latin script, Russian, Arabic, Chinese).

XQuAD's 48 articles are split in two halves by a seeded shuffle (the same halves in every
language: they are translations of one another). Every article is indexed, as
``qabot eval`` does; the thresholds are fitted on the first half's questions: answerable
ones, and the same with their answer paragraph withheld (``bot.evaluation.withheld``). The
second half's questions, asked the same two ways, report what the English thresholds and
the fitted ones give. Writes ``families`` into the reranking mode of ``--out`` and prints
the report as JSON. Skips cleanly without ``../shared/eval/xquad``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.fit_verdicts import Asked, ask_all, engine_with, fit, summary
from bot.evaluation import withheld
from bot.evaluation.command import Question, load_jsonl, load_questions
from index.answer.families import family_of
from index.answer.fitted import FITTED, fitted

XQUAD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "xquad"


def halves(article_ids: list[str], seed: int) -> tuple[set[str], set[str]]:
    """The fit half and the report half of the articles."""
    shuffled = sorted(article_ids)
    random.Random(seed).shuffle(shuffled)
    middle = len(shuffled) // 2
    return set(shuffled[:middle]), set(shuffled[middle:])


async def asked(
    articles: list[dict[str, Any]], questions: list[Question], language: str
) -> list[Asked]:
    """The questions asked on every article, and again with their answer paragraph cut."""
    out: list[Asked] = []
    with tempfile.TemporaryDirectory(prefix="qabot-fit-languages-") as tmp:
        async with await engine_with(articles, Path(tmp), rerank=True) as engine:
            out += await ask_all(engine, questions, "answerable", "large", f"{language} asked")
    for r, step in enumerate(withheld.rounds(articles, questions)):
        with tempfile.TemporaryDirectory(prefix="qabot-fit-languages-") as tmp:
            async with await engine_with(step.articles, Path(tmp), rerank=True) as engine:
                desc = f"{language} withheld {r + 1}"
                out += await ask_all(engine, step.questions, "withheld", "large", desc)
    return out


async def one_language(args: argparse.Namespace, language: str) -> dict[str, Any]:
    articles = load_jsonl(args.data / f"{language}.articles.jsonl")
    questions = load_questions(args.data / f"{language}.questions.jsonl")
    fit_half, report_half = halves([str(a["id"]) for a in articles], args.seed)
    fitting = await asked(articles, [q for q in questions if q.article_id in fit_half], language)
    sure, closest = fit(fitting, args.precision, args.withheld_sure, args.keep)
    reporting = await asked(
        articles, [q for q in questions if q.article_id in report_half], language
    )
    english = fitted(args.out).rerank
    assert english is not None
    base = english.confidence
    return {
        "family": family_of(language),
        "threshold": sure,
        "closest": closest,
        "fit_articles": sorted(fit_half),
        "on_fit_half": summary(fitting, sure, closest),
        "report_half_english_thresholds": summary(reporting, base.threshold, base.closest),
        "report_half_fitted": summary(reporting, sure, closest),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    return {lang: await one_language(args, lang) for lang in args.languages.split(",")}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fit_language_verdicts", description=__doc__)
    p.add_argument("--data", type=Path, default=XQUAD, help="folder of XQuAD's JSONL files")
    p.add_argument("--languages", default="de,ru,ar,zh", help="one language a family")
    p.add_argument("--precision", type=float, default=0.92, help="sure replies right, at least")
    p.add_argument(
        "--withheld-sure", type=float, default=0.20, help="withheld questions sure, at most"
    )
    p.add_argument(
        "--keep", type=float, default=0.99, help="right best sentences still quoted, at least"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=FITTED)
    args = p.parse_args()
    if not (args.data / "de.articles.jsonl").exists():
        print(json.dumps({"skipped": f"{args.data} has no XQuAD files"}))
        return 0
    report = asyncio.run(run(args))
    data = json.loads(args.out.read_text(encoding="utf-8"))
    data["rerank"]["families"] = {
        r["family"]: {
            "threshold": round(r["threshold"], 4),
            "closest": round(r["closest"], 4),
            "fitted_on": f"XQuAD {lang}, articles {', '.join(r['fit_articles'])}",
        }
        for lang, r in report.items()
    }
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
