"""The answerer with the shipped reranker: it loads at start, reads meaning, and declines.

The articles and questions are our own; the questions use other words than the text, as a
chat user would. They run the real model shipped in ``index/answer/model``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from index.answer import AnswerSettings
from index.answer.answerer import MODEL
from index.answer.reranker import MODEL_FILE, Reranker, RerankerCorrupt, RerankerMissing
from index.models import NONE, Answer

BAKERY = """Riverside bakery chain opens tenth shop

The Riverside bakery chain opened its tenth shop on Friday, next to the old town hall.
Its chief executive, Ana Ruiz, said the chain would hire forty more bakers this year.
The new shop sells rye bread baked with flour from a mill in the valley.
Queues reached the end of the street before the doors opened at seven.
"""

GARDEN = """Library roof becomes a garden

Volunteers planted herbs and tomatoes on the flat roof of the city library last week.
The garden was paid for by a grant of 12,000 euros from the regional council.
Children from two nearby schools will look after the beds during term time.
"""


async def _engine(tmp_path: Path, *texts: str, answer: AnswerSettings | None = None) -> Engine:
    settings = EngineSettings(answer=answer or AnswerSettings())
    engine = await Engine.open(tmp_path / "qa.db", settings)
    for text in texts:
        await engine.add_text(text, "test")
    return engine


def _best(answer: Answer) -> str:
    """The quote the answerer ranked first (quotes are shown in reading order)."""
    return max(answer.quotes, key=lambda q: q.score).text


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder)
    return folder


async def test_a_corrupt_model_is_refused_when_the_engine_opens(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    data = (folder / MODEL_FILE).read_bytes()
    (folder / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(RerankerCorrupt, match=MODEL_FILE):
        await Engine.open(tmp_path / "qa.db", EngineSettings(answer=AnswerSettings(model=folder)))


async def test_a_missing_model_is_refused_when_the_engine_opens(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    (folder / MODEL_FILE).unlink()
    with pytest.raises(RerankerMissing, match="not found"):
        await Engine.open(tmp_path / "qa.db", EngineSettings(answer=AnswerSettings(model=folder)))


async def test_the_lexical_mode_needs_no_model(tmp_path: Path) -> None:
    settings = AnswerSettings(rerank=False, model=tmp_path / "nowhere")
    engine = await _engine(tmp_path, BAKERY, answer=settings)
    async with engine:
        answer = await engine.ask("When did the tenth shop open?")
    assert answer.verdict != NONE
    assert "Friday" in _best(answer)


def test_the_shipped_model_prefers_the_sentence_that_answers() -> None:
    reranker = Reranker.load(MODEL)
    sentences = [line for line in BAKERY.splitlines()[2:] if line]
    logits = reranker.scores("Who is the boss of the bakery chain?", sentences)
    assert int(logits.argmax()) == 1  # "Its chief executive, Ana Ruiz, said ..."


def test_the_shipped_model_scores_an_unrelated_sentence_low() -> None:
    reranker = Reranker.load(MODEL)
    logits = reranker.scores(
        "How much did the roof garden cost?",
        [GARDEN.splitlines()[3], BAKERY.splitlines()[5]],
    )
    assert logits[0] > logits[1]


async def test_a_paraphrased_question_is_quoted_from_the_right_sentence(tmp_path: Path) -> None:
    async with await _engine(tmp_path, BAKERY, GARDEN) as engine:
        answer = await engine.ask("who is the boss at Riverside?")
    assert answer.verdict != NONE
    assert "Ana Ruiz" in _best(answer)


async def test_a_question_no_article_answers_is_declined(tmp_path: Path) -> None:
    async with await _engine(tmp_path, BAKERY, GARDEN) as engine:
        answer = await engine.ask("what is the price of a loaf of rye bread?")
    assert not answer.answered
    assert answer.sources


async def test_a_question_about_something_else_entirely_is_declined(tmp_path: Path) -> None:
    async with await _engine(tmp_path, BAKERY) as engine:
        answer = await engine.ask("who won the football match on Sunday?")
    assert not answer.answered


async def test_adding_and_listing_need_no_model(tmp_path: Path) -> None:
    folder = _broken_copy(tmp_path)
    (folder / MODEL_FILE).unlink()
    settings = EngineSettings(answer=AnswerSettings(model=folder))
    async with await Engine.open(tmp_path / "qa.db", settings, answers=False) as engine:
        outcome = await engine.add_text(BAKERY, "test")
        assert outcome.article is not None
        assert len(await engine.list_articles()) == 1


FERRY = """Island ferry returns after repairs

The island ferry sailed again on Tuesday after six weeks in dry dock.
Engineers replaced both propellers and repainted the hull.
The crossing takes forty minutes and runs four times a day.
Tickets cost the same as last year.
"""


async def test_a_question_sharing_no_word_with_its_answer_is_found(tmp_path: Path) -> None:
    async with await _engine(tmp_path, FERRY) as engine:
        answer = await engine.ask("how long is the trip over to the mainland?")
    assert answer.verdict != NONE
    assert any("forty minutes" in quote.text for quote in answer.quotes)


async def test_without_reading_whole_no_shared_word_means_no_answer(tmp_path: Path) -> None:
    settings = AnswerSettings(read_whole=False)
    async with await _engine(tmp_path, FERRY, answer=settings) as engine:
        answer = await engine.ask("how long is the trip over to the mainland?")
    assert not answer.answered
