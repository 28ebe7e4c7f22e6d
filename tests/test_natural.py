"""The natural question set: news texts of our own, questions worded as chat users word them.

The last two tests are a floor: answering chat-worded questions must not slip back towards the
lexical ranker's 39 of 68 (``python -m bench.natural`` prints the details; the shipped
answerer gets 49)."""

from __future__ import annotations

from bench.natural import SET, Case, load_cases, run, verdict
from index.answer import AnswerSettings


def test_every_expected_answer_is_in_its_article() -> None:
    for case in load_cases():
        if case.article is not None:
            assert case.answer is not None
            assert case.answer in (SET / f"{case.article}.md").read_text(encoding="utf-8")


def test_the_set_is_large_enough_to_report_on() -> None:
    cases = load_cases()
    assert len(cases) >= 40
    assert sum(c.answer is None for c in cases) >= 10
    assert len(list(SET.glob("*.md"))) >= 5


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


FLOOR = 45


async def test_the_natural_set_stays_above_its_floor() -> None:
    report = await run()
    assert report["right"] >= FLOOR, report


async def test_the_reranker_beats_the_lexical_ranker_on_the_natural_set() -> None:
    with_reranker, lexical = await run(), await run(answer=AnswerSettings(rerank=False))
    assert with_reranker["right"] > lexical["right"]
