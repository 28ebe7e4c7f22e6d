"""Which sentences to quote after the best one, under a word budget.

A second sentence is worth its words only when the best one may be wrong and it may be right.
A forest (fitted by ``bench/fit_answerer.py``) gives, for each of the next few candidates,
the log-odds that it holds the answer while the best one does not; the reply adds those whose
chance per word clears a fitted bar, most valuable first. A fixed score margin, which this
replaced, spent the same words on long sentences as on short ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index import features
from index.trees import Forest

POOL = 6  # the best candidate and the five after it
NAMES = (
    "order",
    "behind_best",
    "behind_second",
    "score",
    "best_score",
    "best_margin",
    "words",
    "best_words",
    "same_passage",
    *(f"candidate_{name}" for name in features.NAMES),
)
PASSAGE_RANK = features.NAMES.index("passage_rank")


def rows(
    scores: Sequence[float], words: Sequence[int], feature_rows: Sequence[Sequence[float]]
) -> NDArray[np.float64]:
    """One row per runner-up (ranked 2nd to ``POOL``th), in the order of ``NAMES``; the
    arguments are the ranked candidates' scores, word counts and ``features`` rows, best first.
    """
    n = min(len(scores), POOL)
    out = []
    for k in range(1, n):
        out.append(
            [
                k,
                scores[0] - scores[k],
                scores[1] - scores[k],
                scores[k],
                scores[0],
                scores[0] - scores[1],
                words[k],
                words[0],
                1.0 if feature_rows[k][PASSAGE_RANK] == feature_rows[0][PASSAGE_RANK] else 0.0,
                *feature_rows[k],
            ]
        )
    return np.asarray(out, dtype=np.float64).reshape(-1, len(NAMES))


@dataclass(frozen=True, slots=True)
class Reply:
    """The runner-ups' forest and the chance per word a runner-up must reach to be quoted."""

    forest: Forest
    per_word: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(Forest.from_dict(data["forest"]), float(data["per_word"]))

    def chances(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """For each row of ``rows``, the chance that it holds the answer and the best does not."""
        z = np.clip(self.forest.predict(x), -30.0, 30.0)
        out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return out

    def pick(
        self,
        scores: Sequence[float],
        words: Sequence[int],
        feature_rows: Sequence[Sequence[float]],
        most: int,
    ) -> list[int]:
        """Positions in the ranking to quote: 0 (the best) and up to ``most - 1`` runner-ups."""
        x = rows(scores, words, feature_rows)
        if not len(x) or most < 2:
            return [0]
        return [
            0,
            *choose(self.chances(x).tolist(), words[1 : 1 + len(x)], self.per_word, most - 1),
        ]


def choose(chances: Sequence[float], words: Sequence[int], per_word: float, most: int) -> list[int]:
    """Positions (1 = the first runner-up) of the ``most`` runner-ups of highest chance per
    word among those reaching ``per_word``; ties go to the better ranked."""
    value = {k: c / max(w, 1) for k, (c, w) in enumerate(zip(chances, words, strict=True), 1)}
    kept = sorted((k for k, v in value.items() if v >= per_word), key=lambda k: (-value[k], k))
    return kept[:most]
