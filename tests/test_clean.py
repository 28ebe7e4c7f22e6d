"""Text cleaning: Unicode normalisation and removal of web boilerplate lines."""

from __future__ import annotations

import pytest

from corpus.clean import clean_text, clean_title


def test_straightens_curly_quotes() -> None:
    assert (
        clean_text("\u201cYes,\u201d she said, \u2018fine\u2019.") == "\"Yes,\" she said, 'fine'."
    )


def test_replaces_non_breaking_spaces_and_collapses_runs() -> None:
    assert clean_text("a\u00a0b    c\u202fd\te") == "a b c d e"


def test_normalises_to_nfc() -> None:
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_normalises_line_endings_and_keeps_one_blank_line() -> None:
    assert clean_text("One.\r\n\r\n\r\n\rTwo.\rThree.") == "One.\n\nTwo.\nThree."


def test_keeps_paragraph_structure() -> None:
    assert clean_text("First para.\n\nSecond para.") == "First para.\n\nSecond para."


@pytest.mark.parametrize(
    "line",
    [
        "You can share this story on social media:",
        "Share this article",
        "Share on Facebook",
        "Share on Twitter",
        "Leave a Reply",
        "Leave a comment",
        "12 Comments",
        "#climate #rivers",
        "We use cookies to improve your experience. Accept all",
        "Subscribe to our newsletter",
        "Sign up for our morning briefing",
        "Get the best stories delivered to your inbox with our free newsletter",
        "Advertisement",
        "Read more: Why rivers run dry",
        "Related Articles",
        "Click here for the plans.",
        "Tap here to read the full report",
    ],
)
def test_drops_boilerplate_line(line: str) -> None:
    assert clean_text(f"The river is low.\n{line}\nThe town waits.") == (
        "The river is low.\nThe town waits."
    )


@pytest.mark.parametrize(
    "line",
    [
        '"Subscribe now or lose out," the mayor joked.',
        "The newsletter was first printed in 1950.",
        "Related to the drought, wells are failing.",
        "Comments from residents were mostly angry.",
    ],
)
def test_keeps_article_sentences_that_look_like_prompts(line: str) -> None:
    assert clean_text(line) == line


def test_keeps_an_embedded_post_and_puts_its_attribution_in_its_own_paragraph() -> None:
    text = "The mayor posted:\nThe bridge reopens today!\n— Jane Doe (@jdoe) May 5, 2025\nIt did."
    assert clean_text(text) == (
        "The mayor posted:\nThe bridge reopens today!\n\n— Jane Doe (@jdoe) May 5, 2025\n\nIt did."
    )


def test_empty_text_stays_empty() -> None:
    assert clean_text(" \n\n \u200b ") == ""


def test_drops_bidi_overrides_c1_controls_and_lone_surrogates() -> None:
    assert clean_text("a\u202eb\u2066c\u2069 d\x9be\ud800f") == "abc def"


def test_keeps_right_to_left_letters() -> None:
    assert clean_text("\u05e9\u05dc\u05d5\u05dd world") == "\u05e9\u05dc\u05d5\u05dd world"


def test_composes_an_accent_left_next_to_its_letter_by_a_removed_character() -> None:
    assert clean_text("cafe\u200b\u0301") == "caf\u00e9"


def test_a_next_line_character_is_a_line_break() -> None:
    assert clean_text("One.\x85Two.") == "One.\nTwo."


def test_title_is_one_visible_line_with_its_quotes_kept() -> None:
    title = "\u202e\u201cRiver\u201d\u200b \n report\x00"
    assert clean_title(title) == "\u201cRiver\u201d report"
