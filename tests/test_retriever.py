"""The retriever through a real store: changes show at once and survive a restart."""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from corpus.models import Draft, Prepared
from corpus.prepare import prepare
from corpus.store import Store
from index.search import retriever as retriever_module
from index.search.files import IndexFiles
from index.search.retriever import MERGE_AT, Retriever

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


async def test_whole_reads_a_small_collection_in_full_matches_first(store: Store) -> None:
    retriever = await Retriever.open(store)
    for title in ARTICLES:
        await store.add(article(title), "test")
    hits = await retriever.search("offshore turbines", k=5, whole=True)
    assert titles(hits) == ["Wind power", "Tidal power", "Solar power"]
    assert hits[-1].score == 0.0
    assert titles(await retriever.search("offshore turbines", k=5)) == ["Wind power", "Tidal power"]


async def test_whole_reads_a_small_collection_even_without_a_matching_word(store: Store) -> None:
    retriever = await Retriever.open(store)
    for title in ARTICLES:
        await store.add(article(title), "test")
    hits = await retriever.search("how do boats dock?", k=5, whole=True)
    assert set(titles(hits)) == set(ARTICLES)


async def test_whole_keeps_to_the_best_k_of_a_larger_collection(store: Store) -> None:
    retriever = await Retriever.open(store)
    for title in ARTICLES:
        await store.add(article(title), "test")
    assert titles(await retriever.search("offshore", k=2, whole=True)) == ["Wind power"]


async def test_whole_finds_nothing_for_a_question_without_words(store: Store) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    assert await retriever.search("what is it?", k=5, whole=True) == []


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


def copy_database(source: Path, target: Path) -> None:
    """Copy a database as a backup tool would: whole, committed transactions only."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def rebuild_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "rebuilding the search index" in r.message]


async def test_an_index_kept_beside_a_replaced_database_is_rebuilt(
    db: Path, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    assert titles(await retriever.search("turbines")) == ["Wind power"]
    await store.close()
    async with await Store.open(tmp_path / "other.db") as other:
        await store_tidal_and_solar(other)
    copy_database(tmp_path / "other.db", db)
    caplog.set_level(logging.WARNING)
    async with await Store.open(db) as replaced:
        rebuilt = await Retriever.open(replaced)
        assert titles(await rebuilt.search("turbines")) == ["Tidal power"]
        assert titles(await rebuilt.search("sunlight")) == ["Solar power"]
    assert len(rebuild_warnings(caplog)) == 1
    assert "another database" in rebuild_warnings(caplog)[0]


async def store_tidal_and_solar(store: Store) -> None:
    await store.add(article("Tidal power"), "test")
    await store.add(article("Solar power"), "test")


async def test_an_index_newer_than_a_restored_database_is_rebuilt(
    db: Path, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    copy_database(db, tmp_path / "backup.db")
    await store.add(article("Solar power"), "test")
    assert titles(await retriever.search("sunlight")) == ["Solar power"]
    await store.close()
    copy_database(tmp_path / "backup.db", db)
    caplog.set_level(logging.WARNING)
    async with await Store.open(db) as restored:
        rebuilt = await Retriever.open(restored)
        await restored.add(article("Tidal power"), "test")  # takes the ids Solar power had
        assert await rebuilt.search("sunlight") == []
        assert titles(await rebuilt.search("lagoon")) == ["Tidal power"]
    assert len(rebuild_warnings(caplog)) == 1


async def test_an_unreadable_segment_file_is_rebuilt_from_the_store(
    db: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Tidal power"), "test")
    expected = await retriever.search("lagoon turbines")
    for name in segment_files(db):
        (db.with_name(db.name + ".index") / name).write_bytes(b"not a segment")
    caplog.set_level(logging.WARNING)
    rebuilt = await Retriever.open(store)
    assert await rebuilt.search("lagoon turbines") == expected
    assert len(rebuild_warnings(caplog)) == 1


async def test_retrievers_of_two_connections_syncing_at_once_lose_no_passage(
    db: Path, store: Store
) -> None:
    async with await Store.open(db) as other:
        ours, theirs = await Retriever.open(store), await Retriever.open(other)
        for title, by in zip(ARTICLES, [store, other, store], strict=True):
            await by.add(article(title), "test")
            await asyncio.gather(ours.sync(), theirs.sync(), ours.sync(), theirs.sync())
        fresh = await Retriever.open(other)
        assert sorted(fresh.index.passage_ids().tolist()) == await other.passage_ids()
        assert set(titles(await fresh.search("electricity turbines tide"))) == set(ARTICLES)


async def test_a_sync_that_failed_to_save_is_redone_without_duplicates(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = await Retriever.open(store)
    await store.add(article("Wind power"), "test")
    await retriever.search("turbines")
    await store.add(article("Tidal power"), "test")

    def full_disk(self: IndexFiles, manifest: object) -> None:
        raise OSError("no space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(IndexFiles, "write", full_disk)
        with pytest.raises(OSError):
            await retriever.sync()
    hits = await retriever.search("turbines")
    assert sorted(titles(hits)) == ["Tidal power", "Wind power"]


def log_entry(n: int, passages: int) -> Prepared:
    """An article of about ``passages`` passages (ten sentences make one)."""
    lines = [f"Entry {n} line {i} notes the tide at mark {i}." for i in range(passages * 10)]
    return prepare(Draft(title=f"Log {n}", text=" ".join(lines)))


async def test_segments_stay_few_and_in_passage_order_whatever_is_added_or_removed(
    db: Path, store: Store
) -> None:
    rng = random.Random(7)
    retriever = await Retriever.open(store)
    ids = []
    for n in range(40):
        size = 1 if n < 12 else rng.choice([1, 1, 1, 2, 5, 12])  # first, many of one size
        ids.append((await store.add(log_entry(n, size), "t")).article.id)
        if rng.random() < 0.2:
            await store.remove(ids.pop(rng.randrange(len(ids))))
        await retriever.sync()
        assert len(segment_files(db)) <= MERGE_AT
    assert sorted(retriever.index.passage_ids().tolist()) == await store.passage_ids()
