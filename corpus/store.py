"""The durable article store: SQLite through aiosqlite, one transaction per article.

Two connections per store: every write (add, remove, migration) goes through the writer,
one transaction at a time under a lock, so concurrent tasks never nest transactions;
everything else reads through the reader, which in WAL mode only ever sees committed
transactions. Across processes, ``BEGIN IMMEDIATE`` waits for the other writer (busy
timeout, then retries). Every add or remove bumps a generation counter so that an index
in another process can tell that it is stale; a random database id lets an index tell
that the database file itself was replaced.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from corpus.language import ARTICLE_CHARS, DEFAULT, detect_article
from corpus.models import (
    AddResult,
    Article,
    ArticleSummary,
    IndexRow,
    Prepared,
    Sentence,
    Stats,
    StoredPassage,
)
from corpus.schema import LANGUAGE_MIGRATION, MIGRATIONS, SCHEMA_VERSION

_ARTICLE_COLUMNS = (
    "a.id, a.title, a.url, a.source, a.published, a.text, a.original, a.added_by, "
    "a.added_at, a.content_hash, a.external_id, "
    "(SELECT count(*) FROM passages p WHERE p.article_id = a.id), "
    "(SELECT count(*) FROM sentences s WHERE s.article_id = a.id), "
    "coalesce(a.language, 'en')"
)


# How long one statement waits for another process's write lock, and how often a
# ``BEGIN IMMEDIATE`` that still found the database busy is tried again.
BUSY_TIMEOUT_MS = 30_000
BUSY_RETRIES = 10


class Store:
    """Articles, passages and sentences in one SQLite file."""

    def __init__(
        self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, path: Path
    ) -> None:
        self._writer = writer
        self._db = reader
        self._write_lock = asyncio.Lock()
        self.path = path
        self.db_id = ""

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the store at ``path`` and bring its schema up to date."""
        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        try:
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        store = cls(writer, reader, path)
        try:
            await _retry_busy(lambda: writer.execute_fetchall("PRAGMA journal_mode = WAL"))
            await store._migrate()
            await reader.execute("PRAGMA query_only = ON")
            store.db_id = str((await _one(reader, "SELECT value FROM meta WHERE key = 'db_id'"))[0])
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        try:
            await self._db.close()
        finally:
            await self._writer.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all.

        Transactions of this process take turns (a lock), those of other processes wait
        for each other in SQLite; readers see none of it until the commit.
        """
        async with self._write_lock:
            await _retry_busy(lambda: self._writer.execute("BEGIN IMMEDIATE"))
            try:
                yield self._writer
                await self._writer.execute("COMMIT")
            except BaseException:
                # A cancelled COMMIT may still run first: then there is nothing to roll back.
                with suppress(sqlite3.OperationalError):
                    await self._writer.execute("ROLLBACK")
                raise

    async def _migrate(self) -> None:
        """Apply the migrations this file lacks; other processes wait (write lock)."""
        async with self.atomic() as db:
            row = await _one(db, "PRAGMA user_version")
            version = int(row[0])
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} was written by a newer qabot (schema {version}); upgrade qabot"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    await db.execute(statement)
            if version < LANGUAGE_MIGRATION <= SCHEMA_VERSION:
                await _detect_languages(db)
            await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    async def generation(self) -> int:
        """A counter bumped by every add and remove, in any process."""
        row = await _one(self._db, "SELECT value FROM meta WHERE key = 'generation'")
        return int(row[0])

    async def add(self, prepared: Prepared, added_by: str) -> AddResult:
        """Store an article with its passages and sentences, unless its text is already here."""
        existing = await self._by_hash(prepared.content_hash)
        if existing is not None:
            return AddResult(article=existing, duplicate=True)
        added_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            async with self.atomic() as db:
                article = await _get(db, await self._insert(db, prepared, added_by, added_at))
        except sqlite3.IntegrityError:
            existing = await self._by_hash(prepared.content_hash)
            if existing is None:
                raise
            return AddResult(article=existing, duplicate=True)
        assert article is not None
        return AddResult(article=article, duplicate=False)

    async def _insert(
        self, db: aiosqlite.Connection, p: Prepared, added_by: str, added_at: str
    ) -> int:
        cursor = await db.execute(
            "INSERT INTO articles (title, url, source, published, external_id, text, original,"
            " added_by, added_at, content_hash, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                p.title,
                p.url,
                p.source,
                p.published,
                p.external_id,
                p.text,
                p.original,
                added_by,
                added_at,
                p.content_hash,
                p.language,
            ),
        )
        article_id = cursor.lastrowid
        assert article_id is not None
        await db.executemany(
            'INSERT INTO sentences (article_id, position, start, "end", text)'
            " VALUES (?, ?, ?, ?, ?)",
            [(article_id, s.position, s.start, s.end, s.text) for s in p.sentences],
        )
        await db.executemany(
            "INSERT INTO passages (article_id, position, first_sentence, last_sentence, start,"
            ' "end", text) VALUES (?, ?, ?, ?, ?, ?, ?)',
            [
                (article_id, x.position, x.first_sentence, x.last_sentence, x.start, x.end, x.text)
                for x in p.passages
            ],
        )
        await _bump_generation(db)
        return article_id

    async def remove(self, article_id: int) -> Article | None:
        """Remove an article with its passages and sentences; return it, or None if absent."""
        async with self.atomic() as db:
            article = await _get(db, article_id)
            if article is not None:
                await db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
                await _bump_generation(db)
        return article

    async def get(self, article_id: int) -> Article | None:
        return await _get(self._db, article_id)

    async def _by_hash(self, content_hash: str) -> Article | None:
        row = await _one_or_none(
            self._db,
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.content_hash = ?",
            (content_hash,),
        )
        return None if row is None else _article(row)

    async def list_articles(
        self, limit: int | None = None, offset: int = 0
    ) -> list[ArticleSummary]:
        """Articles, newest first."""
        sql = (
            "SELECT a.id, a.title, a.url, a.published, "
            "(SELECT count(*) FROM passages p WHERE p.article_id = a.id), a.added_at, a.source "
            "FROM articles a ORDER BY a.id DESC LIMIT ? OFFSET ?"
        )
        rows = await _rows(self._db, sql, (-1 if limit is None else limit, offset))
        return [ArticleSummary(*row) for row in rows]

    async def count_articles(self) -> int:
        return int((await _one(self._db, "SELECT count(*) FROM articles"))[0])

    async def stats(self) -> Stats:
        counts = await _one(
            self._db,
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM passages),"
            " (SELECT count(*) FROM sentences)",
        )
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return Stats(articles=counts[0], passages=counts[1], sentences=counts[2], db_bytes=size)

    async def passage_ids(self) -> list[int]:
        """The ids of every stored passage, ascending."""
        return [row[0] for row in await _rows(self._db, "SELECT id FROM passages ORDER BY id")]

    async def count_passages(self, after_id: int = 0) -> int:
        row = await _one(self._db, "SELECT count(*) FROM passages WHERE id > ?", (after_id,))
        return int(row[0])

    async def languages(self) -> dict[str, int]:
        """How many articles each language has, most first."""
        rows = await _rows(
            self._db,
            "SELECT coalesce(language, ?), count(*) AS n FROM articles GROUP BY 1"
            " ORDER BY n DESC, 1",
            (DEFAULT,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def passage_ids_in(self, language: str) -> list[int]:
        """The ids of the passages of the articles in ``language``, ascending."""
        sql = (
            "SELECT p.id FROM articles a JOIN passages p ON p.article_id = a.id"
            " WHERE coalesce(a.language, ?) = ? ORDER BY p.id"
        )
        return [row[0] for row in await _rows(self._db, sql, (DEFAULT, language))]

    async def passage_ids_of(self, article_id: int) -> list[int]:
        sql = "SELECT id FROM passages WHERE article_id = ? ORDER BY id"
        return [row[0] for row in await _rows(self._db, sql, (article_id,))]

    async def passages_for_indexing(
        self, after_id: int = 0, batch: int = 5000
    ) -> AsyncIterator[list[IndexRow]]:
        """Batches of passages with ids above ``after_id``, each with its article's title and
        its sentences' texts, in id order.

        Two statements: a passage never changes once stored, and one removed between them
        comes without sentences (the index masks it as removed anyway).
        """
        last = after_id
        while True:
            found = await _rows(
                self._db,
                "SELECT p.id, a.title, p.text, coalesce(a.language, ?) FROM passages p"
                " JOIN articles a ON a.id = p.article_id WHERE p.id > ? ORDER BY p.id LIMIT ?",
                (DEFAULT, last, batch),
            )
            if not found:
                return
            texts: dict[int, list[str]] = {int(r[0]): [] for r in found}
            sentences = await _rows(
                self._db,
                "SELECT p.id, s.text FROM passages p JOIN sentences s"
                " ON s.article_id = p.article_id"
                " AND s.position BETWEEN p.first_sentence AND p.last_sentence"
                " WHERE p.id BETWEEN ? AND ? ORDER BY p.id, s.position",
                (found[0][0], found[-1][0]),
            )
            for passage_id, text in sentences:
                if passage_id in texts:
                    texts[passage_id].append(str(text))
            yield [
                IndexRow(int(r[0]), str(r[1]), str(r[2]), tuple(texts[r[0]]), str(r[3]))
                for r in found
            ]
            last = int(found[-1][0])

    async def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """The passages with these ids, with their sentences, keyed by id.

        One statement, so a passage and its sentences come from the same committed state.
        """
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await _rows(
            self._db,
            'SELECT p.id, p.article_id, p.position, p.text, p.start, s.position, s.start, s."end",'
            " s.text FROM passages p LEFT JOIN sentences s ON s.article_id = p.article_id"
            " AND s.position BETWEEN p.first_sentence AND p.last_sentence"
            f" WHERE p.id IN ({marks}) ORDER BY p.id, s.position",
            tuple(ids),
        )
        sentences: dict[int, list[Sentence]] = {}
        for r in rows:
            found = sentences.setdefault(r[0], [])
            if r[5] is not None:
                found.append(Sentence(*r[5:]))
        return {
            r[0]: StoredPassage(
                id=r[0],
                article_id=r[1],
                position=r[2],
                text=r[3],
                start=r[4],
                sentences=tuple(sentences[r[0]]),
            )
            for r in rows
        }

    async def sentences(self, article_id: int, positions: Iterable[int]) -> list[Sentence]:
        """Sentences of one article at the given positions (missing ones skipped), in order."""
        found = await self._sentence_ranges([(article_id, p, p) for p in positions])
        return [found[k] for k in sorted(found)]

    async def _sentence_ranges(
        self, ranges: Sequence[tuple[int, int, int]]
    ) -> dict[tuple[int, int], Sentence]:
        """The sentences in these (article, first, last) position ranges, in one query."""
        found: dict[tuple[int, int], Sentence] = {}
        if not ranges:
            return found
        where = " OR ".join(["(article_id = ? AND position BETWEEN ? AND ?)"] * len(ranges))
        rows = await _rows(
            self._db,
            f'SELECT article_id, position, start, "end", text FROM sentences WHERE {where}',
            tuple(value for r in ranges for value in r),
        )
        for row in rows:
            found[(row[0], row[1])] = Sentence(*row[1:])
        return found

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]:
        """Metadata of these articles, keyed by id."""
        wanted = tuple(set(ids))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = await _rows(
            self._db,
            "SELECT a.id, a.title, a.url, a.published, 0, a.added_at, a.source"
            f" FROM articles a WHERE a.id IN ({marks})",
            wanted,
        )
        return {row[0]: ArticleSummary(*row) for row in rows}


async def _connect(path: Path) -> aiosqlite.Connection:
    """A connection in autocommit mode that waits for other writers instead of failing."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await db.execute_fetchall(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
        await db.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        await db.close()
        raise
    return db


async def _retry_busy(statement: Callable[[], Awaitable[object]]) -> None:
    """Run a statement, trying again while another process still holds the database."""
    for attempt in range(BUSY_RETRIES + 1):
        try:
            await statement()
            return
        except sqlite3.OperationalError as e:
            busy = "locked" in str(e) or "busy" in str(e)
            if not busy or attempt == BUSY_RETRIES:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))


async def _detect_languages(db: aiosqlite.Connection) -> None:
    """Detect the language of every article stored without one (before schema 3)."""
    rows = await _rows(
        db, "SELECT id, substr(text, 1, ?) FROM articles WHERE language IS NULL", (ARTICLE_CHARS,)
    )
    found = [(detect_article(str(text)), int(i)) for i, text in rows]
    await db.executemany("UPDATE articles SET language = ? WHERE id = ?", found)
    if found:  # an index built before analyzed them all as English: the analyzers' key
        await _bump_generation(db)  # changed with the languages, so it is rebuilt


async def _bump_generation(db: aiosqlite.Connection) -> None:
    await db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def _article(row: Sequence[Any]) -> Article:
    return Article(*row)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


async def _one(db: aiosqlite.Connection, sql: str, args: tuple[Any, ...] = ()) -> Any:
    row = await _one_or_none(db, sql, args)
    assert row is not None
    return row


async def _one_or_none(db: aiosqlite.Connection, sql: str, args: tuple[Any, ...] = ()) -> Any:
    rows = await _rows(db, sql, args)
    return rows[0] if rows else None


async def _rows(db: aiosqlite.Connection, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
    """All rows of a query, run to its end in one call to the connection's thread.

    A cursor left open between calls would keep its connection's read snapshot open, and
    every other query on that connection would then miss the transactions committed since.
    """
    return list(await db.execute_fetchall(sql, args))


async def _get(db: aiosqlite.Connection, article_id: int) -> Article | None:
    row = await _one_or_none(
        db, f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE a.id = ?", (article_id,)
    )
    return None if row is None else _article(row)
