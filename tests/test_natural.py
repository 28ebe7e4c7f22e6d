"""The natural question sets: news texts of our own, questions worded as chat users word them.

The last tests are floors on the first set (a development set: the verdicts' closest rule
was chosen with it in view): sure answers must stay rarely wrong (the issue's aim: at most a
tenth of the questions), and the share of answerable questions whose reply, sure or closest,
quotes the answer first must not slip back (``python -m bench.natural`` prints the details;
the shipped answerer helps 36 of 51 and is falsely sure once in 68). The second set
(``tests/fixtures/natural2``) is only checked for its form here: it is reported on, untuned."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.natural import SET, Case, load_cases, run, verdict
from index.answer import AnswerSettings

SECOND = SET.with_name("natural2")


@pytest.mark.parametrize("folder", [SET, SECOND], ids=["first", "second"])
def test_every_expected_answer_is_in_its_article(folder: Path) -> None:
    for case in load_cases(folder):
        if case.article is not None:
            assert case.answer is not None
            text = (folder / f"{case.article}.md").read_text(encoding="utf-8")
            assert case.answer.lower() in text.lower()


@pytest.mark.parametrize("folder", [SET, SECOND], ids=["first", "second"])
def test_the_set_is_large_enough_to_report_on(folder: Path) -> None:
    cases = load_cases(folder)
    assert len(cases) >= 40
    assert sum(c.answer is None for c in cases) >= len(cases) / 4
    assert len(list(folder.glob("*.md"))) >= 5


def test_declining_an_unanswerable_question_is_right() -> None:
    assert verdict(Case("who won?", None, None), answered=False, quoted=[]) == "right"


def test_answering_an_unanswerable_question_is_a_false_answer() -> None:
    case = Case("who won?", None, None)
    assert verdict(case, answered=True, quoted=["Rain fell."]) == "false_answer"


def test_a_quote_without_the_answer_is_wrong() -> None:
    case = Case("how long?", "a", "25 minutes")
    assert verdict(case, answered=True, quoted=["It is fast."]) == "wrong"


async def test_the_report_counts_every_question_once() -> None:
    report = await run()
    verdicts = ("right", "wrong", "missed", "false_answer")
    assert sum(report[v] for v in verdicts) == report["questions"] == len(load_cases())


HELPED_FLOOR = 33


async def test_sure_answers_are_rarely_wrong_on_the_natural_set() -> None:
    report = await run()
    assert report["false_sure"] <= report["questions"] / 10, report


async def test_the_natural_set_stays_above_its_floor() -> None:
    report = await run()
    assert report["helped"] >= HELPED_FLOOR, report


async def test_the_reranker_beats_the_lexical_ranker_on_the_natural_set() -> None:
    with_reranker, lexical = await run(), await run(answer=AnswerSettings(rerank=False))
    assert with_reranker["helped"] > lexical["helped"]
