"""Words as the answerer's cues see them: one tokenizer for every cue that counts words.

The search analyzer (``index.search.analyze``) makes index terms; these are the plain
surface words between them, runs of letters and digits in any script.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The runs of letters and digits of ``text``, in order."""
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` with its start and end offsets."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def is_new(span: str, question: frozenset[str], analyze: Callable[[str], list[str]]) -> bool:
    """Whether ``span`` says something the question does not: a term the question lacks, or
    no index term at all (a bare month or a stopword-only name)."""
    terms = analyze(span)
    return not terms or any(t not in question for t in terms)
