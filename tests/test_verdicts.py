"""The three verdicts of an answer: sure, closest, none; and what each reply may show.

The two short stories are our own, asked as a new user would ask them.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from bot.render import ASK_SOMETHING, NO_ARTICLES, NOT_FOUND, NOT_SURE, render_html, render_text
from index.answer import AnswerSettings
from index.models import CLOSEST, NONE, SURE

BRIDGE = """Old Mill bridge to close for repairs this summer

The Old Mill bridge will be shut to all traffic from June 2 to the end of August while its \
deck is rebuilt. The repairs will cost 1.8 million euros, paid by the regional roads fund. \
Buses will take a diversion over the ring road, adding about ten minutes to the trip.
"""

LIBRARY = """City library reopens after a year of work

The city library on Market Square reopened on Monday after a renovation that cost 4.2 million \
euros. The library now employs 35 staff, five more than before, and opens until 8 pm on \
weekdays. The weekly farmers' market beside the library is run by Lena Hoffmann, who started \
it in 2019. Riverside growers sell vegetables there every Saturday.
"""


async def _engine(folder: Path, answer: AnswerSettings | None = None) -> Engine:
    engine = await Engine.open(folder / "qa.db", EngineSettings(answer=answer or AnswerSettings()))
    for text in (BRIDGE, LIBRARY):
        await engine.add_text(text, "test")
    return engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with await _engine(tmp_path) as engine:
        yield engine


@pytest.fixture
async def never_sure(tmp_path: Path) -> AsyncIterator[Engine]:
    """An answerer that is never sure and offers the closest sentences whenever they bear."""
    async with await _engine(tmp_path, AnswerSettings(threshold=1.0, closest=0.0)) as engine:
        yield engine


async def test_a_plain_question_gets_a_sure_answer_with_its_short_answer(engine: Engine) -> None:
    answer = await engine.ask("who runs the market?")
    assert answer.verdict == SURE and answer.answered
    assert answer.short_answer == "Lena Hoffmann"
    assert "Lena Hoffmann" in render_text(answer)


async def test_a_question_the_articles_know_nothing_of_gets_none(engine: Engine) -> None:
    answer = await engine.ask("what is the capital of peru?")
    assert answer.verdict == NONE and not answer.answered
    assert answer.quotes == ()
    assert render_text(answer).startswith(NOT_FOUND)


async def test_closest_quotes_one_or_two_sentences_and_says_it_is_not_sure(
    never_sure: Engine,
) -> None:
    answer = await never_sure.ask("how many staff work at the library?")
    assert answer.verdict == CLOSEST and not answer.answered
    assert 1 <= len(answer.quotes) <= 2
    assert any("35 staff" in q.text for q in answer.quotes)
    assert render_text(answer).startswith(NOT_SURE)
    assert html.escape(NOT_SURE) in render_html(answer)


async def test_closest_shows_no_short_answer(never_sure: Engine) -> None:
    answer = await never_sure.ask("how many staff work at the library?")
    assert answer.short_answer is None
    assert all(q.highlight is None for q in answer.quotes)


async def test_a_quote_never_comes_from_an_article_the_question_is_not_about(
    engine: Engine,
) -> None:
    answer = await engine.ask("how much did the library renovation cost?")
    library = {s.article_id for s in answer.sources if s.title.startswith("City library")}
    assert answer.quotes and {q.article_id for q in answer.quotes} <= library


async def test_a_headline_line_is_not_quoted_as_context(engine: Engine) -> None:
    answer = await engine.ask("how much did the library renovation cost?")
    assert all(q.text != "City library reopens after a year of work" for q in answer.quotes)


async def test_a_count_is_not_answered_with_a_sum_of_money(engine: Engine) -> None:
    answer = await engine.ask("how many staff work at the library?")
    assert answer.short_answer == "35"


async def test_a_duration_is_not_answered_with_a_day_of_the_month(engine: Engine) -> None:
    answer = await engine.ask("how long will the bridge be shut?")
    assert answer.short_answer != "2"


async def test_an_empty_collection_says_there_are_no_articles_yet(tmp_path: Path) -> None:
    async with await Engine.open(tmp_path / "empty.db") as engine:
        answer = await engine.ask("who runs the market?")
    assert answer.verdict == NONE and answer.indexed == 0
    assert render_text(answer, add_hint="Add some.") == f"{NO_ARTICLES} Add some."
    assert render_html(answer).startswith(NO_ARTICLES)


async def test_an_empty_question_gets_a_prompt(engine: Engine) -> None:
    answer = await engine.ask("   ")
    assert answer.verdict == NONE
    assert render_text(answer) == ASK_SOMETHING
    assert render_html(answer) == ASK_SOMETHING
