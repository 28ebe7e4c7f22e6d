"""BM25 scoring with rank-bm25's exact semantics, vectorized over posting lists.

Variants: ``okapi`` (rank-bm25's BM25Okapi, with its epsilon floor for common terms),
``plus`` (BM25Plus), ``l`` (BM25L) and ``lucene`` (Okapi's term weight with Lucene's
idf, which stays positive). A term absent from the corpus scores nothing, as in
rank-bm25, and a repeated query term counts each time. Plus gives every passage a
constant share for each query term found in the corpus; it is kept apart (``constant``)
so that only matching passages are touched. rank-bm25's BM25L multiplies its term weight
by the term frequency, so a passage without the term gets nothing: kept as is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

VARIANTS = ("okapi", "plus", "l", "lucene")
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BM25Params:
    """The scoring function; defaults follow rank-bm25 for each variant."""

    variant: str = "plus"
    k1: float = 1.5
    b: float = 0.75
    delta: float | None = None
    epsilon: float = 0.25

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown BM25 variant {self.variant!r}: one of {VARIANTS}")

    @property
    def d(self) -> float:
        """delta, with rank-bm25's default per variant (BM25L 0.5, BM25Plus 1)."""
        if self.delta is not None:
            return self.delta
        return 0.5 if self.variant == "l" else 1.0


def idf(params: BM25Params, df: FloatArray, n_docs: int, all_df: FloatArray) -> FloatArray:
    """idf of terms with document frequencies ``df``; ``all_df`` holds every corpus term's df.

    Only Okapi needs ``all_df``: its floor is epsilon times the mean idf of all terms.
    """
    n = float(n_docs)
    if params.variant == "okapi":
        raw = _okapi_idf(df, n)
        negative = raw < 0
        if negative.any():
            floor = params.epsilon * float(_okapi_idf(all_df, n).mean()) if all_df.size else 0.0
            raw = np.where(negative, floor, raw)
        return raw
    if params.variant == "plus":
        return np.log((n + 1) / df)
    if params.variant == "l":
        return math.log(n + 1) - np.log(df + 0.5)
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _okapi_idf(df: FloatArray, n: float) -> FloatArray:
    return np.log(n - df + 0.5) - np.log(df + 0.5)


def length_norm(params: BM25Params, doc_len: FloatArray, avgdl: float) -> FloatArray:
    """Per passage, ``1 - b + b * len / avgdl``: computed once per corpus state."""
    b = params.b
    return 1 - b + b * doc_len / avgdl


def scores_in_place(
    params: BM25Params, term_idf: float, tf: FloatArray, norm: FloatArray
) -> FloatArray:
    """One query term's score where it occurs (``tf`` > 0), constant share excluded.

    ``norm`` is the passages' :func:`length_norm`; ``tf`` and ``norm`` must be fresh arrays,
    overwritten for speed. As rank-bm25: Okapi/Lucene ``idf * tf (k1+1) / (tf + k1 norm)``;
    Plus the same plus ``idf * d`` (:func:`constant`); L ``idf * tf (k1+1)(c+d) / (k1+c+d)``
    with ``c = tf / norm``.
    """
    k1 = params.k1
    if params.variant == "l":
        ctd = np.divide(tf, norm, out=norm)
        ctd += params.d
        den = ctd + k1
        tf *= term_idf * (k1 + 1)
        tf *= ctd
        tf /= den
        return tf
    # Okapi, Lucene and Plus (whose idf * d share is constant()) share one term weight.
    norm *= k1
    norm += tf
    tf *= term_idf * (k1 + 1)
    tf /= norm
    return tf


def constant(params: BM25Params, term_idf: float) -> float:
    """The share of one query term that every passage gets, matching it or not."""
    if params.variant == "plus":
        return term_idf * params.d
    return 0.0
