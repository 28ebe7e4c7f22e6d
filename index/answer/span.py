"""The short answer: the span of the best sentence that the question's type asks for."""

from __future__ import annotations

from collections.abc import Callable

from index.answer import qtype
from index.answer.qtype import Span
from index.answer.words import is_new, word_spans


def short_answer(
    text: str,
    kind: str,
    question: frozenset[str],
    analyze: Callable[[str], list[str]],
    asked: str = "",
    language: str = "en",
) -> Span | None:
    """The typed span of ``text`` absent from the question and nearest to the words it shares.

    None for questions of no particular type, or when the sentence has no such span. The
    question's own words (``asked``) narrow a number question to the number it wants (a
    duration, a sum, a count: ``qtype.number_kind``); a name question takes a full name
    ("Lena Hoffmann") over a single capitalized word when the sentence has one, and never
    the sentence's capitalized first word alone.
    """
    if kind == qtype.OTHER:
        return None
    if kind == qtype.NUMBER:
        typed = qtype.number_spans(text, qtype.number_kind(asked, language), language)
    else:
        typed = qtype.spans(text, kind, language)
    found = [s for s in typed if is_new(s.text, question, analyze)]
    if kind == qtype.PERSON:  # "Only …", "Riverside …": a lone first word is rarely a name
        found = [s for s in found if " " in s.text] or [s for s in found if s.start > 0]
    if not found:
        return None
    words = word_spans(text)
    anchors = [i for i, word in enumerate(words) if set(analyze(word[2])) & question]
    if not anchors:
        return found[0]
    centres = [(words[i][0] + words[i][1]) / 2 for i in anchors]

    def distance(s: Span) -> tuple[float, int]:
        mid = (s.start + s.end) / 2
        return (min(abs(mid - c) for c in centres), s.start)

    return min(found, key=distance)
