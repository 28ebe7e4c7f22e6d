"""Words and names as the answerer's cues see them: one tokenizer and one name rule for every
cue that counts words (surface bigrams, distances, names, the focus, short answers).

The search analyzer (``index.search.analyze``) makes index terms; these are the plain surface
words between them, in any script: runs of letters and digits, a number with its separators
("1,200", "3.5") kept whole. A name is a word that starts with a capital or a digit
("Élodie", "Łódź", "São", "1,200"), the first word of a text aside.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

_WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")


@functools.cache
def upper_class() -> str:
    """A regex character class body holding every uppercase letter, in ranges (built once,
    on first use: it takes a scan of the Basic Multilingual Plane)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):  # the Basic Multilingual Plane holds every living script's capitals
        if chr(code).isupper():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


def words(text: str) -> list[str]:
    """The words of ``text``, in order."""
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` with its start and end offsets."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def is_name(word: str) -> bool:
    """Whether a word (not a text's first) reads as a name or a number."""
    return bool(word) and (word[0].isupper() or word[0].isdigit())


def names(text: str) -> frozenset[str]:
    """The names and numbers of ``text``, its first word aside."""
    return frozenset(w for w in words(text)[1:] if is_name(w))


def is_new(span: str, question: frozenset[str], analyze: Callable[[str], list[str]]) -> bool:
    """Whether ``span`` says something the question does not: a term the question lacks, or
    no index term at all (a bare month, a stopword-only name)."""
    terms = analyze(span)
    return not terms or any(t not in question for t in terms)
