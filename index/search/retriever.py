"""The retriever: keeps the inverted index in step with the store and returns hits.

Before each search it asks the store for its generation; when another process (or this
one) added or removed articles since, it analyzes only the new passages into a new
segment and masks the removed ones, persisting both, so a restart never re-tokenizes.
Updates take turns: within a process under a lock, across processes under the index's
file lock, each starting from the manifest on disk. An index built for another database
(its id differs) or newer than the database (restored from a backup) is rebuilt.
CPU work runs in a worker thread, so questions keep being answered meanwhile.

Each passage is analyzed in its article's language, each question in its own (detected,
with the chat's language and then the collection's main language to fall back on;
``index.search.languages``). In a collection of several languages a question is searched
among the passages of its language, when the collection has any.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from corpus.language import detect_question
from corpus.models import IndexRow
from corpus.store import Store
from index.models import Hit
from index.search import segment as seg
from index.search.analyze import AnalyzerConfig
from index.search.bm25 import BM25Params
from index.search.files import IndexFiles, Manifest, live_mask
from index.search.inverted import InvertedIndex, Scored
from index.search.languages import Analyzers, chat_language, set_question_language

MERGE_AT = 8
BATCH = 5_000  # passages analyzed at a time: bounds the memory a large add takes
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetrieverSettings:
    analyzer: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    # Plus with k1 0.9, b 0.4: chosen by answer recall on a tuning split of SQuAD.
    bm25: BM25Params = field(default_factory=lambda: BM25Params(k1=0.9, b=0.4))
    index_titles: bool = True


class Retriever:
    """BM25 passage search over a store, incremental and persistent."""

    def __init__(self, store: Store, settings: RetrieverSettings, progress: bool = False) -> None:
        self.store = store
        self.settings = settings
        # One analyzer per language; called as ``analyzer`` (the answerer does), it analyzes
        # in the language of the question being answered.
        self.analyzers = Analyzers(settings.analyzer)
        self.analyzer: Callable[[str], list[str]] = self.analyzers
        self.languages: dict[str, int] = {}  # articles per language, most first
        self._in_language: dict[str, NDArray[np.int64]] = {}
        self.index = InvertedIndex(settings.bm25)
        self.files = IndexFiles.beside(store.path)
        self.progress = progress
        self._manifest = self._empty(serial=-1)
        self._loaded: dict[str, seg.Segment] = {}
        self._generation = -2
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls, store: Store, settings: RetrieverSettings | None = None, progress: bool = False
    ) -> Retriever:
        retriever = cls(store, settings or RetrieverSettings(), progress)
        await retriever.sync()
        return retriever

    async def sync(self, removed: Sequence[int] = ()) -> None:
        """Bring the index up to date with the store, if the store changed.

        ``removed``: passage ids this process just deleted, masked without a full check.
        """
        if not removed and await self.store.generation() == self._generation:
            return
        async with self._lock, self.files.locked():
            try:
                await self._sync_locked(removed)
            except BaseException:
                self._forget()  # the index in memory may be ahead of the manifest
                raise

    async def _sync_locked(self, removed: Sequence[int]) -> None:
        generation = await self.store.generation()
        if not removed and generation == self._generation:
            return
        manifest = await self._current(generation)
        changed = False
        if removed:
            self.index.remove(removed)
            manifest.removed = sorted(set(manifest.removed) | set(removed))
            changed = True
        changed |= await self._catch_up(manifest)
        changed |= await self._drop_removed(manifest)
        if len(manifest.segments) > MERGE_AT:
            changed |= await asyncio.to_thread(self._merge_small, manifest)
        if changed or manifest.generation != generation:
            manifest.generation = generation
            await asyncio.to_thread(self.files.write, manifest)
        if generation != self._generation:
            self.languages = await self.store.languages()
            self._in_language = {}
            self.analyzers.default = next(iter(self.languages), self.analyzers.default)
        self._manifest = manifest
        self._generation = generation

    async def _current(self, generation: int) -> Manifest:
        """The manifest on disk with its segments loaded; an empty one if it can't be trusted."""
        manifest = self.files.read(self.analyzers.key())
        reason = self._distrust(manifest, generation)
        if reason is None and (manifest != self._manifest or not self._loaded):
            try:
                await asyncio.to_thread(self._load, manifest)
            except (OSError, ValueError, KeyError) as e:
                reason = f"a segment file could not be read ({e})"
        if reason is None:
            return manifest
        log.warning("rebuilding the search index %s from the store: %s", self.files.dir, reason)
        self._loaded = {}
        self.index.replace([])
        return self._empty(manifest.serial)

    def _distrust(self, manifest: Manifest, generation: int) -> str | None:
        """Why the manifest on disk does not describe this store, or None if it does."""
        if manifest.serial == 0:  # no index yet (or an unreadable one): built from scratch
            manifest.db_id = self.store.db_id
        elif not manifest.db_id:
            return "it does not name its database (an older qabot built it)"
        elif manifest.db_id != self.store.db_id:
            return "it was built for another database (the file was replaced)"
        elif manifest.generation > generation:
            return "it is newer than the database (restored from a backup?)"
        return None

    def _empty(self, serial: int) -> Manifest:
        return Manifest(analyzer=self.analyzers.key(), serial=serial, db_id=self.store.db_id)

    def _forget(self) -> None:
        """Make the next sync reload the index from disk."""
        self._manifest = self._empty(serial=-1)
        self._generation = -2

    def _load(self, manifest: Manifest) -> None:
        removed = np.asarray(manifest.removed, dtype=np.int64)
        loaded = {
            name: self._loaded.get(name) or self.files.load_segment(name)
            for name in manifest.segments
        }
        self._loaded = loaded
        self.index.replace([(s, live_mask(s, removed)) for s in loaded.values()])

    async def _catch_up(self, manifest: Manifest) -> bool:
        """Analyze passages newer than the index into a new segment."""
        after = manifest.max_passage_id
        total = await self.store.count_passages(after)
        if total == 0:
            return False
        bar = tqdm(
            total=total,
            desc="indexing",
            unit=" passages",
            file=sys.stderr,
            disable=not self.progress or total < 5000,
        )
        built: list[seg.Segment] = []
        async for rows in self.store.passages_for_indexing(after, BATCH):
            built.append(await asyncio.to_thread(self._build, rows))
            after = rows[-1].id
            bar.update(len(rows))
        bar.close()
        if len(built) > 1:
            parts = [(s, np.ones(s.size, dtype=np.bool_)) for s in built]
            built = [await asyncio.to_thread(seg.merge, parts)]
        for segment in built:
            name = await asyncio.to_thread(self.files.save_segment, segment)
            manifest.segments.append(name)
            self._loaded[name] = segment
            self.index.add(segment)
        manifest.max_passage_id = max(manifest.max_passage_id, after)
        return True

    def _build(self, rows: Sequence[IndexRow]) -> seg.Segment:
        """A segment of these passages, with the terms of their sentences for the answerer."""
        titles = self.settings.index_titles
        of = self.analyzers.of
        docs = [of(r.language)(f"{r.title}\n{r.text}" if titles else r.text) for r in rows]
        sentences = ([of(r.language)(s) for s in r.sentences] for r in rows)
        return seg.build([r.id for r in rows], docs, sentences)

    async def _drop_removed(self, manifest: Manifest) -> bool:
        """Mask passages that the store no longer has."""
        if await self.store.count_passages() == len(self.index):
            return False
        present = np.asarray(await self.store.passage_ids(), dtype=np.int64)
        gone = np.setdiff1d(self.index.passage_ids(), present)
        self.index.remove(gone.tolist())
        manifest.removed = sorted(set(manifest.removed) | set(gone.tolist()))
        return True

    def _merge_small(self, manifest: Manifest) -> bool:
        """Merge the segments on each side of the largest, so searches visit at most three.

        Only neighbours merge: segments then stay in passage id order, as merging needs, and
        segments of equal size (one per added article) merge too.
        """
        snap = self.index.snapshot
        sizes = [s.size for s in snap.segments]
        big = sizes.index(max(sizes))
        pairs = list(zip(snap.segments, snap.live, strict=True))
        runs = [run for run in (pairs[big + 1 :], pairs[:big]) if len(run) >= 2]
        for run in runs:
            self._merge_run(manifest, run)
        return bool(runs)

    def _merge_run(
        self, manifest: Manifest, run: list[tuple[seg.Segment, NDArray[np.bool_]]]
    ) -> None:
        merged = seg.merge(run)
        name = self.files.save_segment(merged)
        self.index.swap_merged([s for s, _ in run], merged)
        dropped = {n for n, s in self._loaded.items() if any(s is r for r, _ in run)}
        position = min(manifest.segments.index(n) for n in dropped)
        manifest.segments = [n for n in manifest.segments if n not in dropped]
        manifest.segments.insert(position, name)
        self._loaded = {n: self._loaded.get(n) or merged for n in manifest.segments}

    async def reindex(self) -> None:
        """Throw the stored index away and build it again from the store."""
        async with self._lock, self.files.locked():
            empty = self._empty(self.files.read(self.analyzers.key()).serial)
            await asyncio.to_thread(self.files.write, empty)
            self._loaded = {}
            self.index.replace([])
            self._manifest = empty
            self._generation = -2
        await self.sync()

    def language_of(self, question: str, fallback: str | None = None) -> str:
        """The language of a question: detected, the collection's languages preferred; when
        unsure, ``fallback``, else the chat's language (``languages.speaking``), else the
        collection's main language."""
        fallback = fallback or chat_language() or self.analyzers.default
        return detect_question(question, fallback=fallback, known=self.languages)

    async def search(
        self,
        query: str,
        k: int = 10,
        article_id: int | None = None,
        whole: bool = False,
        language: str | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``, optionally within one article.

        The query is analyzed in ``language`` (by default its detected language, see
        ``language_of``), which is recorded as this task's question language for the
        answerer (``languages.question_language``); a collection of several languages is
        searched within that language's passages, when it has any.

        With ``whole``, an index of at most ``k`` passages is read in full for a query with a
        word to search: the passages without a word of the query follow the others, scored 0,
        so that a question worded unlike the text still reaches the sentences that answer it.
        While an update of the index is under way, the question is answered from the index as
        it stands rather than waiting for the update to finish.
        """
        if not self._lock.locked():
            await self.sync()
        language = language or self.language_of(query)
        set_question_language(language)
        allowed = None
        if article_id is not None:
            allowed = np.asarray(await self.store.passage_ids_of(article_id), dtype=np.int64)
        pool = await self._passages_in(language)
        if pool is not None:
            allowed = pool if allowed is None else np.intersect1d(allowed, pool)
        terms = self.analyzers.of(language)(query)
        scored = self.index.search(terms, k, allowed)
        size = len(self.index) if pool is None else pool.size
        if whole and terms and article_id is None and len(scored) < size <= k:
            found = {s.passage_id for s in scored}
            live = self.index.passage_ids()
            if pool is not None:
                live = live[np.isin(live, pool)]
            rest = sorted(int(i) for i in live if int(i) not in found)
            scored = [*scored, *(Scored(i, 0.0) for i in rest)]
        return await self.hits(scored)

    async def _passages_in(self, language: str) -> NDArray[np.int64] | None:
        """The passages a question in ``language`` is searched among: those of its language
        in a collection of several languages that has it; None (all) otherwise."""
        if len(self.languages) < 2 or language not in self.languages:
            return None
        found = self._in_language.get(language)
        if found is None:
            ids = await self.store.passage_ids_in(language)
            found = self._in_language[language] = np.asarray(ids, dtype=np.int64)
        return found

    async def hits(self, scored: Sequence[Scored]) -> list[Hit]:
        """Scored passage ids joined with their text, sentences (and their terms, as
        analyzed when the passage was indexed) and article metadata."""
        passages = await self.store.passages([s.passage_id for s in scored])
        articles = await self.store.articles(p.article_id for p in passages.values())
        out: list[Hit] = []
        for s in scored:
            p = passages.get(s.passage_id)
            if p is None:
                continue
            a = articles.get(p.article_id)
            if a is None:  # removed since the passages were read
                continue
            out.append(
                Hit(
                    passage_id=s.passage_id,
                    article_id=p.article_id,
                    score=s.score,
                    title=a.title,
                    url=a.url,
                    published=a.published,
                    source=a.source,
                    text=p.text,
                    start=p.start,
                    sentences=p.sentences,
                    terms=self.index.sentence_terms(s.passage_id),
                )
            )
        return out

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Corpus idf of analyzed terms (terms absent from the corpus are left out)."""
        return self.index.idf(terms)
