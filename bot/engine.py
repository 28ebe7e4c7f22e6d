"""The application service every adapter calls: add, remove, list, search and ask.

It wires the store (corpus), the retriever and the answerer (index) together, and runs
blocking work (reading files, fetching URLs, cleaning and splitting) in worker threads
so that a bot keeps answering while an article is being added. Any number of tasks (and
processes) may add, remove and ask at once: the store takes the writes one at a time and
questions only see articles whose adding has completed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.paths import default_db_path
from corpus.errors import IngestError, QabotError
from corpus.interface import ArticleStore, open_store
from corpus.models import Article, ArticleSummary, Stats
from corpus.postgres.errors import StoreUnavailable
from corpus.prepare import prepare
from corpus.sources import Limits, Loaded, load_bytes, load_message, load_source
from index.answer import Answerer, AnswerSettings
from index.models import Answer, Hit
from index.search import RetrieverSettings
from index.search.interface import SearchBackend

if TYPE_CHECKING:
    from corpus.postgres import Indexer, IndexLag

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    retriever: RetrieverSettings = field(default_factory=RetrieverSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls) -> EngineSettings:
        max_bytes = os.environ.get("QABOT_MAX_BYTES")
        limits = Limits(max_bytes=int(max_bytes)) if max_bytes else Limits()
        rerank = os.environ.get("QABOT_RERANK", "1").strip().lower() not in {"0", "false", "no"}
        answer = AnswerSettings(
            rerank=rerank,
            threshold=_confidence("QABOT_SURE_CONFIDENCE"),
            closest=_confidence("QABOT_CLOSEST_CONFIDENCE"),
        )
        return cls(answer=answer, limits=limits)


def _confidence(name: str) -> float | None:
    """A confidence level from 0 to 1 set in the environment, or None (the fitted one)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        level = float(value)
    except ValueError:
        level = -1.0
    if not 0.0 <= level <= 1.0:
        raise QabotError(f"{name} must be a number from 0 to 1, not {value!r}")
    return level


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What became of one input: a new article, a duplicate of one, or an error."""

    name: str
    article: Article | None = None
    duplicate: bool = False
    error: str | None = None  # why it failed, without the input's name (see failed())

    @property
    def status(self) -> str:
        if self.error is not None:
            return "failed"
        return "duplicate" if self.duplicate else "added"


def failed(name: str, error: object) -> AddOutcome:
    """The outcome of an input that could not be added. corpus/'s errors begin with the
    input's name, which every report prints before the reason already: it is cut off here,
    so that no one reads "empty.txt: empty.txt: the file is empty"."""
    reason = str(error) or "could not be read"
    if reason.startswith(f"{name}: "):
        reason = reason[len(name) + 2 :]
    return AddOutcome(name, error=reason)


def tally(outcomes: Iterable[AddOutcome]) -> dict[str, int]:
    """How many inputs were added, were duplicates, failed."""
    statuses = [o.status for o in outcomes]
    return {s: statuses.count(s) for s in ("added", "duplicate", "failed")}


class Engine:
    """One store, its index and the answerer; in the scale-out mode (a PostgreSQL store,
    search on SolrCloud: ``bot.scale``) also the ``indexer`` that moves the store's index
    queue into Solr."""

    def __init__(
        self,
        store: ArticleStore,
        retriever: SearchBackend,
        settings: EngineSettings,
        indexer: Indexer | None = None,
    ) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings
        self.indexer = indexer
        self._indexing: asyncio.Task[None] | None = None
        self._stop_indexing = asyncio.Event()

    @functools.cached_property
    def answerer(self) -> Answerer:
        """The answerer, built (and its reranker loaded and checked) on first use."""
        return Answerer(self.retriever, self.settings.answer)

    @classmethod
    async def open(
        cls,
        db_path: Path | str | None = None,
        settings: EngineSettings | None = None,
        progress: bool = False,
        answers: bool = True,
    ) -> Engine:
        """Open the store and its index. With ``answers`` the answerer is built here, so that
        a missing or broken reranker model stops a command before its first question; a
        command that only adds, lists or removes articles passes False and skips loading it.
        ``db_path`` is a SQLite file's path or a ``postgresql://`` URL; with
        ``QABOT_SOLR_URL`` set, search is on SolrCloud (``bot.scale``)."""
        from bot.scale import open_search

        settings = settings or EngineSettings.from_env()
        store = await open_store(db_path or default_db_path())
        engine: Engine | None = None
        try:
            retriever, indexer = await open_search(store, settings.retriever, progress)
            engine = cls(store, retriever, settings, indexer)
            if answers:
                engine.answerer  # noqa: B018 - built now, for its errors
            return engine
        except BaseException:
            # e.g. a broken reranker folder: don't leave its thread (or connections) open
            if engine is not None:
                await engine.close()
            else:
                await store.close()
            raise

    @property
    def location(self) -> str:
        """Where the articles are: the SQLite file, or the database URL without password."""
        return str(getattr(self.store, "location", None) or self.store.path)

    def start_indexing(self) -> None:
        """In the scale-out mode, run the indexer in the background until ``close`` (``qabot
        serve`` does: any replica may, each claims its own records)."""
        if self.indexer is not None and self._indexing is None:
            self._indexing = asyncio.get_running_loop().create_task(
                self.indexer.run(self._stop_indexing), name="qabot-indexer"
            )

    async def index_pending(self) -> int:
        """In the scale-out mode, push what the index queue holds to Solr now, each batch
        tried once; raise ``SearchUnavailable`` when Solr does not answer (what is left
        stays queued, for any indexer). Return how many articles' records were done."""
        if self.indexer is None:
            return 0
        from corpus.postgres import Indexer

        once = Indexer(self.indexer.queue, self.indexer.push, attempts=1)
        done = await once.drain()
        if done:  # searchable on return, not a second later
            from index.search.solr.documents import commit

            await commit(self._solr_client())
        return done

    async def index_lag(self) -> IndexLag | None:
        """In the scale-out mode, how far the search index is behind the store."""
        if self.indexer is None:
            return None
        lag: IndexLag = await self.store.index_lag()  # type: ignore[attr-defined]
        return lag

    def _solr_client(self) -> Any:
        return self.retriever.client  # type: ignore[attr-defined]

    async def _catch_up(self) -> None:
        """After adds or a remove in the scale-out mode, with no indexer running here, push
        the queue to Solr once; if Solr (or the database) does not answer, the records stay
        queued for whichever indexer runs next."""
        if self.indexer is None or self._indexing is not None:
            return
        try:
            await self.index_pending()
        except QabotError as e:
            log.info("the search index was not updated now: %s", e)

    async def close(self) -> None:
        try:
            if self._indexing is not None:
                self._stop_indexing.set()
                self._indexing.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._indexing
                self._indexing = None
            close = getattr(self.retriever, "close", None)
            if close is not None:
                await close()
        finally:
            await self.store.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def add_source(
        self, source: str, added_by: str, on_each: Callable[[AddOutcome], None] | None = None
    ) -> list[AddOutcome]:
        """Add every article found at a path, directory, URL or ``-`` (standard input)."""
        return await self._add_all(load_source(source, self.settings.limits), added_by, on_each)

    async def add_bytes(self, name: str, data: bytes, added_by: str) -> list[AddOutcome]:
        """Add the articles of an uploaded file, its format known by its name."""
        return await self._add_all(load_bytes(name, data, self.settings.limits), added_by, None)

    async def add_text(self, text: str, added_by: str, source: str | None = None) -> AddOutcome:
        """Add a pasted text; its first line is the title."""
        outcomes = await self._add_all(iter([load_message(text, source)]), added_by, None)
        return outcomes[0]

    async def _add_all(
        self,
        items: Iterator[Loaded],
        added_by: str,
        on_each: Callable[[AddOutcome], None] | None,
    ) -> list[AddOutcome]:
        queued = self.indexer is not None  # the index queue, not this process, feeds Solr
        if not queued:
            await self.retriever.sync()  # first, so a stale index is seen before adds hide it
        outcomes: list[AddOutcome] = []
        while (item := await asyncio.to_thread(next, items, None)) is not None:
            outcome = await self._add_one(item, added_by)
            outcomes.append(outcome)
            if on_each is not None:
                on_each(outcome)
        if queued:
            if any(o.status == "added" for o in outcomes):
                await self._catch_up()
        else:
            await self.retriever.sync()
        return outcomes

    async def _add_one(self, item: Loaded, added_by: str) -> AddOutcome:
        if item.draft is None:
            return failed(item.name, item.error or "")
        try:
            prepared = await asyncio.to_thread(prepare, item.draft)
        except IngestError as e:
            return failed(item.name, e)
        try:
            result = await self.store.add(prepared, added_by)
        except StoreUnavailable as e:  # says whether it was stored; the next ones are tried
            return failed(item.name, e)
        return AddOutcome(item.name, article=result.article, duplicate=result.duplicate)

    async def remove(self, article_id: int) -> Article | None:
        """Remove an article; the index masks its passages at once (on SolrCloud, hits of
        removed articles are left out until the deletion reaches Solr)."""
        if self.indexer is not None:
            removed = await self.store.remove(article_id)  # its deletion is queued with it
            if removed is not None:
                await self._catch_up()
            return removed
        await self.retriever.sync()  # first, so a stale index is seen before the removal
        passage_ids = await self.store.passage_ids_of(article_id)
        article = await self.store.remove(article_id)
        if article is not None:
            await self.retriever.sync(removed=passage_ids)
        return article

    async def get(self, article_id: int) -> Article | None:
        return await self.store.get(article_id)

    async def list_articles(
        self, limit: int | None = None, offset: int = 0
    ) -> list[ArticleSummary]:
        return await self.store.list_articles(limit, offset)

    async def stats(self) -> Stats:
        return await self.store.stats()

    async def search(self, query: str, k: int = 10, article_id: int | None = None) -> list[Hit]:
        return await self.retriever.search(query, k, article_id)

    async def ask(self, question: str) -> Answer:
        return await self.answerer.ask(question)

    async def reindex(self) -> None:
        """Rebuild the search index from the stored articles. In the scale-out mode: queue
        every article again, push the queue into Solr (``SearchUnavailable`` if Solr does
        not answer: the records stay queued for any indexer), then delete the passages of
        articles Solr holds and the store does not (a deletion lost, a store replaced)."""
        if self.indexer is None:
            await self.retriever.reindex()
            return
        from index.search.solr import documents

        await self.store.queue_all()  # type: ignore[attr-defined]
        await self.index_pending()
        client = self._solr_client()
        facet = {"ids": {"type": "terms", "field": "article_id", "limit": -1}}
        body = await client.query({"query": "*:*", "limit": 0, "facet": facet})
        held = {int(b["val"]) for b in body.get("facets", {}).get("ids", {}).get("buckets", [])}
        orphans = sorted(held - set(await self.store.articles(held)))
        if orphans:
            await documents.delete_articles(client, orphans, commit_within_ms=None)
            await documents.commit(client)
        await self.retriever.sync()  # the collection's facts, read again
