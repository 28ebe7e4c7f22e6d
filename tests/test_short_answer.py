"""The short answer in bold: a span of the asked type that the question does not hold."""

from __future__ import annotations

import pytest

from index.answer import qtype
from index.answer.span import short_answer
from index.search.analyze import Analyzer

ANALYZE = Analyzer()


def _short(sentence: str, question: str) -> str | None:
    terms = frozenset(ANALYZE(question))
    span = short_answer(sentence, qtype.question_type(question), terms, ANALYZE, question)
    return span.text if span else None


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how long will the bridge be shut?", qtype.DURATION),
        ("how many staff work there?", qtype.COUNT),
        ("how much did the renovation cost?", qtype.MONEY),
        ("what is the price of a ticket?", qtype.MONEY),
        ("how old is she?", ""),
        ("how long ago did it happen?", ""),
    ],
)
def test_a_number_question_says_which_number_it_wants(question: str, kind: str) -> None:
    assert qtype.number_kind(question) == kind


def test_a_duration_comes_with_its_unit_of_time() -> None:
    sentence = "The crossing will take 25 minutes, ten fewer than before."
    assert _short(sentence, "how long is the trip?") == "25 minutes"


def test_a_duration_is_never_a_day_of_the_month() -> None:
    sentence = "The bridge will be shut from June 2 to the end of August."
    assert _short(sentence, "how long will the bridge be shut?") is None


def test_a_count_is_never_a_sum_of_money() -> None:
    sentence = "The renovation cost 4.2 million euros."
    assert _short(sentence, "how many staff work at the library?") is None


def test_a_count_is_never_a_year() -> None:
    sentence = "She founded the club in 2019 with 40 members."
    assert _short(sentence, "how many members did the club have?") == "40"


def test_a_sum_of_money_comes_with_its_currency() -> None:
    sentence = "The repairs will cost 1.8 million euros, paid by the roads fund."
    assert _short(sentence, "how much will the repairs cost?") == "1.8 million euros"


def test_a_name_is_never_the_lone_first_word_of_the_sentence() -> None:
    assert _short("Only members can borrow the laptops.", "who can borrow laptops?") is None


def test_a_full_name_wins_over_a_single_capitalized_word() -> None:
    sentence = "The Riverside market is run by Lena Hoffmann, a grower."
    assert _short(sentence, "who runs the market?") == "Lena Hoffmann"
