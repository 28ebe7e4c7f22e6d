"""Question types in other languages (issue 27): each language's own question words say what
kind of fact is asked for, and its texts' dates and numbers answer it."""

from __future__ import annotations

import pytest

from index.answer import qtype
from index.answer.span import short_answer


def plain_words(text: str) -> list[str]:
    return text.lower().split()


@pytest.mark.parametrize(
    ("question", "language", "kind"),
    [
        ("Wann wurde die Brücke gebaut?", "de", qtype.DATE),
        ("In welchem Jahr endete der Krieg?", "de", qtype.DATE),
        ("Wie viele Einwohner hat die Stadt?", "de", qtype.NUMBER),
        ("Wer leitet den Markt?", "de", qtype.PERSON),
        ("Welcher Forscher fand das Element?", "de", qtype.PERSON),
        ("Wo liegt das Museum?", "de", qtype.PLACE),
        ("Когда открылся музей?", "ru", qtype.DATE),
        ("Сколько человек живёт в городе?", "ru", qtype.NUMBER),
        ("Кто руководит рынком?", "ru", qtype.PERSON),
        ("Где находится мост?", "ru", qtype.PLACE),
        ("متى افتتح المتحف؟", "ar", qtype.DATE),
        ("كم عدد السكان؟", "ar", qtype.NUMBER),
        ("这座桥是什么时候建成的？", "zh", qtype.DATE),
        ("城市有多少人口？", "zh", qtype.NUMBER),
    ],
)
def test_a_questions_own_words_say_what_it_asks_for(
    question: str, language: str, kind: str
) -> None:
    assert qtype.question_type(question, language) == kind


@pytest.mark.parametrize(
    ("question", "language"), [("من يدير السوق؟", "ar"), ("谁管理这个市场？", "zh")]
)
def test_a_language_without_capitals_asks_for_no_names(question: str, language: str) -> None:
    assert qtype.question_type(question, language) == qtype.OTHER


def test_an_english_question_word_means_nothing_in_another_language() -> None:
    assert qtype.question_type("When was it built?", "en") == qtype.DATE
    assert qtype.question_type("When was it built?", "de") == qtype.OTHER


def test_a_chinese_year_written_without_a_space_is_a_date() -> None:
    found = qtype.spans("这座桥于1999年建成。", qtype.DATE, "zh")
    assert [s.text for s in found] == ["1999年"]


def test_a_german_month_and_century_are_dates() -> None:
    text = "Das Museum öffnete im März 1901, im 20. Jahrhundert."
    assert [s.text for s in qtype.spans(text, qtype.DATE, "de")] == [
        "März",
        "1901",
        "20. Jahrhundert",
    ]


def test_a_russian_place_follows_its_preposition() -> None:
    text = "Музей открылся в мае 1901 года в Москве, его основал Иван Петров."
    assert [s.text for s in qtype.spans(text, qtype.PLACE, "ru")] == ["Москве"]


def test_a_count_is_never_the_year_beside_it() -> None:
    text = "Seit 2019 arbeiten 300 Menschen an der Brücke."
    span = short_answer(
        text, qtype.NUMBER, frozenset(), plain_words, "Wie viele Menschen arbeiten dort?", "de"
    )
    assert span is not None and span.text == "300"


def test_no_short_sum_or_duration_is_offered_in_a_language_whose_units_are_unknown() -> None:
    text = "Die Sperrung dauert 3 Monate und kostet 4 Millionen Euro."
    assert (
        short_answer(text, qtype.NUMBER, frozenset(), plain_words, "Wie lange dauert es?", "de")
        is None
    )
