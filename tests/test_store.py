"""The article store: one transaction per article, duplicates recognised, removal complete."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from corpus import store as store_module
from corpus.schema import MIGRATIONS
from corpus.store import Store
from tests.conftest import article

RIVER = article(
    "The river festival",
    "The river festival opens on Friday. Boats from six towns will race at noon. "
    "Organisers expect ten thousand visitors.",
)


async def test_an_added_article_keeps_its_passages_and_sentences(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        result = await store.add(RIVER, "tester")
        stats = await store.stats()
    assert not result.duplicate
    assert result.article.title == "The river festival"
    assert (stats.articles, stats.passages, stats.sentences) == (1, 1, 3)


async def test_the_same_text_added_twice_names_the_first_article(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        first = await store.add(RIVER, "tester")
        again = await store.add(article("Another title", RIVER.text.replace(" ", "  ")), "x")
        stats = await store.stats()
    assert again.duplicate
    assert again.article.id == first.article.id
    assert stats.articles == 1


async def test_removing_an_article_removes_its_passages_and_sentences(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        added = await store.add(RIVER, "tester")
        removed = await store.remove(added.article.id)
        stats = await store.stats()
    assert removed is not None
    assert (stats.articles, stats.passages, stats.sentences) == (0, 0, 0)


async def test_removing_an_unknown_article_returns_none(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        assert await store.remove(42) is None


async def test_a_failed_add_leaves_nothing_behind(db_path: Path) -> None:
    broken = article("Broken", "One sentence here. Another sentence there.")
    bad_sentences = (broken.sentences[0], broken.sentences[0])
    broken = type(broken)(**{**_fields(broken), "sentences": bad_sentences})
    async with await Store.open(db_path) as store:
        with pytest.raises(sqlite3.IntegrityError):
            await store.add(broken, "tester")
        stats = await store.stats()
    assert (stats.articles, stats.passages, stats.sentences) == (0, 0, 0)


async def test_titles_with_markup_are_stored_verbatim(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        added = await store.add(article("<b>Fish & Chips</b>", "Vinegar is optional."), "t")
        stored = await store.get(added.article.id)
    assert stored is not None
    assert stored.title == "<b>Fish & Chips</b>"


async def test_articles_are_listed_newest_first(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        await store.add(RIVER, "t")
        await store.add(article("Later", "A second article arrives later."), "t")
        listed = await store.list_articles()
    assert [a.title for a in listed] == ["Later", "The river festival"]


async def test_the_store_uses_wal_foreign_keys_and_a_schema_version(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    db.close()


async def test_every_add_and_remove_bumps_the_generation(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        start = await store.generation()
        added = await store.add(RIVER, "t")
        await store.remove(added.article.id)
        assert await store.generation() == start + 2


async def test_adds_from_many_tasks_at_once_all_commit(db_path: Path) -> None:
    texts = [f"Boat {n} sailed to the island. It came back with {n} crates." for n in range(12)]
    async with await Store.open(db_path) as store:
        results = await asyncio.gather(
            *(store.add(article(f"Boat {n}", t), "t") for n, t in enumerate(texts))
        )
        stats = await store.stats()
    assert not any(r.duplicate for r in results)
    assert (stats.articles, stats.sentences) == (12, 24)


async def test_the_same_text_added_by_two_tasks_at_once_is_stored_once(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        first, second = await asyncio.gather(store.add(RIVER, "a"), store.add(RIVER, "b"))
        assert await store.count_articles() == 1
    assert sorted([first.duplicate, second.duplicate]) == [False, True]
    assert first.article.id == second.article.id


async def test_a_remove_during_an_add_leaves_both_done(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        old = (await store.add(RIVER, "t")).article
        later = article("Later", "A second article arrives later.")
        removed, added = await asyncio.gather(store.remove(old.id), store.add(later, "t"))
        listed = await store.list_articles()
    assert removed is not None and removed.id == old.id
    assert [a.id for a in listed] == [added.article.id]


async def test_readers_see_a_transaction_only_once_it_commits(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        async with store.atomic() as db:
            await db.execute(
                "INSERT INTO articles (title, text, original, added_by, added_at, content_hash)"
                " VALUES ('Draft', 'x', 'x', 't', 'now', 'h')"
            )
            during = await store.count_articles()
        after = await store.count_articles()
    assert (during, after) == (0, 1)


async def test_a_writer_in_another_connection_is_waited_for(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 20)  # shorter than the hold below
    async with await Store.open(db_path) as first, await Store.open(db_path) as second:
        async with first.atomic():
            waiting = asyncio.create_task(second.add(RIVER, "second"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
        added = await waiting
        assert not added.duplicate
        assert await first.count_articles() == 1


async def test_each_database_has_its_own_lasting_id(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "a.db") as a, await Store.open(tmp_path / "b.db") as b:
        ids = (a.db_id, b.db_id)
    async with await Store.open(tmp_path / "a.db") as again:
        assert again.db_id == ids[0]
    assert ids[0] != ids[1]
    assert all(len(i) == 32 for i in ids)


async def test_a_database_of_the_first_schema_gains_an_id(db_path: Path) -> None:
    old = sqlite3.connect(db_path)
    old.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    old.close()
    async with await Store.open(db_path) as store:
        assert len(store.db_id) == 32
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
