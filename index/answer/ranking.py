"""A question's candidates in order: the fitted ranker's scores, with the reranker's rescoring
when it is on, and the passages reordered by their best sentence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.answer.candidates import Candidate, Query
from index.answer.features import NAMES
from index.answer.trees import Forest
from index.models import Hit

RESTATING, RESTATING_WORDS = 3.0, 3
READ_ALL = 64  # sentences; about 0.35 s on one core


@dataclass(frozen=True, slots=True)
class Ranked:
    """The candidates of one question, best first, with their scores and the analyzed query."""

    query: Query
    hits: list[Hit]
    candidates: list[Candidate]
    scores: list[float]
    rows: list[list[float]]
    logits: list[float] = field(default_factory=list)


def ranker_scores(ranker: Forest, rows: list[list[float]]) -> list[float]:
    """The fitted ranker's scores, less ``RESTATING`` for a sentence that restates a who, when,
    how-many or where question: no answer of that type and at most ``RESTATING_WORDS`` words
    the question lacks. SQuAD, which the ranker was fitted on, has too few such sentences to
    teach it that they are no answer."""
    if not rows:
        return []
    x = np.asarray(rows, dtype=np.float64)
    new_words = np.expm1(x[:, NAMES.index("new_terms")])
    restating = (x[:, NAMES.index("type_missing")] > 0) & (new_words < RESTATING_WORDS + 0.5)
    scores: list[float] = (ranker.predict(x) - RESTATING * restating).tolist()
    return scores


def reread(candidates: int, indexed: int, top: int, passages: int) -> int:
    """How many of the best lexical candidates the reranker reads: ``top``, or, when the whole
    collection fits in the ``passages`` one question retrieves, every one (up to ``READ_ALL``;
    ``passages`` 0 never reads whole). In a collection that small the lexical order of
    sentences sharing no word with the question is no guide, and reading them all costs
    little."""
    if 0 < indexed <= passages:
        return min(candidates, max(top, READ_ALL))
    return min(candidates, top)


def padded(logits: Sequence[float], n: int) -> list[float]:
    """The reranker's logits of the first candidates; the ``n`` minus those get the lowest, so
    that they stay below every reranked one with a like lexical score."""
    out = [float(x) for x in logits]
    return out + [min(out)] * (n - len(out))


def sort(
    query: Query,
    hits: list[Hit],
    cands: list[Candidate],
    scores: list[float],
    rows: list[list[float]],
    logits: list[float] | None = None,
) -> Ranked:
    """The candidates by best score first, ties by retrieval rank, then reading order."""
    order = sorted(
        range(len(cands)), key=lambda i: (-scores[i], cands[i].rank, cands[i].sentence.position)
    )
    return Ranked(
        query,
        hits,
        [cands[i] for i in order],
        [scores[i] for i in order],
        [rows[i] for i in order],
        [logits[i] for i in order] if logits is not None else [],
    )


def passage_order(ranked: Ranked) -> tuple[int, ...]:
    """The hits' passage ids by the score of their best sentence, then by retrieval rank."""
    best: dict[int, float] = {}
    for c, s in zip(ranked.candidates, ranked.scores, strict=True):
        best.setdefault(c.hit.passage_id, s)
    ranks = {h.passage_id: i for i, h in enumerate(ranked.hits)}
    return tuple(sorted(ranks, key=lambda p: (-best.get(p, -math.inf), ranks[p])))
