"""The focus of a what/which question and the names beside it (``index.answer.focus``)."""

from __future__ import annotations

from index.answer.focus import Focus, facts, focus_term
from index.search.analyze import Analyzer

ANALYZE = Analyzer()


def test_the_focus_is_the_first_meaningful_word_after_which() -> None:
    assert focus_term("Which river feeds the lake?", ANALYZE) == ANALYZE("river")[0]


def test_vague_words_are_skipped_to_find_the_focus() -> None:
    assert focus_term("What kind of boat did they row?", ANALYZE) == ANALYZE("boat")[0]


def test_a_question_without_what_or_which_has_no_focus() -> None:
    assert focus_term("Who rowed the boat?", ANALYZE) is None


def test_a_new_name_beside_the_focus_is_near() -> None:
    focus = Focus.of("Which river feeds Lake Tana?", ANALYZE)
    found, near, names = facts(focus, "The lake is fed by the river Abay and rain.", ANALYZE)
    assert (found, near, names) == (1.0, 0.5, 1.0)


def test_names_the_question_already_has_are_not_new() -> None:
    focus = Focus.of("Which river feeds Lake Tana?", ANALYZE)
    assert facts(focus, "The river feeds Lake Tana.", ANALYZE) == (1.0, 0.0, 0.0)


def test_a_sentence_without_the_focus_word_is_not_near() -> None:
    focus = Focus.of("Which river feeds Lake Tana?", ANALYZE)
    assert facts(focus, "Rain falls on Gondar.", ANALYZE) == (0.0, 0.0, 1.0)
