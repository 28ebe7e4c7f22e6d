"""The article store in PostgreSQL, through an asyncpg pool: the SQLite store's interface
(``corpus.interface.ArticleStore``) and guarantees, for several processes on several machines.

- An add is one transaction: the article, its sentences and passages, a pending-index record
  and the generation's bump commit together or not at all.
- Writers take turns on the generation counter's row (the first statement of every add and
  remove, held until the commit), so that ids are handed out in commit order, as in SQLite:
  a reader that has seen passage n never later finds a new passage below n. Duplicates are
  refused by the content hash's unique index (``ON CONFLICT DO NOTHING``).
- Readers see committed data only (PostgreSQL's READ COMMITTED); a read of several
  statements runs in one REPEATABLE READ READ ONLY transaction, on one snapshot.
- A transaction that PostgreSQL rolls back to break a deadlock or a serialization conflict
  is run again. When the database does not answer (down, restarting), a statement is tried
  again for ``reconnect_timeout`` seconds, then ``StoreUnavailable`` says so; an add whose
  connection broke while it committed is looked up by its hash to tell whether it is stored.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload
from urllib.parse import urlsplit

import asyncpg
from platformdirs import user_cache_dir

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
from corpus.postgres import queue
from corpus.postgres.errors import StoreUnavailable
from corpus.postgres.queue import Claim, IndexLag, PassageDocument
from corpus.postgres.retry import (
    FIRST_DELAY,
    ROLLBACK_RETRIES,
    describe,
    is_connection_error,
    is_rollback,
    next_delay,
)
from corpus.postgres.schema import migrate

if TYPE_CHECKING:
    from corpus.interface import ArticleStore
    from corpus.postgres.indexer import IndexQueue

T = TypeVar("T")

ARTICLE_COLUMNS = (
    "a.id, a.title, a.url, a.source, a.published, a.text, a.original, a.added_by,"
    " a.added_at, a.content_hash, a.external_id,"
    " (SELECT count(*) FROM passages p WHERE p.article_id = a.id),"
    " (SELECT count(*) FROM sentences s WHERE s.article_id = a.id),"
    " a.language"
)
SUMMARY_COLUMNS = "a.id, a.title, a.url, a.published, {passages}, a.added_at, a.source"

RECONNECT_TIMEOUT = 10.0  # seconds a statement is tried again while the database is away
CONNECT_TIMEOUT = 5.0
POOL_SIZE = 10


@dataclass
class _Attempt:
    """How far one write transaction got: a COMMIT sent may have run though its answer
    never came back."""

    committing: bool = False


class _Duplicate(Exception):
    """Another add committed this text first (raised inside the transaction, to roll back)."""


class PostgresStore:
    """Articles, passages and sentences in PostgreSQL; the index queue beside them."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        location: str,
        reconnect_timeout: float = RECONNECT_TIMEOUT,
        index_dir: Path | None = None,
    ) -> None:
        self._pool = pool
        self.location = location  # the URL without its password, for messages
        self.reconnect_timeout = reconnect_timeout
        self.db_id = ""
        self._index_dir = index_dir

    @property
    def path(self) -> Path:
        """A local file name that an embedded search index of this database is kept beside
        (``index.search`` keeps it in ``<path>.index/``): one a database id, in ``index_dir``
        (by default qabot's folder in the user's cache). No file of that name exists: the
        articles are in PostgreSQL. It lets the embedded retriever run on this store as is,
        each process (each replica) with its own index, brought up to date by the generation.
        """
        folder = self._index_dir or Path(user_cache_dir("qabot", appauthor=False)) / "postgresql"
        return folder / (self.db_id or "unknown")

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        reconnect_timeout: float = RECONNECT_TIMEOUT,
        connect_timeout: float = CONNECT_TIMEOUT,
        index_dir: Path | None = None,
    ) -> PostgresStore:
        """Connect to the database at ``url`` (``postgresql://user:password@host:port/db``;
        ``?search_path=name`` picks a schema) and bring its schema up to date."""
        location = safe_location(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=0,
                max_size=pool_size,
                timeout=connect_timeout,
                server_settings={"application_name": "qabot"},
            )
        except Exception as e:
            if is_connection_error(e):
                raise StoreUnavailable(
                    f"the article database at {location} does not answer ({describe(e)})"
                ) from e
            raise
        assert pool is not None
        store = cls(pool, location, reconnect_timeout, index_dir)
        try:
            await store._run(migrate, "its schema could not be checked")
            store.db_id = str(
                await store._run(
                    lambda c: c.fetchval("SELECT value FROM meta WHERE key = 'db_id'"),
                    "its id could not be read",
                )
            )
        except BaseException:
            await store.close()
            raise
        return store

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=self.reconnect_timeout)
        except TimeoutError:
            self._pool.terminate()

    async def __aenter__(self) -> PostgresStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- running statements ------------------------------------------------------------

    async def _run(
        self,
        op: Callable[[asyncpg.Connection], Awaitable[T]],
        failed: str,
        deadline: float | None = None,
        stored: bool | None = None,
    ) -> T:
        """Run ``op`` on a pooled connection; again while the database does not answer
        (until ``deadline``, by default ``reconnect_timeout`` from now) or rolls it back.

        Only for what may run twice: reads, and writes that are idempotent.
        """
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + self.reconnect_timeout
        delay = FIRST_DELAY
        rollbacks = 0
        while True:
            try:
                async with self._pool.acquire() as connection:
                    return await op(connection)
            except Exception as e:
                if is_rollback(e) and rollbacks < ROLLBACK_RETRIES:
                    rollbacks += 1
                    await asyncio.sleep(FIRST_DELAY * rollbacks)
                    continue
                if not is_connection_error(e):
                    raise
                if loop.time() + delay > deadline:
                    raise StoreUnavailable(
                        f"the article database at {self.location} does not answer"
                        f" ({describe(e)}): {failed}",
                        stored=stored,
                    ) from e
                await asyncio.sleep(delay)
                delay = next_delay(delay)

    async def _snapshot(self, op: Callable[[asyncpg.Connection], Awaitable[T]], failed: str) -> T:
        """Run the statements of ``op`` on one snapshot (read only)."""

        async def run(connection: asyncpg.Connection) -> T:
            async with connection.transaction(isolation="repeatable_read", readonly=True):
                return await op(connection)

        return await self._run(run, failed)

    async def _write(
        self,
        op: Callable[[asyncpg.Connection], Awaitable[T]],
        attempt: _Attempt,
    ) -> T:
        """Run ``op`` in one transaction that first takes the writers' turn (the generation
        row, bumped); ``attempt`` tells the caller whether the COMMIT was sent."""
        async with self._pool.acquire() as connection:
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute(
                    "UPDATE counters SET value = value + 1 WHERE name = 'generation'"
                )
                result = await op(connection)
            except BaseException:
                if not connection.is_closed():
                    # the error that stopped it tells more than one rolling back
                    with suppress(Exception):
                        await transaction.rollback()
                raise
            attempt.committing = True
            await transaction.commit()
            return result

    # -- writing -----------------------------------------------------------------------

    async def generation(self) -> int:
        """A counter bumped by every add and remove, in any process."""
        value = await self._run(
            lambda c: c.fetchval("SELECT value FROM counters WHERE name = 'generation'"),
            "the generation could not be read",
        )
        return int(value)

    async def add(self, prepared: Prepared, added_by: str) -> AddResult:
        """Store an article with its passages and sentences, unless its text is already
        here; raise ``StoreUnavailable`` (saying whether it was stored) when the database
        does not answer for ``reconnect_timeout`` seconds."""
        title = prepared.title
        not_stored = f"{title!r} was not stored; add it again once the database is back"
        existing = await self._by_hash(prepared.content_hash, not_stored, stored=False)
        if existing is not None:
            return AddResult(article=existing, duplicate=True)
        added_at = datetime.now(UTC).isoformat(timespec="seconds")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        delay = FIRST_DELAY
        rollbacks = 0
        in_doubt = False  # an attempt's COMMIT was sent and its answer lost

        def result(found: Article) -> AddResult:
            """The stored article; a duplicate unless a lost COMMIT of this add stored it."""
            ours = in_doubt and found.added_by == added_by and found.added_at == added_at
            return AddResult(article=found, duplicate=not ours)

        while True:
            attempt = _Attempt()
            try:
                article = await self._write(
                    lambda c: _insert(c, prepared, added_by, added_at), attempt
                )
                return AddResult(article=article, duplicate=False)
            except _Duplicate:
                found = await self._by_hash(prepared.content_hash, not_stored, stored=False)
                if found is not None:
                    return result(found)
                continue  # removed again since: add it after all
            except Exception as e:
                if is_rollback(e) and rollbacks < ROLLBACK_RETRIES:
                    rollbacks += 1
                    await asyncio.sleep(FIRST_DELAY * rollbacks)
                    continue
                if not is_connection_error(e):
                    raise
                error = e
            if attempt.committing:
                # The COMMIT was sent and its answer lost: look the text up to tell. (If
                # it is still being committed, the next attempt's insert waits for it.)
                in_doubt = True
                try:
                    found = await self._by_hash(prepared.content_hash, "", deadline)
                except StoreUnavailable as e:
                    raise StoreUnavailable(
                        f"the article database at {self.location} stopped answering while"
                        f" {title!r} was being stored ({describe(error)}), and did not answer"
                        " again to tell whether it was: add it again once the database is back"
                        " (if it was stored, it will be recognised as a duplicate)",
                        stored=None,
                    ) from e
                if found is not None:
                    return result(found)
            if loop.time() + delay > deadline:
                outcome = "may not have been stored" if in_doubt else "was not stored"
                raise StoreUnavailable(
                    f"the article database at {self.location} does not answer"
                    f" ({describe(error)}): {title!r} {outcome}; add it again once the"
                    " database is back",
                    stored=None if in_doubt else False,
                ) from error
            await asyncio.sleep(delay)
            delay = next_delay(delay)

    async def remove(self, article_id: int) -> Article | None:
        """Remove an article with its passages and sentences, and queue its deletion from
        the search index; return it, or None if absent."""
        not_removed = f"article #{article_id} was not removed; remove it again once it is back"
        before = await self._run(lambda c: _get(c, article_id), not_removed, stored=False)
        if before is None:
            return None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.reconnect_timeout
        delay = FIRST_DELAY
        rollbacks = 0
        in_doubt = False  # an attempt's COMMIT was sent and its answer lost
        while True:
            attempt = _Attempt()
            try:
                return await self._write(lambda c: _delete(c, article_id), attempt)
            except _NothingToRemove:  # rolled back: the generation stays
                # removed meanwhile, by another process or by the lost COMMIT
                return before if in_doubt else None
            except Exception as e:
                if is_rollback(e) and rollbacks < ROLLBACK_RETRIES:
                    rollbacks += 1
                    await asyncio.sleep(FIRST_DELAY * rollbacks)
                    continue
                if not is_connection_error(e):
                    raise
                in_doubt |= attempt.committing
                if loop.time() + delay > deadline:
                    outcome = "may not have been removed" if in_doubt else "was not removed"
                    raise StoreUnavailable(
                        f"the article database at {self.location} does not answer"
                        f" ({describe(e)}): article #{article_id} {outcome}; remove it again"
                        " once the database is back",
                        stored=None if in_doubt else False,
                    ) from e
            await asyncio.sleep(delay)
            delay = next_delay(delay)

    # -- reading -----------------------------------------------------------------------

    async def get(self, article_id: int) -> Article | None:
        return await self._run(lambda c: _get(c, article_id), f"article #{article_id} not read")

    async def _by_hash(
        self,
        content_hash: str,
        failed: str,
        deadline: float | None = None,
        stored: bool | None = None,
    ) -> Article | None:
        async def op(connection: asyncpg.Connection) -> Article | None:
            row = await connection.fetchrow(
                f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.content_hash = $1",
                content_hash,
            )
            return None if row is None else _article(row)

        return await self._run(op, failed, deadline, stored)

    async def list_articles(
        self, limit: int | None = None, offset: int = 0
    ) -> list[ArticleSummary]:
        """Articles, newest first."""
        passages = "(SELECT count(*) FROM passages p WHERE p.article_id = a.id)"
        sql = (
            f"SELECT {SUMMARY_COLUMNS.format(passages=passages)} FROM articles a"
            " ORDER BY a.id DESC LIMIT $1 OFFSET $2"
        )
        rows = await self._run(lambda c: c.fetch(sql, limit, offset), "articles not listed")
        return [ArticleSummary(*row) for row in rows]

    async def count_articles(self) -> int:
        value = await self._run(
            lambda c: c.fetchval("SELECT count(*) FROM articles"), "articles not counted"
        )
        return int(value)

    async def stats(self) -> Stats:
        async def op(connection: asyncpg.Connection) -> Stats:
            counts = await connection.fetchrow(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM passages),"
                " (SELECT count(*) FROM sentences)"
            )
            size = await connection.fetchval(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = current_schema() AND c.relkind = 'r'"
            )
            assert counts is not None
            return Stats(
                articles=int(counts[0]),
                passages=int(counts[1]),
                sentences=int(counts[2]),
                db_bytes=int(size),
            )

        return await self._snapshot(op, "statistics not read")

    async def passage_ids(self) -> list[int]:
        """The ids of every stored passage, ascending."""
        rows = await self._run(
            lambda c: c.fetch("SELECT id FROM passages ORDER BY id"), "passages not listed"
        )
        return [int(r[0]) for r in rows]

    async def count_passages(self, after_id: int = 0) -> int:
        value = await self._run(
            lambda c: c.fetchval("SELECT count(*) FROM passages WHERE id > $1", after_id),
            "passages not counted",
        )
        return int(value)

    async def languages(self) -> dict[str, int]:
        """How many articles each language has, most first."""
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT language, count(*) AS n FROM articles GROUP BY language"
                ' ORDER BY n DESC, language COLLATE "C"'
            ),
            "languages not counted",
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def passage_ids_in(self, language: str) -> list[int]:
        """The ids of the passages of the articles in ``language``, ascending."""
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT p.id FROM articles a JOIN passages p ON p.article_id = a.id"
                " WHERE a.language = $1 ORDER BY p.id",
                language,
            ),
            "passages not listed",
        )
        return [int(r[0]) for r in rows]

    async def passage_ids_of(self, article_id: int) -> list[int]:
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT id FROM passages WHERE article_id = $1 ORDER BY id", article_id
            ),
            "passages not listed",
        )
        return [int(r[0]) for r in rows]

    async def passages_for_indexing(
        self, after_id: int = 0, batch: int = 5000
    ) -> AsyncIterator[list[IndexRow]]:
        """Batches of passages with ids above ``after_id``, each with its article's title,
        its sentences' texts and its article's language, in id order (each batch read on
        one snapshot, its connection returned before it is yielded)."""
        last = after_id
        while True:
            rows = await self._snapshot(
                functools.partial(_index_rows, after=last, batch=batch),
                "passages not read for indexing",
            )
            if not rows:
                return
            yield rows
            last = rows[-1].id

    async def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """The passages with these ids, with their sentences, keyed by id (one statement)."""
        if not ids:
            return {}
        rows = await self._run(
            lambda c: c.fetch(
                "SELECT p.id, p.article_id, p.position, p.text, p.start, s.position, s.start,"
                ' s."end", s.text FROM passages p LEFT JOIN sentences s'
                " ON s.article_id = p.article_id"
                " AND s.position BETWEEN p.first_sentence AND p.last_sentence"
                " WHERE p.id = ANY($1::bigint[]) ORDER BY p.id, s.position",
                list(ids),
            ),
            "passages not read",
        )
        sentences: dict[int, list[Sentence]] = {}
        for r in rows:
            found = sentences.setdefault(r[0], [])
            if r[5] is not None:
                found.append(Sentence(r[5], r[6], r[7], r[8]))
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
        wanted = sorted(set(positions))
        if not wanted:
            return []
        rows = await self._run(
            lambda c: c.fetch(
                'SELECT position, start, "end", text FROM sentences'
                " WHERE article_id = $1 AND position = ANY($2::integer[]) ORDER BY position",
                article_id,
                wanted,
            ),
            "sentences not read",
        )
        return [Sentence(*r) for r in rows]

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]:
        """Metadata of these articles (those still stored), keyed by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        sql = (
            f"SELECT {SUMMARY_COLUMNS.format(passages='0')} FROM articles a"
            " WHERE a.id = ANY($1::bigint[])"
        )
        rows = await self._run(lambda c: c.fetch(sql, wanted), "articles not read")
        return {int(row[0]): ArticleSummary(*row) for row in rows}

    # -- the index queue (corpus.postgres.queue) ----------------------------------------

    async def claim_pending(
        self, limit: int = queue.BATCH, lease: float = queue.LEASE, claimer: str | None = None
    ) -> Claim:
        """Claim up to ``limit`` pending records, oldest first, for ``lease`` seconds; no
        other claimer gets them meanwhile (``FOR UPDATE SKIP LOCKED``)."""
        token = claimer or queue.new_token()
        return await self._run(lambda c: queue.claim(c, limit, lease, token), "none claimed")

    async def extend_claim(self, claim: Claim, lease: float = queue.LEASE) -> int:
        """Extend a claim's lease; return how many of its records it still holds."""
        return await self._run(lambda c: queue.extend(c, claim, lease), "lease not extended")

    async def mark_done(self, claim: Claim) -> int:
        """Forget the records of this claim that did not change since it was made; release
        the others (a remove came meanwhile). Return how many were done."""
        return await self._run(lambda c: queue.done(c, claim), "records not marked done")

    async def release_claim(self, claim: Claim, error: str | None = None) -> None:
        """Give up a claim (and say why), so another indexer takes its records at once."""
        await self._run(lambda c: queue.release(c, claim, error), "claim not released")

    async def index_documents(
        self, article_ids: Sequence[int]
    ) -> tuple[list[PassageDocument], list[int]]:
        """The passages of these articles as the search index needs them, in id order, and
        the ids of those no longer stored (one snapshot)."""
        return await self._snapshot(
            lambda c: queue.documents(c, article_ids), "passages not read for indexing"
        )

    async def index_lag(self) -> IndexLag:
        """How far the search index is behind: pending records and the oldest one's age."""
        return await self._run(queue.lag, "the index lag could not be read")

    async def queue_all(self) -> int:
        """Queue every stored article for indexing (a rebuild); return how many were queued."""
        return await self._run(queue.queue_all, "articles not queued")

    # -- the bot's remembered answers (bot.answer_memory), shared by its replicas ----------

    async def remember_answer(self, chat_id: int, answer: str, keep_seconds: float) -> int:
        """Keep an answer (JSON) of a chat for ``keep_seconds``; return its key, unique
        across processes. A few expired answers are forgotten on the way."""

        async def op(connection: asyncpg.Connection) -> int:
            await connection.execute(
                "DELETE FROM chat_answers WHERE key IN (SELECT key FROM chat_answers"
                " WHERE expires_at < now() LIMIT 100)"
            )
            key = await connection.fetchval(
                "INSERT INTO chat_answers (chat_id, answer, expires_at)"
                " VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING key",
                chat_id,
                answer,
                float(keep_seconds),
            )
            return int(key)

        return await self._run(op, "the answer was not remembered")

    async def remembered_answer(self, key: int) -> str | None:
        """The answer (JSON) kept under ``key``, unless it expired."""
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT answer FROM chat_answers WHERE key = $1 AND expires_at > now()", key
            ),
            "the answer could not be read",
        )
        return None if found is None else str(found)

    async def last_remembered_answer(self, chat_id: int) -> str | None:
        """The latest answer (JSON) kept for the chat, unless it expired."""
        found = await self._run(
            lambda c: c.fetchval(
                "SELECT answer FROM chat_answers WHERE chat_id = $1"
                " AND expires_at > now() ORDER BY key DESC LIMIT 1",
                chat_id,
            ),
            "the answer could not be read",
        )
        return None if found is None else str(found)


async def _insert(
    connection: asyncpg.Connection, p: Prepared, added_by: str, added_at: str
) -> Article:
    article_id = await connection.fetchval(
        "INSERT INTO articles (title, url, source, published, external_id, text, original,"
        " added_by, added_at, content_hash, language)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (content_hash) DO NOTHING RETURNING id",
        p.title,
        _text(p.url),
        _text(p.source),
        _text(p.published),
        _text(p.external_id),
        p.text,
        p.original.encode("utf-8", "surrogatepass"),
        _text(added_by),
        added_at,
        p.content_hash,
        p.language,
    )
    if article_id is None:
        raise _Duplicate
    await connection.copy_records_to_table(
        "sentences",
        columns=["article_id", "position", "start", "end", "text"],
        records=[(article_id, s.position, s.start, s.end, s.text) for s in p.sentences],
    )
    await connection.copy_records_to_table(
        "passages",
        columns=[
            "article_id",
            "position",
            "first_sentence",
            "last_sentence",
            "start",
            "end",
            "text",
        ],
        records=[
            (article_id, x.position, x.first_sentence, x.last_sentence, x.start, x.end, x.text)
            for x in p.passages
        ],
    )
    await queue.enqueue(connection, article_id, "index")
    article = await _get(connection, article_id)
    assert article is not None
    return article


async def _delete(connection: asyncpg.Connection, article_id: int) -> Article:
    article = await _get(connection, article_id, lock=True)
    if article is None:
        raise _NothingToRemove
    await connection.execute("DELETE FROM articles WHERE id = $1", article_id)
    await queue.enqueue(connection, article_id, "delete")
    return article


class _NothingToRemove(Exception):
    pass


async def _get(
    connection: asyncpg.Connection, article_id: int, lock: bool = False
) -> Article | None:
    row = await connection.fetchrow(
        f"SELECT {ARTICLE_COLUMNS} FROM articles a WHERE a.id = $1"
        + (" FOR UPDATE" if lock else ""),
        article_id,
    )
    return None if row is None else _article(row)


async def _index_rows(connection: asyncpg.Connection, *, after: int, batch: int) -> list[IndexRow]:
    found = await connection.fetch(
        "SELECT p.id, a.title, p.text, a.language FROM passages p"
        " JOIN articles a ON a.id = p.article_id WHERE p.id > $1 ORDER BY p.id LIMIT $2",
        after,
        batch,
    )
    if not found:
        return []
    texts: dict[int, list[str]] = {int(r[0]): [] for r in found}
    sentences = await connection.fetch(
        "SELECT p.id, s.text FROM passages p JOIN sentences s ON s.article_id = p.article_id"
        " AND s.position BETWEEN p.first_sentence AND p.last_sentence"
        " WHERE p.id BETWEEN $1 AND $2 ORDER BY p.id, s.position",
        found[0][0],
        found[-1][0],
    )
    for passage_id, text in sentences:
        if passage_id in texts:
            texts[passage_id].append(str(text))
    return [
        IndexRow(int(r[0]), str(r[1]), str(r[2]), tuple(texts[int(r[0])]), str(r[3])) for r in found
    ]


def _article(row: asyncpg.Record) -> Article:
    values = list(row)
    values[6] = bytes(values[6]).decode("utf-8", "surrogatepass")  # original (bytea)
    return Article(*values)


@overload
def _text(value: str) -> str: ...


@overload
def _text(value: None) -> None: ...


def _text(value: str | None) -> str | None:
    """A loader's metadata as PostgreSQL's text takes it: a NUL character (which it refuses)
    becomes U+FFFD. Titles, texts and sentences come cleaned, without any."""
    return None if value is None else value.replace("\x00", "\ufffd")


def safe_location(url: str) -> str:
    """The URL without its password (and without its query), for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


if TYPE_CHECKING:

    def _is_an_article_store(store: PostgresStore) -> ArticleStore:
        return store

    def _is_an_index_queue(store: PostgresStore) -> IndexQueue:
        return store
