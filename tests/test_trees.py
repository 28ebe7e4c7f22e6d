"""The tree forest that scores candidate sentences, and the fitted parameters shipped with it."""

import numpy as np

from index.answer import reply
from index.answer.features import NAMES
from index.answer.fitted import fitted
from index.answer.trees import Forest

# Tree 1 splits on "a" at 0.5, its right child on "b" at 2; tree 2 is a single leaf.
FOREST = {
    "names": ["a", "b"],
    "trees": [
        {
            "feature": [0, -1, 1, -1, -1],
            "threshold": [0.5, 0, 2.0, 0, 0],
            "left": [1, -1, 3, -1, -1],
            "right": [2, -1, 4, -1, -1],
            "value": [0, 1.0, 0, 10.0, 100.0],
            "depth": 2,
        },
        {
            "feature": [-1],
            "threshold": [0],
            "left": [-1],
            "right": [-1],
            "value": [0.5],
            "depth": 0,
        },
    ],
}


def test_a_row_scores_the_sum_of_the_leaves_it_reaches() -> None:
    forest = Forest.from_dict(FOREST)
    rows = np.array([[0.0, 9.0], [1.0, 1.0], [1.0, 3.0]])
    assert forest.predict(rows).tolist() == [1.5, 10.5, 100.5]


def test_a_value_equal_to_the_threshold_goes_left() -> None:
    forest = Forest.from_dict(FOREST)
    assert forest.predict(np.array([[0.5, 2.0]])).tolist() == [1.5]


def test_no_rows_give_no_scores() -> None:
    assert Forest.from_dict(FOREST).predict(np.zeros((0, 2))).shape == (0,)


def test_the_shipped_ranker_reads_the_features_the_answerer_computes() -> None:
    assert fitted().ranker.names == NAMES


def test_the_shipped_confidence_is_a_probability_threshold() -> None:
    params = fitted()
    assert 0 < params.lexical.confidence.threshold < 1
    assert 0 < params.lexical.reply.per_word < 1


def test_the_shipped_reply_reads_the_rows_the_answerer_computes() -> None:
    assert fitted().lexical.reply.forest.names == reply.NAMES


def test_the_shipped_ranker_prefers_a_sentence_holding_the_question() -> None:
    names = {"coverage", "coverage_context", "coverage_relative", "sentence_bm25", "passage_score"}
    holding = np.array([[1.0 if n in names else 0.0 for n in NAMES]])
    lacking = np.zeros((1, len(NAMES)))
    ranker = fitted().ranker
    assert ranker.predict(holding)[0] > ranker.predict(lacking)[0]
