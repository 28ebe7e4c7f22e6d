"""Declining on small collections: one article, or five, and questions about their topic that
they do not answer. Prints one JSON object.

    python -m bench.small_collections [--collections 22] [--per-side 8] [--seed 0]
                                      [--fitted FILE] [--no-whole]

A bot often holds a handful of news stories, and its users ask about their topic things the
stories do not say. This builds such collections from the SQuAD articles no model saw
(``qabot eval --unseen``'s): a "story" is a seeded window of five consecutive paragraphs
of one article. Answerable questions are those of the window's paragraphs; unanswerable ones
are questions of the same article's other paragraphs whose answer occurs nowhere in the
collection: the same topic, no answer. Each collection is indexed on its own, with one
story or five (from five articles), and asked ``--per-side`` questions of each kind per
story. Reported per size: how often an answerable question gets a reply whose first quote
holds the answer (and any quote), how often an unanswerable one is declined, and the
milliseconds per question (p50, p95; a tiny collection is read whole, so it reads more
sentences than a large one). Skips cleanly without ``../shared/eval``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answer_options import add_answer_options, answer_settings
from bot.engine import Engine, EngineSettings
from bot.evaluation.command import Question, load_jsonl, load_questions, unseen_articles
from bot.evaluation.metrics import contains, percentile
from index.answer import AnswerSettings

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
WINDOW = 5


@dataclass(frozen=True, slots=True)
class Story:
    article: str
    text: str
    answerable: list[Question]
    unanswerable: list[Question]

    @property
    def pasted(self) -> str:
        """The story as an admin would paste it: a title line, then the text."""
        return f"{self.article.replace('_', ' ')}\n\n{self.text}"


def story(article: dict[str, Any], questions: list[Question], rng: random.Random) -> Story:
    """A seeded window of paragraphs of one article, with the questions it does and does not
    answer (those of the article's other paragraphs whose answer is not in the window)."""
    paragraphs = str(article["text"]).split("\n\n")
    start = rng.randrange(max(1, len(paragraphs) - WINDOW + 1))
    inside = range(start, start + WINDOW)
    text = "\n\n".join(paragraphs[start : start + WINDOW])
    answerable = [q for q in questions if q.paragraph in inside]
    other = [q for q in questions if q.paragraph not in inside]
    return Story(str(article["id"]), text, answerable, other)


def stories_of(
    articles_file: Path, questions_file: Path, names: Sequence[str], seed: int
) -> list[Story]:
    """A story of each named article, its window seeded."""
    articles = {str(a["id"]): a for a in load_jsonl(articles_file)}
    by_article: dict[str, list[Question]] = {}
    for q in load_questions(questions_file):
        by_article.setdefault(q.article_id, []).append(q)
    rng = random.Random(seed)
    return [story(articles[n], by_article[n], rng) for n in names]


async def ask_collection(
    stories: list[Story], per_side: int, answer: AnswerSettings, rng: random.Random
) -> dict[str, list[Any]]:
    """Index the stories together and ask each one's questions of both kinds."""
    out: dict[str, list[Any]] = {"first": [], "any": [], "declined": [], "ms": []}
    whole = "\n".join(s.text for s in stories)
    settings = EngineSettings(answer=answer)
    with tempfile.TemporaryDirectory(prefix="qabot-small-") as tmp:
        async with await Engine.open(Path(tmp) / "small.db", settings) as engine:
            for s in stories:
                await engine.add_text(s.pasted, "bench")
            for s in stories:
                unanswerable = [q for q in s.unanswerable if not contains(whole, q.answers)]
                for q in rng.sample(s.answerable, min(per_side, len(s.answerable))):
                    a = await engine.ask(q.question)
                    out["ms"].append(a.took_ms)
                    best = max(a.quotes, key=lambda x: x.score).text if a.quotes else ""
                    out["first"].append(a.answered and contains(best, q.answers))
                    out["any"].append(any(contains(x.text, q.answers) for x in a.quotes))
                for q in rng.sample(unanswerable, min(per_side, len(unanswerable))):
                    a = await engine.ask(q.question)
                    out["ms"].append(a.took_ms)
                    out["declined"].append(not a.answered)
    return out


def rates(results: list[dict[str, list[Any]]]) -> dict[str, float | int]:
    merged = {k: [v for r in results for v in r[k]] for k in ("first", "any", "declined", "ms")}
    return {
        "answerable": len(merged["first"]),
        "first_quote_holds_answer": round(sum(merged["first"]) / len(merged["first"]), 4),
        "some_quote_holds_answer": round(sum(merged["any"]) / len(merged["any"]), 4),
        "unanswerable": len(merged["declined"]),
        "declined_unanswerable": round(sum(merged["declined"]) / len(merged["declined"]), 4),
        "p50_ms": round(percentile(merged["ms"], 50), 1),
        "p95_ms": round(percentile(merged["ms"], 95), 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    names = sorted(unseen_articles())[: args.collections]
    data = args.data
    told = stories_of(
        data / "squad-train.articles.jsonl", data / "squad-train.questions.jsonl", names, args.seed
    )
    out: dict[str, Any] = {"articles": len(names), "asked_from": "articles no model saw"}
    for rerank in (True, False):
        mode = "qabot" if rerank else "qabot_lexical"
        answer = answer_settings(args, rerank)
        one = [
            await ask_collection([s], args.per_side, answer, random.Random(i))
            for i, s in enumerate(told)
        ]
        groups = [told[i : i + 5] for i in range(0, len(told) - 4, 5)]
        five = [
            await ask_collection(g, args.per_side, answer, random.Random(i))
            for i, g in enumerate(groups)
        ]
        out[mode] = {"one_article": rates(one), "five_articles": rates(five)}
    return out


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.small_collections", description=__doc__)
    p.add_argument("--data", type=Path, default=EVAL, help="folder of the SQuAD JSONL")
    p.add_argument("--collections", type=int, default=22, help="unseen articles to use")
    p.add_argument("--per-side", type=int, default=8, help="questions of each kind per story")
    p.add_argument("--seed", type=int, default=0)
    add_answer_options(p)
    args = p.parse_args()
    if not (args.data / "squad-train.articles.jsonl").exists():
        print(json.dumps({"skipped": f"{args.data} has no squad-train.articles.jsonl"}))
        return 0
    print(json.dumps(asyncio.run(run(args)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
