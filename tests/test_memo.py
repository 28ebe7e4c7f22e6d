"""The answer path's memo of analyzed texts: each text is analyzed once, results stay true."""

from __future__ import annotations

from index.answer.memo import Terms


class Counting:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, text: str) -> list[str]:
        self.calls.append(text)
        return text.lower().split()


def test_a_text_is_analyzed_once() -> None:
    analyze = Counting()
    terms = Terms(analyze)
    assert terms("Ferry Sails") == ["ferry", "sails"]
    assert terms("Ferry Sails") == ["ferry", "sails"]
    assert analyze.calls == ["Ferry Sails"]


def test_changing_a_returned_list_does_not_change_the_next_answer() -> None:
    terms = Terms(Counting())
    terms("ferry sails").append("extra")
    assert terms("ferry sails") == ["ferry", "sails"]


def test_a_full_memo_starts_afresh_and_keeps_answering() -> None:
    analyze = Counting()
    terms = Terms(analyze, limit=2)
    for text in ("a", "b", "c", "a"):
        assert terms(text) == [text]
    assert analyze.calls == ["a", "b", "c", "a"]


def test_a_texts_words_are_analyzed_once_each_in_order() -> None:
    analyze = Counting()
    terms = Terms(analyze)
    assert terms.of_words("Ferry, sails!") == (("ferry",), ("sails",))
    assert terms.of_words("Ferry, sails!") == (("ferry",), ("sails",))
    assert analyze.calls == ["Ferry", "sails"]
