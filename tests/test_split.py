"""Sentence splitting: Punkt with our own abbreviations, spans into the text, no NLTK data."""

from __future__ import annotations

import pytest
from limits import time_limit

from corpus import cut, split
from corpus.split import is_attribution, sentences, split_sentences
from corpus.split_cases import CASES


def texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U.S. economy grew. Prices rose.", ["The U.S. economy grew.", "Prices rose."]),
        ("Dr. Reyes spoke. She left.", ["Dr. Reyes spoke.", "She left."]),
        ("It ends on Jan. 12 this year. Good.", ["It ends on Jan. 12 this year.", "Good."]),
        ("J. R. R. Tolkien wrote. He taught.", ["J. R. R. Tolkien wrote.", "He taught."]),
        ('He said, "Stop." Then he left.', ['He said, "Stop."', "Then he left."]),
        ("He paused... then went on.", ["He paused... then went on."]),
        ("It fell 3.5 percent. Wages rose.", ["It fell 3.5 percent.", "Wages rose."]),
        ("Bring fruit, e.g. apples. Go.", ["Bring fruit, e.g. apples.", "Go."]),
        ("She has a Ph.D. in law. Good.", ["She has a Ph.D. in law.", "Good."]),
    ],
)
def test_splits_the_classic_traps(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_gets_almost_all_curated_cases_right() -> None:
    right, total = split.accuracy()
    assert total >= 40
    assert right >= total - 1  # measured 43/44: "in 1999. 2000 was" is joined by the digit rule


def test_joins_a_piece_that_starts_lowercase_or_with_a_digit() -> None:
    assert texts("See Room No. 4 today. ok then.") == ["See Room No. 4 today. ok then."]


def test_never_crosses_a_paragraph_break() -> None:
    assert texts("A heading\n\nBody starts here.") == ["A heading", "Body starts here."]


def test_spans_point_into_the_text_stripped() -> None:
    text = "  First one.   Second one.  \n\n  Third.  "
    for s, e in split_sentences(text):
        assert text[s:e] == text[s:e].strip()
    assert texts(text) == ["First one.", "Second one.", "Third."]


def test_sentences_are_numbered_records() -> None:
    found = sentences("One here. Two here.")
    assert [(s.position, s.text) for s in found] == [(0, "One here."), (1, "Two here.")]
    assert found[1].start == 10


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("  \n\n ") == []


def test_recognises_a_social_post_attribution() -> None:
    assert is_attribution("— Jane Doe (@jdoe) May 5, 2025")
    assert is_attribution("— Jane Doe May 5, 2025")
    assert not is_attribution("Jane Doe said the road is closed.")


def test_uses_no_downloaded_nltk_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import nltk.data

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("nltk.data.load called")

    monkeypatch.setattr(nltk.data, "load", refuse)
    assert texts("It works. Offline too.") == ["It works.", "Offline too."]


def test_cases_are_well_formed() -> None:
    for text, expected in CASES:
        assert all(part in text for part in expected)


def test_accuracy_script_prints_the_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert split.main(["--accuracy"]) == 0
    assert "cases right" in capsys.readouterr().out


# Line breaks without punctuation (corpus.lines) and bounded sentences (corpus.cut).

INTRO = "The market report came out today.\n\n"


def test_each_line_of_a_list_without_punctuation_is_a_sentence() -> None:
    text = INTRO + "Apples 2 kg 3.50\nPears 1 kg 2.10\nPlums 1 kg 4.00"
    assert texts(text)[1:] == ["Apples 2 kg 3.50", "Pears 1 kg 2.10", "Plums 1 kg 4.00"]


def test_a_headline_without_a_full_stop_is_its_own_sentence() -> None:
    text = "River festival opens on Friday\nThe festival opens at noon. It ends on Sunday."
    assert texts(text) == [
        "River festival opens on Friday",
        "The festival opens at noon.",
        "It ends on Sunday.",
    ]


def test_a_long_headline_over_hard_wrapped_text_is_its_own_sentence() -> None:
    text = (
        "Council approves the new bridge over the river after a long debate\n"
        "The council voted on Tuesday to build a new bridge over the river near\n"
        "the old mill, ending a debate that had lasted for more than ten years."
    )
    assert texts(text)[0] == "Council approves the new bridge over the river after a long debate"
    assert len(texts(text)) == 2


def test_hard_wrapped_prose_flows_across_a_line_before_a_capital() -> None:
    text = INTRO + (
        "Members of the council said on Tuesday that the bridge near old\n"
        "Lake Street would open in May, two months later than planned by\n"
        "the city engineers."
    )
    assert len(texts(text)) == 2


def test_a_short_line_before_a_capital_ends_a_sentence() -> None:
    text = INTRO + "Opening hours\nMonday to Friday from nine to five."
    assert texts(text)[1:] == ["Opening hours", "Monday to Friday from nine to five."]


def test_a_line_continues_after_a_comma_a_hyphen_or_a_joining_word() -> None:
    assert len(texts(INTRO + "We visited Paris,\nRome and Berlin.")) == 2
    assert len(texts(INTRO + "They sold the\nOld Mill to a baker.")) == 2
    assert len(texts(INTRO + "It was a well-\nKnown fact.")) == 2


def test_a_line_continues_before_a_lowercase_word() -> None:
    assert texts(INTRO + "The river rose\nslowly all night.")[1:] == [
        "The river rose\nslowly all night."
    ]


def test_a_chemical_subscript_on_the_next_line_does_not_end_a_sentence() -> None:
    text = INTRO + "Water is H\n2O and carbon dioxide is CO\n2 in most books."
    assert texts(text)[1:] == ["Water is H\n2O and carbon dioxide is CO\n2 in most books."]


def test_bullets_start_sentences() -> None:
    text = INTRO + "Bring these things:\n- water\n- bread\n1. a map\n2) a lamp"
    assert texts(text)[1:] == ["Bring these things:", "- water", "- bread", "1. a map", "2) a lamp"]


def test_a_line_ending_in_punctuation_is_left_to_punkt() -> None:
    assert texts(INTRO + "Call Dr.\nReyes today.")[1:] == ["Call Dr.\nReyes today."]


def test_an_over_long_sentence_is_cut_at_a_clause_boundary() -> None:
    first = " ".join(["north"] * 59) + " end;"
    second = " ".join(["south"] * 59) + " stop."
    assert texts(f"{first} {second}") == [first, second]


def test_a_sentence_without_clause_marks_is_cut_at_words_within_the_bound() -> None:
    text = " ".join(f"w{i}" for i in range(500))
    pieces = texts(text)
    assert all(len(piece.split()) <= cut.MAX_WORDS for piece in pieces)
    assert " ".join(pieces) == text


def test_a_giant_word_is_cut_within_the_character_bound() -> None:
    text = "x" * 5000
    pieces = texts(text)
    assert all(len(piece) <= cut.MAX_CHARS for piece in pieces)
    assert "".join(pieces) == text


def test_a_huge_paragraph_splits_like_a_small_one() -> None:
    text = "The river rose. " * 20_000
    assert texts(text) == ["The river rose."] * 20_000


def test_a_long_list_splits_within_a_time_bound() -> None:
    text = "".join(f"Item {i} costs {i % 90}.{i % 7}0\n" for i in range(100_000))
    with time_limit(60):
        found = split_sentences(text)
    assert len(found) == 100_000
