"""Which runner-ups the reply quotes besides the best sentence (``index.reply``)."""

from __future__ import annotations

from index import reply
from index.features import NAMES
from index.reply import Reply, choose
from index.trees import Forest


def constant(log_odds: float) -> Reply:
    """A reply whose forest gives every runner-up the same chance, with a bar of 1/100 a word."""
    tree = {"feature": [-1], "threshold": [0.0], "left": [-1], "right": [-1], "value": [log_odds]}
    forest = Forest.from_dict({"names": list(reply.NAMES), "trees": [tree | {"depth": 0}]})
    return Reply(forest, per_word=0.01)


def test_a_runner_up_below_the_bar_is_not_quoted() -> None:
    assert choose([0.2, 0.05], [10, 10], per_word=0.01, most=2) == [1]


def test_the_shorter_of_two_equally_likely_runner_ups_comes_first() -> None:
    assert choose([0.3, 0.3], [40, 12], per_word=0.001, most=1) == [2]


def test_ties_go_to_the_better_ranked_runner_up() -> None:
    assert choose([0.3, 0.3, 0.3], [20, 20, 20], per_word=0.001, most=2) == [1, 2]


def test_rows_describe_each_runner_up_against_the_best() -> None:
    rows = reply.rows([3.0, 2.5, 1.0], [20, 10, 30], [[0.0] * len(NAMES)] * 3)
    assert rows.shape == (2, len(reply.NAMES))
    behind = reply.NAMES.index("behind_best")
    assert rows[:, behind].tolist() == [0.5, 2.0]


def test_the_reply_always_starts_with_the_best_sentence() -> None:
    picked = constant(-10.0).pick([3.0, 2.0], [10, 10], [[0.0] * len(NAMES)] * 2, most=3)
    assert picked == [0]


def test_the_reply_quotes_at_most_the_allowed_number_of_sentences() -> None:
    rows = [[0.0] * len(NAMES)] * 6
    picked = constant(2.0).pick([5.0, 4.0, 3.0, 2.0, 1.0, 0.0], [10] * 6, rows, most=3)
    assert picked == [0, 1, 2]


def test_a_single_candidate_is_the_whole_reply() -> None:
    assert constant(2.0).pick([1.0], [10], [[0.0] * len(NAMES)], most=3) == [0]
