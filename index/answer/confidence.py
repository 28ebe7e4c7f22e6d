"""How sure the answerer is that its reply holds the answer: evidence and a fitted forest."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.answer.features import NAMES
from index.answer.trees import Forest

# The best candidate's features that the confidence weighs, besides its score.
BEST_FEATURES = (
    "coverage",
    "coverage_context",
    "coverage_title",
    "coverage_previous",
    "coverage_relative",
    "article_score",
    "surface_bigrams",
    "sentence_bm25",
)


@dataclass(frozen=True, slots=True)
class Confidence:
    """Trees over ``evidence`` whose summed leaves are the log-odds that the reply holds the
    answer; the probability from which a reply is sure (``threshold``), and the lower one
    from which it offers the closest sentences (``closest``), below which it finds nothing."""

    forest: Forest
    threshold: float
    closest: float

    def __call__(self, facts: dict[str, float]) -> float:
        row = np.array([[facts[name] for name in self.forest.names]])
        z = float(self.forest.predict(row)[0])
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def evidence(
    scores: Sequence[float],
    rows: Sequence[Sequence[float]],
    missing_idf: float,
    passages: Sequence[float],
    found: dict[str, float],
    logits: Sequence[float] | None = None,
    indexed: int = 0,
) -> dict[str, float]:
    """What the confidence weighs: how far the best candidate stands out (score, margin, its
    share of the softmax), its features, how much of the question the corpus and the top
    passage hold, how far the top passage stands out from the next ones, where the question's
    names are found (``index.answer.names.found``), how many passages the index holds
    (evidence reads differently in one article and in twenty thousand passages), and with the
    reranker on, its logits: the best candidate's, the highest, and the runner-up's. ``scores``
    and ``rows`` are best first; ``passages`` are the retrieved passages' BM25 scores, best
    first, over the question's total idf."""
    s = np.asarray(scores, dtype=np.float64)
    share = np.exp(s - s[0])
    share /= share.sum()
    coverage = NAMES.index("coverage")
    top = passages[0] or 1.0
    facts = {
        "best_score": float(s[0]),
        "margin": float(s[0] - s[1]) if len(s) > 1 else 1.0,
        "share": float(share[0]),
        "share_of_three": float(share[:3].sum()),
        "mean_of_five": float(s[:5].mean()),
        "coverage_of_five": max(r[coverage] for r in rows[:5]),
        "candidates": math.log(len(s)),
        "missing_idf": missing_idf,
        "top_passage": passages[0],
        "second_passage": passages[min(1, len(passages) - 1)] / top,
        "fifth_passage": passages[min(4, len(passages) - 1)] / top,
    }
    facts |= {name: rows[0][NAMES.index(name)] for name in BEST_FEATURES}
    facts |= found
    facts["indexed"] = math.log1p(indexed)
    if logits is not None:
        facts["logit"] = logits[0]
        facts["max_logit"] = max(logits)
        facts["next_logit"] = max(logits[1:], default=logits[0])
    return facts
