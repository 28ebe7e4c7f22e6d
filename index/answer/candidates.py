"""A question analyzed once, and the candidate sentences of its retrieved passages."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from corpus.models import Sentence
from index.answer import focus, qtype
from index.answer.words import words
from index.models import Hit


@dataclass(frozen=True, slots=True)
class Query:
    """A question analyzed once: its terms, their idf (absent ones get the highest), its type
    and focus."""

    text: str
    words: frozenset[tuple[str, str]]
    terms: frozenset[str]
    idf: dict[str, float]
    total_idf: float
    missing_idf: float
    bigrams: frozenset[tuple[str, str]]
    kind: str
    focus: focus.Focus
    language: str = "en"

    @classmethod
    def of(
        cls,
        question: str,
        analyze: Callable[[str], list[str]],
        idf: dict[str, float],
        top: float,
        language: str = "en",
    ) -> Query:
        terms = analyze(question)
        weights = {t: idf.get(t, top) for t in terms}
        missing = sum(w for t, w in weights.items() if t not in idf)
        tokens = words(question.lower())
        return cls(
            text=question,
            words=frozenset(itertools.pairwise(tokens)),
            terms=frozenset(terms),
            idf=weights,
            total_idf=sum(weights.values()) or 1.0,
            missing_idf=missing,
            bigrams=frozenset(itertools.pairwise(terms)),
            kind=qtype.question_type(question, language),
            focus=focus.Focus.of(question, analyze),
            language=language,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of a retrieved passage, with the best rank of a passage holding it."""

    hit: Hit
    rank: int
    sentence: Sentence
    previous: Sentence | None
    following: Sentence | None


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """Each distinct sentence of the hits once, from the best-ranked passage holding it."""
    seen: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        sents = hit.sentences
        for i, s in enumerate(sents):
            key = (hit.article_id, s.position)
            if key in seen:
                continue
            seen.add(key)
            prev = sents[i - 1] if i > 0 else None
            nxt = sents[i + 1] if i + 1 < len(sents) else None
            out.append(Candidate(hit, rank, s, prev, nxt))
    return out
