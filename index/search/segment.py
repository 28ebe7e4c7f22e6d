"""A segment: an immutable term-by-passage matrix in compressed sparse column form.

Columns are the segment's own terms, rows its passages; ``indptr``/``rows``/``tfs``
give, for each term, the passages holding it and how often. ``sentences`` keeps the
terms of each passage's sentences, for the answerer. Saved as a ``.npz`` of plain arrays
(no pickles), written to a temporary name and renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from index.search.sentence_terms import SentenceTerms, concat

IntArray = NDArray[np.int64]


@dataclass(slots=True)
class Segment:
    terms: list[str]
    indptr: IntArray
    rows: NDArray[np.int32]
    tfs: NDArray[np.float32]
    passage_ids: IntArray
    doc_len: NDArray[np.float64]
    sentences: SentenceTerms | None = None
    column: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.column = {t: i for i, t in enumerate(self.terms)}
        if self.sentences is None:
            self.sentences = SentenceTerms.none(self.size)

    @property
    def sentence_terms(self) -> SentenceTerms:
        assert self.sentences is not None  # filled in __post_init__
        return self.sentences

    def sentences_of(self, row: int) -> tuple[tuple[str, ...] | None, ...]:
        """The terms of the sentences of passage row ``row`` (None where not known)."""
        return self.sentence_terms.of(row, self.terms)

    @property
    def size(self) -> int:
        return int(self.passage_ids.size)

    def df(self, live: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """Per term, the number of (live) passages that hold it."""
        if live is None:
            return np.diff(self.indptr).astype(np.float64)
        counts = np.concatenate(([0], np.cumsum(live[self.rows], dtype=np.int64)))
        return (counts[self.indptr[1:]] - counts[self.indptr[:-1]]).astype(np.float64)

    def postings(self, term: str) -> tuple[NDArray[np.int32], NDArray[np.float32]] | None:
        col = self.column.get(term)
        if col is None:
            return None
        lo, hi = int(self.indptr[col]), int(self.indptr[col + 1])
        return self.rows[lo:hi], self.tfs[lo:hi]

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a segment."""
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(
                f,
                terms=np.frombuffer("\n".join(self.terms).encode(), dtype=np.uint8),
                indptr=self.indptr,
                rows=self.rows,
                tfs=self.tfs,
                passage_ids=self.passage_ids,
                doc_len=self.doc_len,
                sentence_starts=self.sentence_terms.starts,
                sentence_bounds=self.sentence_terms.bounds,
                sentence_columns=self.sentence_terms.columns,
            )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Segment:
        """A saved segment; one saved before sentences were kept knows none of them."""
        with np.load(path, allow_pickle=False) as data:
            raw = data["terms"].tobytes().decode()
            sentences = None
            if "sentence_starts" in data.files:
                sentences = SentenceTerms(
                    data["sentence_starts"], data["sentence_bounds"], data["sentence_columns"]
                )
            return cls(
                terms=raw.split("\n") if raw else [],
                indptr=data["indptr"],
                rows=data["rows"],
                tfs=data["tfs"],
                passage_ids=data["passage_ids"],
                doc_len=data["doc_len"],
                sentences=sentences,
            )


class _Vocab(dict[str, int]):
    """Term -> column, numbering a term the first time it is looked up."""

    def __missing__(self, term: str) -> int:
        column = self[term] = len(self)
        return column


def build(
    passage_ids: Sequence[int],
    docs: Iterable[Sequence[str]],
    sentences: Iterable[Iterable[Sequence[str]]] | None = None,
) -> Segment:
    """A segment from passages already analyzed into terms, in passage id order, with the
    terms of each passage's sentences when given (read after the passages' terms)."""
    docs = docs if isinstance(docs, list) else list(docs)
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    vocab = _Vocab()
    flat = chain.from_iterable(docs)
    ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=int(lengths.sum()))
    segment = from_term_ids(passage_ids, lengths, ids, list(vocab))
    if sentences is not None:
        segment.sentences = SentenceTerms.build(sentences, segment.column)
    return segment


def from_term_ids(
    passage_ids: Sequence[int] | IntArray,
    lengths: Sequence[int] | IntArray,
    term_ids: IntArray,
    terms: list[str],
) -> Segment:
    """A segment from the flat sequence of every passage's term ids and the passage lengths."""
    lengths_arr = np.asarray(lengths, dtype=np.int64)
    n_docs = max(int(lengths_arr.size), 1)
    doc_of = np.repeat(np.arange(lengths_arr.size, dtype=np.int64), lengths_arr)
    keys, tf = np.unique(term_ids * n_docs + doc_of, return_counts=True)
    cols = keys // n_docs
    rows = keys - cols * n_docs
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=len(terms)), out=indptr[1:])
    return Segment(
        terms=terms,
        indptr=indptr,
        rows=rows.astype(np.int32),
        tfs=tf.astype(np.float32),
        passage_ids=np.asarray(passage_ids, dtype=np.int64),
        doc_len=lengths_arr.astype(np.float64),
    )


def merge(parts: Sequence[tuple[Segment, NDArray[np.bool_]]]) -> Segment:
    """One segment holding the live passages of ``parts``, in passage id order.

    Linear in the postings: each part's posting lists are already sorted by row and the
    parts come in passage id order, so every posting's place in the merged column is its
    column's start plus the postings of earlier parts plus its rank in its own list.
    """
    vocab = _Vocab()
    lookup = vocab.__getitem__
    to_global = [np.fromiter(map(lookup, s.terms), np.int64, len(s.terms)) for s, _ in parts]
    kept = [_kept_per_column(s, live) for s, live in parts]
    n_terms = len(vocab)
    counts = np.zeros(n_terms, dtype=np.int64)
    for g, k in zip(to_global, kept, strict=True):
        counts[g] += k
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    total = int(indptr[-1])
    rows = np.empty(total, dtype=np.int32)
    tfs = np.empty(total, dtype=np.float32)
    filled = indptr[:-1].copy()
    offset = 0
    for (seg, live), g, k in zip(parts, to_global, kept, strict=True):
        lens = np.diff(seg.indptr)
        start = filled[g]
        if live.all():
            dest = np.repeat(start - seg.indptr[:-1], lens) + np.arange(seg.rows.size)
            rows[dest] = seg.rows + offset
            tfs[dest] = seg.tfs
        else:
            keep = live[seg.rows]
            before = np.zeros(keep.size + 1, dtype=np.int64)
            np.cumsum(keep, out=before[1:])
            dest = (np.repeat(start - before[seg.indptr[:-1]], lens) + before[:-1])[keep]
            new_row = (np.cumsum(live, dtype=np.int64) - 1 + offset).astype(np.int32)
            rows[dest] = new_row[seg.rows[keep]]
            tfs[dest] = seg.tfs[keep]
        filled[g] += k
        offset += int(np.count_nonzero(live))
    ids = np.concatenate([s.passage_ids[m] for s, m in parts] or [np.zeros(0, np.int64)])
    if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        raise ValueError("segments to merge must be given in passage id order")
    doc_len = np.concatenate([s.doc_len[m] for s, m in parts] or [np.zeros(0, np.float64)])
    sentences = [s.sentence_terms.kept(m, g) for (s, m), g in zip(parts, to_global, strict=True)]
    return Segment(
        terms=list(vocab),
        indptr=indptr,
        rows=rows,
        tfs=tfs,
        passage_ids=ids,
        doc_len=doc_len,
        sentences=concat(sentences),
    )


def _kept_per_column(seg: Segment, live: NDArray[np.bool_]) -> IntArray:
    if live.all():
        return np.diff(seg.indptr)
    before = np.zeros(seg.rows.size + 1, dtype=np.int64)
    np.cumsum(live[seg.rows], out=before[1:])
    return before[seg.indptr[1:]] - before[seg.indptr[:-1]]
