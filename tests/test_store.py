"""The article store: one transaction per article, duplicates recognised, removal complete."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]
