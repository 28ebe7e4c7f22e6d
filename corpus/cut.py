"""Cut over-long sentences so that none exceeds MAX_WORDS words or MAX_CHARS characters.

A log line or a text without punctuation would otherwise be one sentence of a million
words: slow to score and impossible to quote. Pieces end at the strongest clause
boundary near an even share of the sentence (. ! ? then ; then : or a dash, then a
comma), else at a word boundary; a "word" longer than MAX_CHARS is cut inside itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_WORDS = 80
MAX_CHARS = 1000

_WORD = re.compile(r"\S+")
_RANK = {".": 4, "!": 4, "?": 4, ";": 3, ":": 2, "—": 2, "–": 2, ",": 1}
# Other scripts' stops, semicolons, colons and commas (Chinese and Japanese, Arabic, Devanagari).
_RANK.update({"。": 4, "！": 4, "？": 4, "؟": 4, "।": 4, "॥": 4, "；": 3, "؛": 3, "：": 2})
_RANK.update({"，": 1, "、": 1, "،": 1})
_CLOSERS = "\"')]”’»」』）"
_DASHES = frozenset({"-", "--", "—", "–"})

Span = tuple[int, int]


def _words(text: str, start: int, end: int) -> Iterator[Span]:
    """The spans of the words in text[start:end], long ones cut into MAX_CHARS pieces."""
    for match in _WORD.finditer(text, start, end):
        s, e = match.span()
        while e - s > MAX_CHARS:
            yield s, s + MAX_CHARS
            s += MAX_CHARS
        yield s, e


def _rank(text: str, words: list[Span], j: int) -> int:
    """How good a place the end of word j is to cut: 0 (none) to 4 (a sentence end)."""
    s, e = words[j]
    tail = text[s:e].rstrip(_CLOSERS)
    rank = _RANK.get(tail[-1], 0) if tail else 0
    if j + 1 < len(words) and text[words[j + 1][0] : words[j + 1][1]] in _DASHES:
        rank = max(rank, 2)
    return rank


def _reach(words: list[Span], i: int) -> int:
    """The last word a piece starting at word i can hold."""
    j, first = i, words[i][0]
    limit = min(len(words), i + MAX_WORDS) - 1
    while j < limit and words[j + 1][1] - first <= MAX_CHARS:
        j += 1
    return j


def _cut_at(text: str, words: list[Span], i: int, hi: int) -> int:
    """The word a piece starting at i ends with: the best clause end near an even share."""
    left = len(words) - i
    share = -(-left // -(-left // MAX_WORDS))
    ideal = min(i + share - 1, hi)
    lo = min(i + share // 2, ideal)
    best, best_key = ideal, (0, 0)
    for j in range(lo, hi + 1):
        key = (_rank(text, words, j), -abs(j - ideal))
        if key[0] and key > best_key:
            best, best_key = j, key
    return best


def cut_long(text: str, start: int, end: int) -> list[Span]:
    """Split the sentence text[start:end] into pieces within the word and character bounds."""
    if end - start <= min(MAX_CHARS, 2 * MAX_WORDS):
        return [(start, end)]
    words = list(_words(text, start, end))
    if len(words) <= MAX_WORDS and end - start <= MAX_CHARS:
        return [(start, end)]
    pieces: list[Span] = []
    i = 0
    while i < len(words):
        hi = _reach(words, i)
        last = hi if hi == len(words) - 1 else _cut_at(text, words, i, hi)
        pieces.append((words[i][0], words[last][1]))
        i = last + 1
    return pieces
