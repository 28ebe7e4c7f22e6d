"""Windows of whole sentences, the unit the index retrieves and the reader quotes from."""

from __future__ import annotations

from collections.abc import Sequence

from corpus.models import Passage, Sentence


def _window_end(counts: Sequence[int], first: int, target_words: int, max_words: int) -> int:
    """Return the last sentence of a window starting at first: about target, at most max."""
    last, words = first, counts[first]
    while last + 1 < len(counts) and words < target_words:
        if words + counts[last + 1] > max_words:
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
) -> list[Passage]:
    """Group sentences into passages of about target_words, sharing overlap sentences."""
    counts = [len(s.text.split()) for s in sentences]
    passages: list[Passage] = []
    first = 0
    while first < len(sentences):
        last = _window_end(counts, first, target_words, max_words)
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
