"""Windows of whole sentences, the unit the index retrieves and the reader quotes from.

Bounded in words and in characters, so that a passage stays quick to score and short to
quote; only a single sentence may exceed a bound, and corpus.cut keeps sentences below both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from corpus.models import Passage, Sentence

MAX_CHARS = 2000
# Characters of scripts written without spaces, counted as words at CHARS_PER_WORD each
# (a Chinese word averages about 1.5 characters), so passages hold about as much text.
_UNSPACED = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f"
    r"\u1780-\u17ff\U00020000-\U0002fa1f]"
)
CHARS_PER_WORD = 1.5


def spaced_count(text: str) -> int:
    """Words of a text written with spaces."""
    return len(text.split())


def word_count(text: str) -> int:
    """Words of a text in a language written without spaces: its space-separated words, and
    its runs of unspaced script by their characters."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    spaced = len(_UNSPACED.sub(" ", text).split())
    return spaced + round(unspaced / CHARS_PER_WORD)


def _window_end(
    sentences: Sequence[Sentence],
    counts: Sequence[int],
    first: int,
    target_words: int,
    max_words: int,
    max_chars: int,
) -> int:
    """Return the last sentence of a window starting at first: about target, at most max."""
    last, words = first, counts[first]
    while last + 1 < len(counts) and words < target_words:
        if words + counts[last + 1] > max_words:
            break
        if sentences[last + 1].end - sentences[first].start > max_chars:
            break
        last += 1
        words += counts[last]
    return last


def make_passages(
    sentences: Sequence[Sentence],
    text: str,
    target_words: int = 120,
    max_words: int = 150,
    overlap: int = 1,
    max_chars: int = MAX_CHARS,
    words: Callable[[str], int] = spaced_count,
) -> list[Passage]:
    """Group sentences into passages of about target_words, sharing overlap sentences.

    A passage holds more than max_words words or max_chars characters only when one
    sentence does. ``words`` counts a sentence's words (``word_count`` for a language
    written without spaces).
    """
    counts = [words(s.text) for s in sentences]
    passages: list[Passage] = []
    first = 0
    while first < len(sentences):
        last = _window_end(sentences, counts, first, target_words, max_words, max_chars)
        start, end = sentences[first].start, sentences[last].end
        passages.append(
            Passage(
                position=len(passages),
                first_sentence=sentences[first].position,
                last_sentence=sentences[last].position,
                start=start,
                end=end,
                text=text[start:end],
            )
        )
        if last == len(sentences) - 1:
            break
        first = max(last + 1 - overlap, first + 1)
    return passages
