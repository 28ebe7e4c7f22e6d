"""The terms of each passage's sentences, analyzed once when the passage is indexed.

The answerer weighs every candidate sentence by its terms; kept beside the postings, they
are read for each retrieved passage instead of being analyzed again for every question
(and after every restart). They are stored as column numbers of the segment's own terms.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

UNKNOWN = -1  # a sentence with a term the passage lacks: left for the answerer to analyze

Terms = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SentenceTerms:
    """Passage row ``r`` has sentences ``starts[r]:starts[r + 1]``; sentence ``j`` has the
    terms ``columns[bounds[j]:bounds[j + 1]]``. A passage indexed without its sentences
    has none."""

    starts: NDArray[np.int64]
    bounds: NDArray[np.int64]
    columns: NDArray[np.int32]

    @classmethod
    def none(cls, passages: int) -> SentenceTerms:
        """No sentence known for any of ``passages`` rows."""
        return cls(np.zeros(passages + 1, np.int64), np.zeros(1, np.int64), np.zeros(0, np.int32))

    @classmethod
    def build(
        cls, passages: Iterable[Iterable[Sequence[str]]], column: Mapping[str, int]
    ) -> SentenceTerms:
        """From each passage's sentences' terms, numbered by the segment's ``column``; read
        one passage at a time, so a large batch is never held as lists of terms."""
        per_passage, lengths, columns = array("q"), array("q"), array("i")
        for sentences in passages:
            count = 0
            for terms in sentences:
                columns.extend(column.get(t, UNKNOWN) for t in terms)
                lengths.append(len(terms))
                count += 1
            per_passage.append(count)
        return cls(
            _offsets(np.frombuffer(per_passage, dtype=np.int64)),
            _offsets(np.frombuffer(lengths, dtype=np.int64)),
            np.frombuffer(columns, dtype=np.int32).copy(),
        )

    def of(self, row: int, terms: Sequence[str]) -> tuple[Terms | None, ...]:
        """The terms of row ``row``'s sentences, in order; None for a sentence not known."""
        lo, hi = int(self.starts[row]), int(self.starts[row + 1])
        edges = self.bounds[lo : hi + 1].tolist()
        out: list[Terms | None] = []
        for a, b in pairwise(edges):
            cols = self.columns[a:b].tolist()
            out.append(None if UNKNOWN in cols else tuple(terms[c] for c in cols))
        return tuple(out)

    def kept(self, live: NDArray[np.bool_], to_global: NDArray[np.int64]) -> SentenceTerms:
        """The live rows' sentences, their columns renumbered through ``to_global``."""
        per_row = np.diff(self.starts)
        lengths = np.diff(self.bounds)
        live_sentences = np.repeat(live, per_row)
        columns = self.columns[np.repeat(live_sentences, lengths)]
        known = columns != UNKNOWN
        columns[known] = to_global[columns[known]]
        return SentenceTerms(
            _offsets(per_row[live]),
            _offsets(lengths[live_sentences]),
            columns.astype(np.int32),
        )


def concat(parts: Sequence[SentenceTerms]) -> SentenceTerms:
    """The sentences of ``parts`` one after another, as their rows are in a merged segment."""
    per_row = np.concatenate([np.diff(p.starts) for p in parts] or [np.zeros(0, np.int64)])
    lengths = np.concatenate([np.diff(p.bounds) for p in parts] or [np.zeros(0, np.int64)])
    columns = np.concatenate([p.columns for p in parts] or [np.zeros(0, np.int32)])
    return SentenceTerms(_offsets(per_row), _offsets(lengths), columns)


def _offsets(counts: Iterable[int] | NDArray[np.int64]) -> NDArray[np.int64]:
    """Where each of a run of lengths starts, and where the last ends."""
    arr = counts if isinstance(counts, np.ndarray) else np.fromiter(counts, dtype=np.int64)
    out = np.zeros(arr.size + 1, np.int64)
    np.cumsum(arr, out=out[1:])
    return out
