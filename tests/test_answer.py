"""The answerer on a small corpus of our own: answer types, restating, context, abstaining."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine
from index.answer import Answerer
from index.answer.qtype import DATE, NUMBER, OTHER, PERSON, PLACE, question_type, spans
from index.answer.span import short_answer
from index.models import Answer
from index.search import Analyzer
from tests.conftest import engine_with

ARTICLES = [
    {
        "id": "bridge",
        "title": "Harbor Bridge",
        "url": "https://example.org/bridge",
        "text": (
            "The Harbor Bridge is a suspension bridge in the city of Portvale, built over the "
            "mouth of the Grey River.\n\n"
            "Many visitors ask when the Harbor Bridge opened to traffic. "
            "After six years of work, the bridge opened to traffic in 1927. "
            "The Harbor Bridge was designed by the engineer Margaret Ellison. "
            "The deck carries six lanes for cars and two paths for walkers. "
            "About 40,000 vehicles cross the bridge every day."
        ),
    },
    {
        "id": "glass",
        "title": "Glass making",
        "text": (
            "Glass is made by melting sand with soda and lime in a furnace. "
            "The furnace must reach about 1,500 degrees Celsius. "
            "Glassblowers shape the molten glass with long iron pipes. "
            "The craft spread from Syria to Venice during the Middle Ages."
        ),
    },
    {
        "id": "trade",
        "title": "Trade talks",
        "published": "2024-03-14",
        "text": (
            "Ministers from both countries met in Geneva in March. "
            "Negotiators drafted two agreements on farm tariffs. "
            "They said the agreements would cut wheat tariffs by half. "
            "The talks will resume in the autumn."
        ),
    },
]


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with engine_with(tmp_path, ARTICLES) as e:
        yield e


def best(answer: Answer) -> str:
    assert answer.answered, answer
    return max(answer.quotes, key=lambda q: q.score).text


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who designed the bridge?", PERSON),
        ("To whom was the letter sent?", PERSON),
        ("When did the bridge open?", DATE),
        ("In what year was it built?", DATE),
        ("How many lanes does it have?", NUMBER),
        ("How much does it cost?", NUMBER),
        ("What is the price of a ticket?", NUMBER),
        ("What does a ticket cost?", NUMBER),
        ("Where is the bridge?", PLACE),
        ("What is glass made of?", OTHER),
        ("How must they treat those who are qualified?", OTHER),
    ],
)
def test_question_type_follows_the_wh_word(question: str, kind: str) -> None:
    assert question_type(question) == kind


def test_typed_spans_find_dates_numbers_and_names() -> None:
    text = "In 1858, Louis Pasteur said 3,500 people lived there on March 3, 1901."
    assert [s.text for s in spans(text, DATE)] == ["1858", "March 3, 1901"]
    assert "3,500" in [s.text for s in spans(text, NUMBER)]
    assert "Louis Pasteur" in [s.text for s in spans(text, PERSON)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("The council voted on Tuesday.", "on Tuesday"),
        ("The ferry starts next spring.", "next spring"),
        ("Prices rose last week.", "last week"),
        ("The report is dated 2024-03-14.", "2024-03-14"),
        ("The mayor rides at 10 am.", "10 am"),
        ("The quake struck at 3.12 am on Thursday.", "3.12 am"),
        ("Doors open at 7:30 pm.", "7:30 pm"),
        ("The shops reopen tomorrow.", "tomorrow"),
    ],
)
def test_dates_as_news_writes_them_are_dates(text: str, date: str) -> None:
    assert date in [s.text for s in spans(text, DATE)]


@pytest.mark.parametrize(
    ("text", "often"),
    [
        ("Quakes this size happen about once every ten years.", "once every ten years"),
        ("The van visited the villages twice a month.", "twice a month"),
        ("Buses run every 20 minutes.", "every 20 minutes"),
        ("The paper is published daily.", "daily"),
    ],
)
def test_how_often_as_news_writes_it_is_a_number(text: str, often: str) -> None:
    assert often in [s.text for s in spans(text, NUMBER)]


def test_a_number_before_a_word_starting_with_am_is_no_time() -> None:
    assert [s.text for s in spans("Some 3 among them left.", DATE)] == []


async def test_who_question_picks_the_sentence_with_a_new_name(engine: Engine) -> None:
    answer = await engine.ask("Who designed the Harbor Bridge?")
    assert "Margaret Ellison" in best(answer)
    assert answer.short_answer == "Margaret Ellison"


async def test_when_question_picks_the_year_not_the_restating_sentence(engine: Engine) -> None:
    answer = await engine.ask("When did the Harbor Bridge open to traffic?")
    assert "1927" in best(answer)
    assert answer.short_answer == "1927"


async def test_how_many_question_picks_the_number(engine: Engine) -> None:
    answer = await engine.ask("How many vehicles cross the Harbor Bridge every day?")
    assert "40,000" in best(answer)
    assert answer.short_answer is not None and "40,000" in answer.short_answer
    (quote,) = [q for q in answer.quotes if q.highlight is not None]
    a, b = quote.highlight  # type: ignore[misc]
    assert quote.text[a:b] == answer.short_answer


async def test_a_sentence_that_leans_back_brings_its_context(engine: Engine) -> None:
    answer = await engine.ask("By how much would the agreements cut wheat tariffs?")
    texts = [q.text for q in answer.quotes]
    assert any("by half" in t for t in texts)
    i = next(i for i, t in enumerate(texts) if "by half" in t)
    assert i > 0 and texts[i - 1].startswith("Negotiators drafted two agreements")


async def test_quotes_are_in_reading_order_and_cited(engine: Engine) -> None:
    answer = await engine.ask("Who designed the Harbor Bridge?")
    numbers = {s.n: s for s in answer.sources}
    assert answer.sources[0].title == "Harbor Bridge"
    keys = [(q.citation, q.position) for q in answer.quotes]
    assert keys == sorted(keys)
    for q in answer.quotes:
        assert numbers[q.citation].article_id == q.article_id


async def test_abstains_on_an_unrelated_question(engine: Engine) -> None:
    answer = await engine.ask("What is the boiling point of mercury on Jupiter?")
    assert not answer.answered
    assert answer.quotes == ()
    assert len(answer.sources) <= 3


async def test_question_with_no_usable_words_abstains(engine: Engine) -> None:
    answer = await engine.ask("what is it?")
    assert not answer.answered


async def test_same_question_same_answer(engine: Engine) -> None:
    first = await engine.ask("What is glass made from?")
    again = await Answerer(engine.retriever, engine.settings.answer).ask("What is glass made from?")
    assert (first.answered, first.quotes, first.sources, first.confidence) == (
        again.answered,
        again.quotes,
        again.sources,
        again.confidence,
    )


def test_a_short_answer_is_never_a_name_the_question_holds() -> None:
    analyzer = Analyzer()
    text = "Ana Ruiz said that Marta Lopez will run the new shop."
    question = frozenset(analyzer("Who did Ana Ruiz say will run the new shop?"))
    span = short_answer(text, PERSON, question, analyzer)
    assert span is not None and span.text == "Marta Lopez"
