"""Which runner-ups the reply quotes besides the best sentence (``index.answer.reply``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from index.answer import reply
from index.answer.features import NAMES
from index.answer.reply import Ranking, Reply, choose
from index.answer.trees import Forest
from index.search.analyze import Analyzer

ANALYZE = Analyzer()


def constant(log_odds: float) -> Reply:
    """A reply whose forest gives every runner-up the same chance, with a bar of 1/100 a word."""
    tree = {"feature": [-1], "threshold": [0.0], "left": [-1], "right": [-1], "value": [log_odds]}
    forest = Forest.from_dict({"names": list(reply.NAMES), "trees": [tree | {"depth": 0}]})
    return Reply(forest, per_word=0.01)


def ranking(
    scores: Sequence[float],
    texts: Sequence[str] | None = None,
    leans_on: Sequence[int] | None = None,
) -> Ranking:
    """Candidates of ten words each unless ``texts`` are given, with blank feature rows, leaning
    on nothing unless ``leans_on`` says so."""
    texts = texts or ["one two three four five six seven eight nine ten"] * len(scores)
    blank = [[0.0] * len(NAMES)] * len(scores)
    return Ranking("Where do otters sleep?", texts, scores, blank, leans_on or [0] * len(scores))


def test_a_runner_up_below_the_bar_is_not_quoted() -> None:
    assert choose([0.2, 0.05], [10, 10], per_word=0.01, most=2) == [1]


def test_the_shorter_of_two_equally_likely_runner_ups_comes_first() -> None:
    assert choose([0.3, 0.3], [40, 12], per_word=0.001, most=1) == [2]


def test_ties_go_to_the_better_ranked_runner_up() -> None:
    assert choose([0.3, 0.3, 0.3], [20, 20, 20], per_word=0.001, most=2) == [1, 2]


def test_rows_describe_each_runner_up_against_the_best() -> None:
    rows = reply.rows(ranking([3.0, 2.5, 1.0]), ANALYZE)
    assert rows.shape == (2, len(reply.NAMES))
    behind = reply.NAMES.index("behind_best")
    assert rows[:, behind].tolist() == [0.5, 2.0]


def test_rows_tell_what_a_runner_up_adds_to_the_best() -> None:
    texts = [
        "Otters live near the coast of Norway.",
        "Otters sleep in dens near the coast of Norway.",
        "At night they sleep on kelp beds off Alaska.",
    ]
    rows = reply.rows(ranking([3.0, 2.0, 1.0], texts), ANALYZE)
    shares = rows[:, reply.NAMES.index("shares_best")]
    new_names = rows[:, reply.NAMES.index("new_names_vs_best")]
    adds = rows[:, reply.NAMES.index("question_not_in_best")]
    assert shares[0] > shares[1]
    assert new_names.tolist() == [0.0, 1.0]
    assert adds.tolist()[0] > 0


def test_the_reply_always_starts_with_the_best_sentence() -> None:
    assert constant(-10.0).pick(ranking([3.0, 2.0]), ANALYZE, most=3) == [0]


def test_the_reply_quotes_at_most_the_allowed_number_of_sentences() -> None:
    picked = constant(2.0).pick(ranking([5.0, 4.0, 3.0, 2.0, 1.0, 0.0]), ANALYZE, most=3)
    assert picked == [0, 1, 2]


def test_a_single_candidate_is_the_whole_reply() -> None:
    assert constant(2.0).pick(ranking([1.0]), ANALYZE, most=3) == [0]


def test_a_runner_up_pays_for_the_sentence_it_leans_on() -> None:
    leaning = ranking([3.0, 2.0, 1.0], leans_on=[0, 30, 0])
    assert leaning.costs() == [10, 40, 10]
    assert constant(0.0).pick(leaning, ANALYZE, most=2) == [0, 2]


def test_a_runner_up_that_only_repeats_the_title_is_not_quoted() -> None:
    texts = ["The ferry seats 140 people.", "New ferry for the island", "Tickets cost four euros."]
    headline = replace(ranking([3.0, 2.0, 1.0], texts), repeats_title=[False, True, False])
    assert constant(2.0).pick(headline, ANALYZE, most=3) == [0, 2]


def test_a_headline_repeats_its_title_whatever_the_case_and_punctuation() -> None:
    assert reply.repeats_title("New ferry for the island", "New Ferry for the Island.")
    assert not reply.repeats_title("The new ferry for the island seats 140.", "New ferry")
    assert not reply.repeats_title("New ferry for the island", None)
