"""The index queue: what the search index still has to do, kept in PostgreSQL.

An add queues its article for indexing in the transaction that stores it, a remove queues
its deletion in the one that removes it, so the store and the queue never disagree. The
queue holds one row an article, its latest change: a remove replaces a pending 'index' by
'delete' and bumps the row's version.

Indexers claim rows for a lease (``FOR UPDATE SKIP LOCKED``: two claimers never get the
same row, and neither waits for the other), push them to the index, then mark them done,
which deletes each row unless its version changed meanwhile; such a row (removed while its
indexing was pushed) is released and its deletion is claimed next. A row whose lease ran out
(its indexer died) is claimed again. Pushing is idempotent (passages by id, deletions by
article), so a row pushed twice does no harm; a claimed row is never claimed by another
before its lease ends, so an article's deletion never overtakes its indexing.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import asyncpg

from corpus.models import ArticleSummary, IndexRow, Sentence, StoredPassage

BATCH = 200  # articles a claim takes, at most
LEASE = 300.0  # seconds a claim holds its records unless extended

Action = Literal["index", "delete"]


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """One article's pending change, as claimed."""

    article_id: int
    action: Action
    version: int
    attempts: int  # claims made of this record so far, this one included


@dataclass(frozen=True, slots=True)
class Claim:
    """Records one claimer holds until its lease ends."""

    token: str
    records: tuple[PendingRecord, ...]

    def __bool__(self) -> bool:
        return bool(self.records)


@dataclass(frozen=True, slots=True)
class IndexLag:
    """How far the index is behind the store."""

    pending: int  # records not yet done (claimed or not)
    claimed: int  # of which claimed by an indexer now
    oldest_seconds: float  # age of the oldest pending record; 0 when none


@dataclass(frozen=True, slots=True)
class PassageDocument:
    """A passage with what the search index keeps of it and its article."""

    passage_id: int
    article_id: int
    position: int
    text: str
    start: int
    sentences: tuple[Sentence, ...]
    title: str
    url: str | None
    published: str | None
    source: str | None
    language: str
    added_at: str

    # As the store's readers give them (what index.search.solr.documents turns into a
    # Solr document):

    def index_row(self) -> IndexRow:
        texts = tuple(s.text for s in self.sentences)
        return IndexRow(self.passage_id, self.title, self.text, texts, self.language)

    def stored_passage(self) -> StoredPassage:
        return StoredPassage(
            self.passage_id, self.article_id, self.position, self.text, self.start, self.sentences
        )

    def article(self) -> ArticleSummary:
        """Its article's metadata (``passages`` 0, as ``ArticleStore.articles`` gives it)."""
        return ArticleSummary(
            self.article_id, self.title, self.url, self.published, 0, self.added_at, self.source
        )


def new_token() -> str:
    return uuid.uuid4().hex


async def enqueue(connection: asyncpg.Connection, article_id: int, action: Action) -> None:
    """Queue an article's change (inside the transaction that makes it). A claim on the
    row stays: its holder releases the row when it marks it done, and the change is then
    claimed in its turn."""
    await connection.execute(
        "INSERT INTO index_queue (article_id, action) VALUES ($1, $2)"
        " ON CONFLICT (article_id) DO UPDATE SET action = excluded.action,"
        " version = index_queue.version + 1, seq = nextval('index_queue_seq'),"
        " queued_at = now(), last_error = NULL",
        article_id,
        action,
    )


async def claim(connection: asyncpg.Connection, limit: int, lease: float, token: str) -> Claim:
    rows = await connection.fetch(
        "WITH picked AS ("
        " SELECT article_id FROM index_queue"
        " WHERE claimed_until IS NULL OR claimed_until < now()"
        " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)"
        " UPDATE index_queue q SET claimed_by = $2,"
        " claimed_until = clock_timestamp() + make_interval(secs => $3),"
        " attempts = q.attempts + 1"
        " FROM picked WHERE q.article_id = picked.article_id"
        " RETURNING q.article_id, q.action, q.version, q.attempts, q.seq",
        limit,
        token,
        lease,
    )
    records = sorted(rows, key=lambda r: int(r["seq"]))
    return Claim(
        token,
        tuple(
            PendingRecord(int(r["article_id"]), r["action"], int(r["version"]), int(r["attempts"]))
            for r in records
        ),
    )


async def extend(connection: asyncpg.Connection, held: Claim, lease: float) -> int:
    if not held:
        return 0
    status = await connection.execute(
        "UPDATE index_queue SET claimed_until = clock_timestamp() + make_interval(secs => $3)"
        " WHERE article_id = ANY($1::bigint[]) AND claimed_by = $2",
        [r.article_id for r in held.records],
        held.token,
        lease,
    )
    return _count(status)


async def done(connection: asyncpg.Connection, held: Claim) -> int:
    if not held:
        return 0
    ids = [r.article_id for r in held.records]
    async with connection.transaction():
        status = await connection.execute(
            "DELETE FROM index_queue q USING unnest($1::bigint[], $2::bigint[]) AS d(id, version)"
            " WHERE q.article_id = d.id AND q.version = d.version",
            ids,
            [r.version for r in held.records],
        )
        await connection.execute(
            "UPDATE index_queue SET claimed_by = NULL, claimed_until = NULL"
            " WHERE article_id = ANY($1::bigint[]) AND claimed_by = $2",
            ids,
            held.token,
        )
    return _count(status)


async def release(connection: asyncpg.Connection, held: Claim, error: str | None) -> None:
    if not held:
        return
    await connection.execute(
        "UPDATE index_queue SET claimed_by = NULL, claimed_until = NULL,"
        " last_error = coalesce($3, last_error)"
        " WHERE article_id = ANY($1::bigint[]) AND claimed_by = $2",
        [r.article_id for r in held.records],
        held.token,
        error,
    )


async def documents(
    connection: asyncpg.Connection, article_ids: Sequence[int]
) -> tuple[list[PassageDocument], list[int]]:
    """The passages of these articles, in id order, and the ids of those not stored."""
    wanted = sorted(set(article_ids))
    if not wanted:
        return [], []
    rows = await connection.fetch(
        "SELECT p.id, p.article_id, p.position, p.text, p.start, p.first_sentence,"
        " p.last_sentence, a.title, a.url, a.published, a.source, a.language, a.added_at"
        " FROM passages p JOIN articles a ON a.id = p.article_id"
        " WHERE p.article_id = ANY($1::bigint[]) ORDER BY p.id",
        wanted,
    )
    stored = await connection.fetch("SELECT id FROM articles WHERE id = ANY($1::bigint[])", wanted)
    present = {int(r[0]) for r in stored}
    sentence_rows = await connection.fetch(
        'SELECT article_id, position, start, "end", text FROM sentences'
        " WHERE article_id = ANY($1::bigint[]) ORDER BY article_id, position",
        wanted,
    )
    by_article: dict[int, list[Sentence]] = {}
    for s in sentence_rows:
        by_article.setdefault(int(s[0]), []).append(Sentence(s[1], s[2], s[3], s[4]))
    positions = {a: [s.position for s in found] for a, found in by_article.items()}
    docs = []
    for r in rows:
        article_id = int(r["article_id"])
        article_sentences = by_article.get(article_id, [])
        at = positions.get(article_id, [])
        first = bisect_left(at, int(r["first_sentence"]))
        last = bisect_right(at, int(r["last_sentence"]))
        docs.append(
            PassageDocument(
                passage_id=int(r["id"]),
                article_id=int(r["article_id"]),
                position=int(r["position"]),
                text=r["text"],
                start=int(r["start"]),
                sentences=tuple(article_sentences[first:last]),
                title=r["title"],
                url=r["url"],
                published=r["published"],
                source=r["source"],
                language=r["language"],
                added_at=r["added_at"],
            )
        )
    return docs, [i for i in wanted if i not in present]


async def lag(connection: asyncpg.Connection) -> IndexLag:
    row = await connection.fetchrow(
        "SELECT count(*), count(*) FILTER (WHERE claimed_until >= now()),"
        " coalesce(extract(epoch FROM now() - min(queued_at)), 0) FROM index_queue"
    )
    assert row is not None
    return IndexLag(pending=int(row[0]), claimed=int(row[1]), oldest_seconds=float(row[2]))


async def queue_all(connection: asyncpg.Connection) -> int:
    status = await connection.execute(
        "INSERT INTO index_queue (article_id, action) SELECT id, 'index' FROM articles"
        " ORDER BY id ON CONFLICT (article_id) DO NOTHING"
    )
    return _count(status)


def _count(status: str) -> int:
    """The row count of a command's status ("DELETE 3", "INSERT 0 5")."""
    return int(status.rsplit(" ", 1)[-1])
