"""The in-memory inverted index: segments, the passages masked as removed, and search.

State is an immutable snapshot swapped whole under a lock, so searches never wait for
an add, a removal or a merge: they read whichever snapshot was current when they began.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from index.search import bm25
from index.search.bm25 import BM25Params
from index.search.segment import Segment


@dataclass(frozen=True, slots=True)
class Scored:
    passage_id: int
    score: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a search reads, consistent with itself.

    ``all_df`` (every term's df, for Okapi's idf floor) is only filled for Okapi;
    ``norms`` holds each segment's BM25 length normalization for this ``avgdl``.
    """

    segments: tuple[Segment, ...]
    live: tuple[NDArray[np.bool_], ...]
    df: dict[str, float]
    all_df: NDArray[np.float64]
    n_docs: int
    total_len: float
    norms: tuple[NDArray[np.float64], ...] = ()
    full: tuple[bool, ...] = ()

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 0.0


EMPTY = Snapshot((), (), {}, np.zeros(0), 0, 0.0)
# Below this share of a segment's passages touched by a query, the scores of the
# touched passages are summed by sorting their ids; above it, in a dense array.
SPARSE_SHARE = 1 / 32


class InvertedIndex:
    """BM25 over passages, grown by segments and shrunk by masking."""

    def __init__(self, params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self._snap = EMPTY
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> Snapshot:
        return self._snap

    def __len__(self) -> int:
        return self._snap.n_docs

    def passage_ids(self) -> NDArray[np.int64]:
        """The live passage ids, ascending within each segment."""
        snap = self._snap
        parts = [s.passage_ids[m] for s, m in zip(snap.segments, snap.live, strict=True)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def sentence_terms(self, passage_id: int) -> tuple[tuple[str, ...] | None, ...]:
        """The terms of a passage's sentences as analyzed when it was indexed; () if the
        index does not hold the passage or was built without its sentences."""
        for seg in self._snap.segments:
            row = int(np.searchsorted(seg.passage_ids, passage_id))
            if row < seg.size and int(seg.passage_ids[row]) == passage_id:
                return seg.sentences_of(row)
        return ()

    def replace(self, parts: Sequence[tuple[Segment, NDArray[np.bool_]]]) -> None:
        """Install these segments (with their live masks) as the whole index."""
        snap = self._full_snapshot(parts)
        with self._lock:
            self._snap = snap

    def add(self, segment: Segment) -> None:
        """Make a new segment's passages searchable (cost: the new segment, not the index)."""
        with self._lock:
            snap = self._snap
            df = dict(snap.df)
            for term, value in zip(segment.terms, segment.df().tolist(), strict=True):
                if value:
                    df[term] = df.get(term, 0.0) + value
            self._snap = self._derive(
                snap,
                (*snap.segments, segment),
                (*snap.live, np.ones(segment.size, dtype=np.bool_)),
                df,
                snap.n_docs + segment.size,
                snap.total_len + float(segment.doc_len.sum()),
            )

    def remove(self, passage_ids: Iterable[int]) -> int:
        """Mask passages as removed; returns how many were live."""
        wanted = np.unique(np.fromiter(passage_ids, dtype=np.int64))
        if wanted.size == 0:
            return 0
        with self._lock:
            snap = self._snap
            lives: list[NDArray[np.bool_]] = []
            df = snap.df
            n_docs, total = snap.n_docs, snap.total_len
            removed = 0
            for seg, live in zip(snap.segments, snap.live, strict=True):
                hit = np.isin(seg.passage_ids, wanted, assume_unique=True) & live
                if hit.any():
                    if df is snap.df:
                        df = dict(df)
                    count = int(hit.sum())
                    removed += count
                    n_docs -= count
                    total -= float(seg.doc_len[hit].sum())
                    # The columns of the postings of the removed rows: one pass over rows.
                    postings = np.flatnonzero(hit[seg.rows])
                    cols, drop = np.unique(
                        np.searchsorted(seg.indptr, postings, side="right") - 1,
                        return_counts=True,
                    )
                    for col, n in zip(cols.tolist(), drop.tolist(), strict=True):
                        term = seg.terms[col]
                        left = df[term] - n
                        if left > 0:
                            df[term] = left
                        else:
                            del df[term]
                    live = live & ~hit
                lives.append(live)
            if removed:
                self._snap = self._derive(snap, snap.segments, tuple(lives), df, n_docs, total)
        return removed

    def swap_merged(self, old: Sequence[Segment], merged: Segment) -> None:
        """Put ``merged`` in place of ``old``, keeping removals made meanwhile masked."""
        with self._lock:
            snap = self._snap
            pairs = list(zip(snap.segments, snap.live, strict=True))
            gone = {id(s) for s in old}
            if not gone <= {id(s) for s, _ in pairs}:
                return
            dead = np.concatenate(
                [s.passage_ids[~m] for s, m in pairs if id(s) in gone] or [np.zeros(0, np.int64)]
            )
            live = ~np.isin(merged.passage_ids, dead)
            first = next(i for i, (s, _) in enumerate(pairs) if id(s) in gone)
            rest = [(s, m) for s, m in pairs if id(s) not in gone]
            rest.insert(first, (merged, live))
            self._snap = self._full_snapshot(rest)

    def idf(self, terms: Iterable[str], snap: Snapshot | None = None) -> dict[str, float]:
        """Corpus idf of each term present in the index (absent terms are left out)."""
        snap = snap or self._snap
        known = [t for t in dict.fromkeys(terms) if snap.df.get(t, 0.0) > 0]
        if not known:
            return {}
        df = np.array([snap.df[t] for t in known])
        values = bm25.idf(self.params, df, snap.n_docs, snap.all_df)
        return dict(zip(known, values.tolist(), strict=True))

    def search(
        self, terms: Sequence[str], k: int = 10, allowed: NDArray[np.int64] | None = None
    ) -> list[Scored]:
        """The top ``k`` passages holding a query term, best first; ties by passage id.

        Scores equal rank-bm25's ``get_scores`` for the same terms (repeats count); a
        passage holding no query term is left out, and so is a question with no term
        in the index: the answer is then empty, never an error.
        """
        snap = self._snap
        if snap.n_docs == 0 or k <= 0:
            return []
        counts = Counter(terms)
        idf = self.idf(counts, snap)
        if not idf:
            return []
        base = sum(counts[t] * bm25.constant(self.params, w) for t, w in idf.items())
        weights = [(t, counts[t] * w) for t, w in idf.items()]
        found_ids: list[NDArray[np.int64]] = []
        found_scores: list[NDArray[np.float64]] = []
        for i, seg in enumerate(snap.segments):
            ids, scores = self._score_segment(seg, snap, i, weights, k, allowed)
            if ids.size:
                found_ids.append(ids)
                found_scores.append(scores)
        if not found_ids:
            return []
        ids = np.concatenate(found_ids) if len(found_ids) > 1 else found_ids[0]
        scores = np.concatenate(found_scores) if len(found_scores) > 1 else found_scores[0]
        return _top(ids, scores + base if base else scores, k)

    def _score_segment(
        self,
        seg: Segment,
        snap: Snapshot,
        i: int,
        weights: Sequence[tuple[str, float]],
        k: int,
        allowed: NDArray[np.int64] | None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Passage ids and scores holding the segment's top ``k`` (and maybe more)."""
        norm = snap.norms[i]
        hit_rows: list[NDArray[np.int32]] = []
        hit_scores: list[NDArray[np.float64]] = []
        for term, weight in weights:
            col = seg.column.get(term)
            if col is None:
                continue
            lo, hi = int(seg.indptr[col]), int(seg.indptr[col + 1])
            if lo == hi:
                continue
            rows = seg.rows[lo:hi]
            tf = seg.tfs[lo:hi].astype(np.float64)
            hit_rows.append(rows)
            hit_scores.append(bm25.scores_in_place(self.params, weight, tf, norm[rows]))
        if not hit_rows:
            return np.zeros(0, np.int64), np.zeros(0)
        total = sum(r.size for r in hit_rows)
        if len(hit_rows) == 1 or total < seg.size * SPARSE_SHARE:
            touched, scores = _sparse_sum(hit_rows, hit_scores)
        else:
            dense: NDArray[np.float64] = np.bincount(
                np.concatenate(hit_rows), weights=np.concatenate(hit_scores), minlength=seg.size
            ).astype(np.float64, copy=False)
            if allowed is None and all(w > 0 for _, w in weights):
                # Scores are positive: at least k live passages reach ``floor``, so the
                # top k are among the passages at or above it, found in one pass.
                if not snap.full[i]:
                    dense[~snap.live[i]] = 0.0
                floor = _kth_best(dense, hit_rows, k)
                if floor > 0:
                    touched = np.flatnonzero(dense >= floor)
                    return seg.passage_ids[touched], dense[touched]
            touched = _union(hit_rows, seg.size)
            scores = dense[touched]
        if not snap.full[i]:
            keep = snap.live[i][touched]
            touched, scores = touched[keep], scores[keep]
        ids = seg.passage_ids[touched]
        if allowed is not None:
            mask = np.isin(ids, allowed)
            ids, scores = ids[mask], scores[mask]
        return ids, scores

    def _full_snapshot(self, parts: Sequence[tuple[Segment, NDArray[np.bool_]]]) -> Snapshot:
        df: dict[str, float] = {}
        n_docs = 0
        total = 0.0
        for seg, live in parts:
            seg_df = seg.df(None if live.all() else live)
            get = df.get
            for term, value in zip(seg.terms, seg_df.tolist(), strict=True):
                if value:
                    df[term] = get(term, 0.0) + value
            n_docs += int(live.sum())
            total += float(seg.doc_len[live].sum())
        return self._derive(
            EMPTY,
            tuple(s for s, _ in parts),
            tuple(m for _, m in parts),
            df,
            n_docs,
            total,
        )

    def _derive(
        self,
        old: Snapshot,
        segments: tuple[Segment, ...],
        live: tuple[NDArray[np.bool_], ...],
        df: dict[str, float],
        n_docs: int,
        total_len: float,
    ) -> Snapshot:
        """A snapshot with these contents, reusing ``old``'s all_df when df is unchanged."""
        if self.params.variant != "okapi":
            all_df = np.zeros(0)
        elif df is old.df:
            all_df = old.all_df
        else:
            all_df = np.fromiter(df.values(), dtype=np.float64, count=len(df))
        avgdl = total_len / n_docs if n_docs else 1.0
        norms = tuple(bm25.length_norm(self.params, s.doc_len, avgdl) for s in segments)
        return Snapshot(
            segments=segments,
            live=live,
            df=df,
            all_df=all_df,
            n_docs=n_docs,
            total_len=total_len,
            norms=norms,
            full=tuple(bool(m.all()) for m in live),
        )


def _sparse_sum(
    rows: list[NDArray[np.int32]], scores: list[NDArray[np.float64]]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The distinct rows and their summed scores (each ``rows[i]`` holds distinct rows)."""
    if len(rows) == 1:
        return rows[0].astype(np.int64), scores[0]
    all_rows = np.concatenate(rows)
    # Concatenated sorted runs: timsort merges them in near-linear time.
    order = np.argsort(all_rows, kind="stable")
    sorted_rows = all_rows[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_rows[1:] != sorted_rows[:-1])))
    summed = np.add.reduceat(np.concatenate(scores)[order], starts)
    return sorted_rows[starts].astype(np.int64), summed


def _union(rows: list[NDArray[np.int32]], size: int) -> NDArray[np.int64]:
    seen = np.zeros(size, dtype=np.bool_)
    for r in rows:
        seen[r] = True
    return np.flatnonzero(seen).astype(np.int64, copy=False)


def _kth_best(dense: NDArray[np.float64], rows: list[NDArray[np.int32]], k: int) -> float:
    """A lower bound on the k-th best score: the k-th best among some distinct passages.

    The passages of the rarest term with at least k of them (likely high scorers), at
    most max(k, 8192) of them; 0 when no term has k passages.
    """
    lists = sorted((r for r in rows if r.size >= k), key=len)
    if not lists:
        return 0.0
    values = dense[lists[0][: max(k, 8192)]]
    return float(np.partition(values, values.size - k)[values.size - k])


def _top(ids: NDArray[np.int64], scores: NDArray[np.float64], k: int) -> list[Scored]:
    if ids.size > k:
        cut = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[cut].min()
        cut = np.flatnonzero(scores >= threshold)
        ids, scores = ids[cut], scores[cut]
    order = np.lexsort((ids, -scores))[:k]
    return [Scored(int(i), float(s)) for i, s in zip(ids[order], scores[order], strict=True)]
