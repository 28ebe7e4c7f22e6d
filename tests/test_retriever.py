"""The retriever through a real store: changes show at once and survive a restart."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from corpus.models import Draft, Prepared
from corpus.prepare import prepare
from corpus.store import Store
from index.search import retriever as retriever_module
from index.search.retriever import Retriever

ARTICLES = {
    "Wind power": "Offshore wind farms turn the wind into electricity. "
    "Turbines stand in shallow water far from the coast.",
    "Solar power": "Solar panels on a roof turn sunlight into electricity. "
    "Desert solar farms store heat in molten salt.",
    "Tidal power": "A tidal lagoon holds the sea back at high tide. "
    "Turbines in its wall run as the water flows out.",
}


def article(title: str) -> Prepared:
    return prepare(Draft(title=title, text=ARTICLES[title]))


def titles(hits: list[object]) -> list[str]:
    return [h.title for h in hits]  # type: ignore[attr-defined]


def segment_files(db: Path) -> set[str]:
    return {p.name for p in db.with_name(db.name + ".index").glob("seg-*.npz")}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "qabot.db"


@pytest.fixture
async def store(db: Path) -> AsyncIterator[Store]:
    s = await Store.open(db)
    yield s
    await s.close()


async def test_added_and_removed_articles_change_results_at_once(store: Store) -> None:
    retriever = await Retriever.open(store)
    assert await retriever.search("turbines") == []
    wind = (await store.add(article("Wind power"), "test")).article
    assert titles(await retriever.search("offshore turbines")) == ["Wind power"]
    await store.add(article("Tidal power"), "test")
    assert set(titles(await retriever.search("turbines"))) == {"Wind power", "Tidal power"}
    await store.remove(wind.id)
    assert titles(await retriever.search("turbines")) == ["Tidal power"]
    assert await retriever.search("offshore") == []


async def test_search_within_one_article(store: Store) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    solar = (await store.add(article("Solar power"), "test")).article
    hits = await retriever.search("electricity", article_id=solar.id)
    assert titles(hits) == ["Solar power"]
    assert hits[0].text.startswith("Solar panels")


async def test_restart_keeps_the_index_without_reanalyzing(
    db: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    solar = (await store.add(article("Solar power"), "test")).article
    await retriever.search("electricity")
    await store.remove(solar.id)
    expected = await retriever.search("electricity farms")
    assert titles(expected) == ["Wind power"]
    files = segment_files(db)
    assert files
    await store.close()

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("a restart must not re-analyze passages")

    monkeypatch.setattr(retriever_module.Retriever, "_build", no_build)
    reopened = await Store.open(db)
    try:
        again = await Retriever.open(reopened)
        assert await again.search("electricity farms") == expected
        assert segment_files(db) == files
    finally:
        await reopened.close()


async def test_missing_index_directory_is_rebuilt(db: Path, store: Store) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Tidal power"), "test")
    expected = await retriever.search("lagoon turbines")
    assert expected
    shutil.rmtree(db.with_name(db.name + ".index"))
    rebuilt = await Retriever.open(store)
    assert await rebuilt.search("lagoon turbines") == expected
    assert segment_files(db)


async def test_another_process_add_is_seen_by_the_next_search(db: Path, store: Store) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    assert await retriever.search("solar") == []
    other = await Store.open(db)
    try:
        solar = (await other.add(article("Solar power"), "other")).article
        assert titles(await retriever.search("solar")) == ["Solar power"]
        await other.remove(solar.id)
    finally:
        await other.close()
    assert await retriever.search("solar") == []


async def test_a_question_during_indexing_is_answered_from_the_current_index(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    await retriever.search("turbines")
    release = threading.Event()
    build = Retriever._build

    def slow_build(self: Retriever, rows: list[tuple[int, str, str]]) -> object:
        release.wait(timeout=30)
        return build(self, rows)

    monkeypatch.setattr(Retriever, "_build", slow_build)
    await store.add(article("Tidal power"), "test")
    indexing = asyncio.create_task(retriever.sync())
    await asyncio.sleep(0.05)
    during = await asyncio.wait_for(retriever.search("turbines"), timeout=5)
    release.set()
    await indexing
    assert titles(during) == ["Wind power"]
    assert set(titles(await retriever.search("turbines"))) == {"Wind power", "Tidal power"}
