"""Windows of whole sentences, the unit the index retrieves and the reader quotes from.

Bounded in words and in characters, so that a passage stays quick to score and short to
quote; only a single sentence may exceed a bound, and corpus.cut keeps sentences below both.
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.models import Passage, Sentence

MAX_CHARS = 2000


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
) -> list[Passage]:
    """Group sentences into passages of about target_words, sharing overlap sentences.

    A passage holds more than max_words words or max_chars characters only when one
    sentence does.
    """
    counts = [len(s.text.split()) for s in sentences]
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
