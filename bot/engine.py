"""The application service every adapter calls: add, remove, list, search and ask.

It wires the store (corpus), the retriever and the answerer (index) together, and runs
blocking work (reading files, fetching URLs, cleaning and splitting) in worker threads
so that a bot keeps answering while an article is being added. Any number of tasks (and
processes) may add, remove and ask at once: the store takes the writes one at a time and
questions only see articles whose adding has completed.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.paths import default_db_path
from corpus.errors import IngestError, QabotError
from corpus.models import Article, ArticleSummary, Stats
from corpus.prepare import prepare
from corpus.sources import Limits, Loaded, load_bytes, load_message, load_source
from corpus.store import Store
from index.answer import Answerer, AnswerSettings
from index.models import Answer, Hit
from index.search import Retriever, RetrieverSettings


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
    """One store, its index and the answerer."""

    def __init__(self, store: Store, retriever: Retriever, settings: EngineSettings) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings

    @functools.cached_property
    def answerer(self) -> Answerer:
        """The answerer, built (and its reranker loaded and checked) on first use."""
        return Answerer(self.retriever, self.settings.answer)

    @classmethod
    async def open(
        cls,
        db_path: Path | None = None,
        settings: EngineSettings | None = None,
        progress: bool = False,
        answers: bool = True,
    ) -> Engine:
        """Open the store and its index. With ``answers`` the answerer is built here, so that
        a missing or broken reranker model stops a command before its first question; a
        command that only adds, lists or removes articles passes False and skips loading it."""
        settings = settings or EngineSettings.from_env()
        store = await Store.open(db_path or default_db_path())
        try:
            engine = cls(store, Retriever(store, settings.retriever, progress=progress), settings)
            if answers:
                engine.answerer  # noqa: B018 - built now, for its errors
            return engine
        except BaseException:
            await store.close()  # e.g. a broken reranker folder: don't leave its thread running
            raise

    async def close(self) -> None:
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
        await self.retriever.sync()  # first, so a stale index is seen before adds hide it
        outcomes: list[AddOutcome] = []
        while (item := await asyncio.to_thread(next, items, None)) is not None:
            outcome = await self._add_one(item, added_by)
            outcomes.append(outcome)
            if on_each is not None:
                on_each(outcome)
        await self.retriever.sync()
        return outcomes

    async def _add_one(self, item: Loaded, added_by: str) -> AddOutcome:
        if item.draft is None:
            return failed(item.name, item.error or "")
        try:
            prepared = await asyncio.to_thread(prepare, item.draft)
        except IngestError as e:
            return failed(item.name, e)
        result = await self.store.add(prepared, added_by)
        return AddOutcome(item.name, article=result.article, duplicate=result.duplicate)

    async def remove(self, article_id: int) -> Article | None:
        """Remove an article; the index masks its passages at once."""
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
        """Rebuild the search index from the stored articles."""
        await self.retriever.reindex()
