"""What the engine, the retriever and the answerer use of an article store, and how a store
is chosen: a path opens the embedded SQLite store (``corpus.store``), a ``postgresql://``
URL the PostgreSQL one (``corpus.postgres``, which needs the ``scale`` extra)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from corpus.errors import QabotError
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

DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")


@runtime_checkable
class ArticleStore(Protocol):
    """Articles with their passages and sentences; every add and remove one transaction."""

    # A lasting id of the database: an index built for another one is not trusted.
    db_id: str

    @property
    def path(self) -> Path:
        """The SQLite file; for another store, a local name to keep an embedded index
        beside (``<path>.index/``)."""
        ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def generation(self) -> int:
        """A counter bumped by every add and remove, in any process."""
        ...

    async def add(self, prepared: Prepared, added_by: str) -> AddResult:
        """Store an article, or name the stored one with the same text (``duplicate``)."""
        ...

    async def remove(self, article_id: int) -> Article | None: ...

    async def get(self, article_id: int) -> Article | None: ...

    async def list_articles(
        self, limit: int | None = None, offset: int = 0
    ) -> list[ArticleSummary]:
        """Articles, newest first."""
        ...

    async def count_articles(self) -> int: ...

    async def stats(self) -> Stats: ...

    async def languages(self) -> dict[str, int]:
        """How many articles each language has, most first."""
        ...

    async def passage_ids(self) -> list[int]:
        """The ids of every stored passage, ascending."""
        ...

    async def count_passages(self, after_id: int = 0) -> int: ...

    async def passage_ids_in(self, language: str) -> list[int]: ...

    async def passage_ids_of(self, article_id: int) -> list[int]: ...

    def passages_for_indexing(
        self, after_id: int = 0, batch: int = 5000
    ) -> AsyncIterator[list[IndexRow]]:
        """Batches of passages above ``after_id`` in id order. Ids are handed out in commit
        order: once a reader saw passage n, no passage below n appears later."""
        ...

    async def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]: ...

    async def sentences(self, article_id: int, positions: Iterable[int]) -> list[Sentence]: ...

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]:
        """Metadata of those of these articles still stored, keyed by id."""
        ...


def is_database_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.startswith(DATABASE_URL_SCHEMES)


async def open_store(location: str | Path) -> ArticleStore:
    """The store at ``location``: a ``postgresql://`` URL, else a SQLite file's path."""
    if is_database_url(location):
        assert isinstance(location, str)
        try:
            from corpus.postgres import PostgresStore
        except ImportError as e:
            raise QabotError(
                f"a {location.split('://')[0]}:// database needs asyncpg, which is not"
                f" installed ({e}): pip install 'qabot[scale]'"
            ) from e
        return await PostgresStore.open(location)
    from corpus.store import Store

    return await Store.open(location)


if TYPE_CHECKING:
    from corpus.store import Store

    def _sqlite_is_an_article_store(store: Store) -> ArticleStore:
        return store
