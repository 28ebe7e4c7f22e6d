"""Surface words and names as every answer cue sees them (``index.answer.words``)."""

from __future__ import annotations

from index.answer.focus import Focus, facts
from index.answer.qtype import PERSON, PLACE, spans
from index.answer.words import is_name, names, word_spans, words
from index.search.analyze import Analyzer

ANALYZE = Analyzer()


def test_words_are_runs_of_letters_and_digits_in_any_script() -> None:
    assert words("Élodie's café, in Łódź!") == ["Élodie", "s", "café", "in", "Łódź"]


def test_a_number_keeps_its_separators() -> None:
    assert words("It cost 1,200 euros, or 3.5 each.") == [
        "It",
        "cost",
        "1,200",
        "euros",
        "or",
        "3.5",
        "each",
    ]


def test_word_spans_point_back_into_the_text() -> None:
    text = "São Paulo grew."
    assert [text[a:b] for a, b, _ in word_spans(text)] == ["São", "Paulo", "grew"]


def test_names_in_any_script_are_names() -> None:
    assert names("Yesterday Élodie Martin flew from Łódź to São Paulo.") == {
        "Élodie",
        "Martin",
        "Łódź",
        "São",
        "Paulo",
    }


def test_a_lowercase_word_is_not_a_name() -> None:
    assert not is_name("élan")


def test_a_person_span_may_hold_accented_names() -> None:
    found = [s.text for s in spans("The prize went to Élodie Martin last year.", PERSON)]
    assert found == ["Élodie Martin"]


def test_a_place_span_may_start_with_an_accented_capital() -> None:
    found = [s.text for s in spans("The team moved to Łódź in spring.", PLACE)]
    assert found == ["Łódź"]


def test_the_focus_finds_a_new_accented_name_beside_it() -> None:
    focus = Focus.of("Which city hosted the fair?", ANALYZE)
    found, near, new = facts(focus, "The city of Łódź hosted the fair.", ANALYZE)
    assert (found, new) == (1.0, 1.0)
    assert near == 1 / 3  # two words from "city" to "Łódź"
