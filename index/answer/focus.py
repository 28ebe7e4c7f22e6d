"""The focus of a what/which question, the word naming the kind of thing asked for ("Which
pope…" → pope), and where a sentence puts a new name beside it ("…Pope Gregory IX…").

Answer types (``index.answer.qtype``) cover who, when, how many and where; the focus is the cue
for the open "what X" questions, whose answer is often a name right next to X.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from index.answer.memo import word_terms
from index.answer.words import is_name, names, words
from index.search.stopwords import ENGLISH

_ASKS = re.compile(r"\b(?:what|which|whose)\s+(.*)", re.IGNORECASE | re.DOTALL)
_VAGUE = ENGLISH | {"kind", "kinds", "type", "types", "sort", "name", "names", "part", "one"}


@dataclass(frozen=True, slots=True)
class Focus:
    """A question's focus term (analyzed; None when it has none) and its names."""

    term: str | None
    asked: frozenset[str]

    @classmethod
    def of(cls, question: str, analyze: Callable[[str], list[str]]) -> Focus:
        return cls(focus_term(question, analyze), names(question))


def focus_term(question: str, analyze: Callable[[str], list[str]]) -> str | None:
    """The analyzed first meaningful word after what/which/whose, if any."""
    m = _ASKS.search(question)
    if m is None:
        return None
    for word in words(m.group(1)):
        if word.lower() not in _VAGUE:
            terms = analyze(word)
            return terms[0] if terms else None
    return None


def facts(
    focus: Focus, text: str, analyze: Callable[[str], list[str]]
) -> tuple[float, float, float]:
    """Whether ``text`` holds the focus term; 1 / (1 + words from it to the nearest name the
    question lacks); and how many distinct such names it has."""
    found = words(text)
    new = [i for i, w in enumerate(found) if i > 0 and is_name(w) and w not in focus.asked]
    count = float(len({found[i] for i in new}))
    if focus.term is None:
        return 0.0, 0.0, count
    at = [i for i, terms in enumerate(word_terms(analyze, text)) if focus.term in terms]
    if not at:
        return 0.0, 0.0, count
    near = [j for j in new if j not in at]
    if not near:
        return 1.0, 0.0, count
    gap = min(abs(i - j) for i in at for j in near)
    return 1.0, 1.0 / (1.0 + gap), count
