"""Names and numbers as cues (``index.answer.names``)."""

from __future__ import annotations

from index.answer.names import found, names
from index.search.analyze import Analyzer

ANALYZE = Analyzer()


def test_names_are_capitalized_or_digit_led_words_after_the_first() -> None:
    assert names("The otters of Monterey Bay ate 1,200 clams.") == {"Monterey", "Bay", "1,200"}


def test_the_first_word_of_a_text_is_not_a_name() -> None:
    assert names("Otters sleep.") == frozenset()


def test_found_tells_where_the_questions_names_occur() -> None:
    texts = ["Otters sleep in kelp.", "In Monterey Bay otters float.", "Kelp grows fast."]
    share = found("Where do otters in Monterey sleep?", texts, ANALYZE)
    assert share["question_names"] == 1.0
    assert share["names_in_best"] == 0.0
    assert share["names_in_five"] == 1.0


def test_a_question_without_names_finds_none() -> None:
    share = found("where do otters sleep?", ["Otters sleep in kelp."], ANALYZE)
    assert share["question_names"] == 0.0
    assert share["names_in_all"] == 0.0
