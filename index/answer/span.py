"""The short answer: the span of the best sentence that the question's type asks for."""

from __future__ import annotations

from collections.abc import Callable

from index.answer import qtype
from index.answer.qtype import Span


def short_answer(
    text: str, kind: str, question: frozenset[str], analyze: Callable[[str], list[str]]
) -> Span | None:
    """The typed span of ``text`` absent from the question and nearest to the words it shares.

    None for questions of no particular type, or when the sentence has no such span.
    """
    if kind == qtype.OTHER:
        return None
    found = [s for s in qtype.spans(text, kind) if _new(s.text, question, analyze)]
    if not found:
        return None
    anchors = [
        i for i, word in enumerate(_words(text)) if word[2] and set(analyze(word[2])) & question
    ]
    words = _words(text)
    if not anchors:
        return found[0]
    centres = [(words[i][0] + words[i][1]) / 2 for i in anchors]

    def distance(s: Span) -> tuple[float, int]:
        mid = (s.start + s.end) / 2
        return (min(abs(mid - c) for c in centres), s.start)

    return min(found, key=distance)


def _new(span: str, question: frozenset[str], analyze: Callable[[str], list[str]]) -> bool:
    terms = analyze(span)
    return (bool(terms) and any(t not in question for t in terms)) or (
        not terms and any(ch.isdigit() for ch in span)
    )


def _words(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    start = None
    for i, ch in enumerate(text + " "):
        if ch.isalnum():
            if start is None:
                start = i
        elif start is not None:
            out.append((start, i, text[start:i]))
            start = None
    return out
