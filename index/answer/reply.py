"""Which sentences to quote after the best one, under a word budget.

A second sentence is worth its words only when the best one may be wrong and it may be right.
A forest (fitted by ``bench/fit_answerer.py``) gives, for each of the next few candidates,
the log-odds that it holds the answer while the best one does not; the reply adds those whose
chance per word (counting the sentence a runner-up leans on, which comes with it) clears a
fitted bar, most valuable first. A fixed score margin, which this
replaced, spent the same words on long sentences as on short ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.answer import features
from index.answer.trees import Forest
from index.answer.words import names, words

POOL = 6  # the best candidate and the five after it
# How a runner-up relates to the best sentence: the share of its terms the best has too, the
# share of the question's terms it adds, its terms found in neither, its names
# (``index.answer.names``) the best and the question lack; and the best's own new names and
# question coverage.
PAIR = (
    "shares_best",
    "question_not_in_best",
    "new_vs_best",
    "new_names_vs_best",
    "best_new_names",
    "best_question_share",
)
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
    *PAIR,
    *(f"best_{name}" for name in features.NAMES),
)
PASSAGE_RANK = features.NAMES.index("passage_rank")


# What a sentence leaning on one the reply cannot see yet is taken to cost: a typical sentence.
UNSEEN_WORDS = 25


@dataclass(frozen=True, slots=True)
class Ranking:
    """A question's best candidates, best first: their texts, scores and ``features`` rows,
    the words of the sentence each leans on that the reply would have to add with it, and
    which of them only repeat their article's title (a headline line)."""

    question: str
    texts: Sequence[str]
    scores: Sequence[float]
    rows: Sequence[Sequence[float]]
    leans_on: Sequence[int]
    repeats_title: Sequence[bool] = ()

    def words(self) -> list[int]:
        return [len(t.split()) for t in self.texts[:POOL]]

    def costs(self) -> list[int]:
        """The words each candidate adds to a reply, the sentence it leans on included."""
        return [w + c for w, c in zip(self.words(), self.leans_on, strict=False)]


def rows(ranking: Ranking, analyze: Callable[[str], list[str]]) -> NDArray[np.float64]:
    """One row per runner-up (ranked 2nd to ``POOL``th), in the order of ``NAMES``."""
    scores, feature_rows, words = ranking.scores, ranking.rows, ranking.words()
    question = set(analyze(ranking.question))
    asked = names(ranking.question)
    best_terms = set(analyze(ranking.texts[0]))
    best_names = names(ranking.texts[0])
    out = []
    for k in range(1, len(words)):
        terms = set(analyze(ranking.texts[k]))
        pair = [
            len(terms & best_terms) / max(len(terms), 1),
            len((terms & question) - best_terms) / max(len(question), 1),
            len(terms - best_terms - question),
            len(names(ranking.texts[k]) - best_names - asked),
            len(best_names - asked),
            len(best_terms & question) / max(len(question), 1),
        ]
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
                *pair,
                *feature_rows[0],
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

    def pick(self, ranking: Ranking, analyze: Callable[[str], list[str]], most: int) -> list[int]:
        """Positions in the ranking to quote: 0 (the best) and up to ``most - 1`` runner-ups."""
        if len(ranking.texts) < 2 or most < 2:
            return [0]
        x = rows(ranking, analyze)
        costs = ranking.costs()[1:]
        title = ranking.repeats_title
        chances = [  # a runner-up repeating the title adds nothing: the citation shows it
            0.0 if k < len(title) and title[k] else chance
            for k, chance in enumerate(self.chances(x).tolist(), start=1)
        ]
        return [0, *choose(chances, costs, self.per_word, most - 1)]


def repeats_title(sentence: str, title: str | None) -> bool:
    """Whether a sentence says nothing but its article's title, as a headline line does."""
    return bool(title) and words(sentence.lower()) == words((title or "").lower())


def choose(chances: Sequence[float], words: Sequence[int], per_word: float, most: int) -> list[int]:
    """Positions (1 = the first runner-up) of the ``most`` runner-ups of highest chance per
    word among those reaching ``per_word``; ties go to the better ranked."""
    value = {k: c / max(w, 1) for k, (c, w) in enumerate(zip(chances, words, strict=True), 1)}
    kept = sorted((k for k, v in value.items() if v >= per_word), key=lambda k: (-value[k], k))
    return kept[:most]
