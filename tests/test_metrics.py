"""SQuAD normalization and the scores built on it."""

from __future__ import annotations

import pytest

from bot.evaluation.metrics import contains, exact_match, f1, normalize, percentile


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Eiffel Tower!", "eiffel tower"),
        ("  a  cat, an   owl ", "cat owl"),
        ("Theatre", "theatre"),
        ("U.S.", "us"),
    ],
)
def test_normalize_drops_case_punctuation_and_articles(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_contains_uses_normalized_substrings() -> None:
    assert contains("It opened in the year 1927.", ["1927"])
    assert contains("Built by THE Smith brothers.", ["smith brothers"])
    assert not contains("It opened in 1928.", ["1927"])
    assert not contains("anything", ["the"])  # an answer that normalizes to nothing


def test_exact_match_and_f1() -> None:
    assert exact_match("The Beatles", ["beatles", "Fab Four"]) == 1.0
    assert exact_match("Beatles band", ["beatles"]) == 0.0
    assert f1("Beatles band", ["beatles"]) == pytest.approx(2 / 3)
    assert f1("", ["beatles"]) == 0.0


def test_percentile_interpolates() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
