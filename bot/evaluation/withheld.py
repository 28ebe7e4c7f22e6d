"""Questions on an article's topic that it does not answer, made from answerable ones.

SQuAD's questions all have their answer in the text. Cutting out the paragraph that holds a
question's answer, while the rest of its article stays indexed, makes it a question about the
article's topic that the collection no longer answers: the kind a chat user asks most often
of a bot that should then not sound sure. A question counts only when its answer occurs
nowhere else in what is left of its article.

Cutting every asked paragraph out of one index would leave little of an article, so the
paragraphs are cut in ``rounds``: round r cuts the asked paragraphs whose number is r modulo
``rounds``, and the rest of each article stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.evaluation.metrics import contains

ROUNDS = 5


@dataclass(frozen=True, slots=True)
class Round:
    """One index to build: the articles with some paragraphs cut out, and the questions whose
    answer left with them."""

    articles: list[dict[str, Any]]
    questions: list[Any]


def rounds(
    articles: Sequence[dict[str, Any]], questions: Sequence[Any], n: int = ROUNDS
) -> list[Round]:
    """``n`` rounds that together withhold the answer paragraph of every question that has one
    (``questions`` carry ``article_id``, ``paragraph`` and ``answers``)."""
    out = []
    for r in range(n):
        asked = [q for q in questions if q.paragraph is not None and q.paragraph % n == r]
        cut: dict[str, set[int]] = {}
        for q in asked:
            cut.setdefault(q.article_id, set()).add(q.paragraph)
        kept, left = [], {}
        for a in articles:
            paragraphs = str(a["text"]).split("\n\n")
            gone = cut.get(str(a["id"]), set())
            rest = "\n\n".join(p for i, p in enumerate(paragraphs) if i not in gone)
            left[str(a["id"])] = rest
            if rest.strip():
                kept.append({**a, "text": rest})
        unanswered = [
            q
            for q in asked
            if left.get(q.article_id) and not contains(left[q.article_id], q.answers)
        ]
        out.append(Round(kept, unanswered))
    return out
