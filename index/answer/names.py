"""Where a question's names and numbers (``index.answer.words.names``) turn up.

A crude but language-light cue for what a sentence is about. A question's names that the
retrieved sentences lack hint that its article is not in the index; a runner-up's names that
the best sentence lacks hint that it says something else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.answer.words import names


def found(
    question: str, texts: Sequence[str], analyze: Callable[[str], list[str]]
) -> dict[str, float]:
    """How many terms the question's names give, and which share of them the best sentence,
    the best five and all of ``texts`` (candidates, best first) hold."""
    wanted: set[str] = set()
    for name in names(question):
        wanted.update(analyze(name))
    n = len(wanted) or 1
    best = set(analyze(texts[0])) if texts else set()
    five = best.union(*(analyze(t) for t in texts[1:5]))
    every = five.union(*(analyze(t) for t in texts[5:]))
    return {
        "question_names": float(len(wanted)),
        "names_in_best": len(wanted & best) / n,
        "names_in_five": len(wanted & five) / n,
        "names_in_all": len(wanted & every) / n,
    }
