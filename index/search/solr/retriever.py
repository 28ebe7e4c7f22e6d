"""``SolrRetriever``: the embedded retriever's interface (``index.search.interface``) over a
SolrCloud collection.

A question costs one Solr request (JSON Request API): the passages, Solr's BM25 over the
question's pre-analyzed terms (``index.search.solr.query``), with their stored fields; in the
same answer the collection-wide document frequency of each question term (the ``terms``
component's ``terms.list``, summed over the shards) and the number of live passages (the
component's ``indexstats``); and, when the cached collection facts are older than
``facts_ttl`` seconds, the total of the passages' lengths and the passages per language (a
JSON facet whose domain is every document, whatever the filters).

Why those sources: a ``rows=0`` select or the terms component answer through any node for
the whole collection (Luke's handler answers for one core, one shard); ``{!func}docfreq``
reads the shard that computes it, not the collection. The terms component's document
frequencies are Lucene's: they count a deleted or replaced passage until its segment is
merged, as Lucene's own BM25 statistics do.

Scores: with ``SolrRetrieverSettings.rescore`` (the default) Solr's BM25 chooses
``overfetch`` times ``k`` candidates, and each is scored by qabot's own formula
(``RetrieverSettings.bm25``, rank-bm25's BM25Plus: the scores the answerer's models were
fitted on) from its term frequencies (``termfreq`` of each question term, returned with the
document) and its exact length, with Solr's collection-wide statistics; the best ``k`` by that
score are the hits. Without it the hits are Solr's own, scored by Lucene's BM25.

``idf`` is the embedded engine's idf (``index.search.bm25.idf``) of the document frequencies
that came with the last question, so the answerer's features mean what they meant; a term
it has not seen with a question is left out, as a term absent from the corpus is.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from corpus.errors import QabotError
from corpus.language import detect_question
from corpus.models import Sentence
from index.models import Hit
from index.search import bm25
from index.search.bm25 import BM25Params
from index.search.languages import Analyzers, chat_language, set_question_language
from index.search.retriever import RetrieverSettings
from index.search.solr import documents as solr_docs
from index.search.solr.client import Json, SolrClient, SolrSettings
from index.search.solr.query import counted, term_list, terms_query

DF_CACHE = 100_000  # document frequencies kept (a term's, from the last question asking it)
TIES = 5  # passages fetched beyond k, so that ties at the k-th place are broken by passage id


@dataclass(frozen=True, slots=True)
class SolrRetrieverSettings:
    """``retriever``: the analyzer, BM25 parameters and title indexing, as the embedded
    engine's (the collection's similarity must have the same k1 and b); ``rescore``: score
    hits by qabot's formula (see the module); ``overfetch``: candidates per hit then;
    ``facts_ttl``: seconds the collection's size, lengths and languages are kept."""

    retriever: RetrieverSettings = field(default_factory=RetrieverSettings)
    rescore: bool = True
    overfetch: int = 3
    facts_ttl: float = 2.0


@dataclass(frozen=True, slots=True)
class Facts:
    """What the answerer reads of the index: ``n_docs`` (live passages), ``total_len``
    (their terms), ``all_df`` (only Okapi needs it: not kept, so always empty)."""

    n_docs: int = 0
    total_len: float = 0.0
    languages: tuple[tuple[str, int], ...] = ()
    at: float = -math.inf
    all_df: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @property
    def avgdl(self) -> float:
        return self.total_len / self.n_docs if self.n_docs else 0.0


class SolrIndex:
    """The index's facts as the answerer reads them: ``len``, ``snapshot``, ``params``."""

    def __init__(self, params: BM25Params) -> None:
        self.params = params
        self.facts = Facts()

    @property
    def snapshot(self) -> Facts:
        return self.facts

    def __len__(self) -> int:
        return self.facts.n_docs


class SolrSentences:
    """Sentences of an article read from its passages' documents (the answerer reads the
    sentence before a quote that leans on it this way), so no article database is read."""

    def __init__(self, client: SolrClient) -> None:
        self.client = client

    async def sentences(self, article_id: int, positions: Iterable[int]) -> list[Sentence]:
        """Sentences of one article at the given positions (missing ones skipped), in order."""
        wanted = sorted(set(positions))
        if not wanted:
            return []
        lo, hi = wanted[0], wanted[-1]
        body: Json = {
            "query": "*:*",
            "filter": [
                f"article_id:{int(article_id)}",
                f"{solr_docs.FIRST}:[* TO {hi}]",
                f"{solr_docs.LAST}:[{lo} TO *]",
            ],
            "fields": "passage_id,article_id,sentences",
            "limit": 10_000,
            "sort": "passage_id asc",
        }
        found: dict[int, Sentence] = {}
        for doc in (await self.client.query(body))["response"]["docs"]:
            for s in solr_docs.hit_of(doc, 0.0).sentences:
                if s.position in wanted:
                    found[s.position] = s
        return [found[p] for p in sorted(found)]


class SolrRetriever:
    """BM25 passage search in a SolrCloud collection, with the embedded ``Retriever``'s
    interface (``index.search.interface.SearchBackend``).

    ``source`` (optional): an article store to keep the collection in step with, as the
    embedded retriever does (``sync`` indexes passages newer than the collection's newest
    and deletes the ``removed`` ones; ``reindex`` rebuilds from it). Without one the
    collection is kept by whoever indexes into it (``index.search.solr.documents``).
    """

    def __init__(
        self,
        client: SolrClient,
        settings: SolrRetrieverSettings | None = None,
        source: solr_docs.IndexSource | None = None,
    ) -> None:
        self.client = client
        self.settings = settings or SolrRetrieverSettings()
        params = self.settings.retriever.bm25
        if params.variant == "okapi":
            raise QabotError("the Solr retriever has no Okapi idf floor: use BM25 variant plus")
        self.analyzers = Analyzers(self.settings.retriever.analyzer)
        self.analyzer: Callable[[str], list[str]] = self.analyzers
        self.index = SolrIndex(params)
        self.store = SolrSentences(client)
        self.source = source
        self.progress = False
        self._df: OrderedDict[str, float] = OrderedDict()
        self._lock = asyncio.Lock()

    @classmethod
    async def open(
        cls,
        settings: SolrRetrieverSettings | None = None,
        solr: SolrSettings | None = None,
        source: solr_docs.IndexSource | None = None,
    ) -> SolrRetriever:
        """A retriever on the collection of ``solr`` (by default ``QABOT_SOLR_URL`` and
        ``QABOT_SOLR_COLLECTION``), its facts read once."""
        retriever = cls(SolrClient(solr or SolrSettings.from_env()), settings, source)
        try:
            await retriever.sync()
        except BaseException:
            await retriever.close()
            raise
        return retriever

    async def close(self) -> None:
        await self.client.close()

    @property
    def languages(self) -> dict[str, int]:
        """Passages per language, most first."""
        return dict(self.index.facts.languages)

    async def sync(self, removed: Sequence[int] = ()) -> None:
        """Read the collection's facts again; with a ``source``, delete ``removed`` passages
        and index the source's passages newer than the collection's newest."""
        if self.source is not None:
            async with self._lock:
                await solr_docs.delete_passages(self.client, removed)
                newest = await self._newest()
                sent = await solr_docs.index_passages(
                    self.client,
                    self.source,
                    self.analyzers,
                    after_id=newest,
                    titles=self.settings.retriever.index_titles,
                )
                if sent or removed:
                    await solr_docs.commit(self.client)
        await self._read_facts()

    async def _read_facts(self) -> None:
        body: Json = {"query": "*:*", "limit": 0, "facet": _facts_facet()}
        self._take_facts(await self.client.query(body), None)

    async def reindex(self) -> None:
        """Empty the collection and index every passage of ``source`` again."""
        if self.source is None:
            raise QabotError("this Solr retriever has no article store to reindex from")
        async with self._lock:
            await solr_docs.delete_all(self.client)
            await solr_docs.commit(self.client)
        await self.sync()

    async def _newest(self) -> int:
        body: Json = {"query": "*:*", "limit": 1, "fields": "passage_id", "sort": "passage_id desc"}
        docs = (await self.client.query(body))["response"]["docs"]
        return int(docs[0]["passage_id"]) if docs else 0

    def language_of(self, question: str, fallback: str | None = None) -> str:
        """The language of a question, as ``Retriever.language_of`` decides it."""
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
        """The ``k`` best passages for ``query``, as ``Retriever.search`` gives them (the
        language, the passages of that language in a collection of several, ``whole``)."""
        if self.index.facts.at == -math.inf:  # never read: the languages decide the pool
            await self._read_facts()
        language = language or self.language_of(query)
        set_question_language(language)
        terms = counted(self.analyzers.of(language)(query))
        filters = []
        if article_id is not None:
            filters.append(f"article_id:{int(article_id)}")
        pool = self._pool(language)
        if pool is not None:
            filters.append(f"language:{_quote(pool)}")
        if not terms or k <= 0:
            return []
        rescore = self.settings.rescore
        # a few more than k: passages tied with the k-th are then ordered by id, as embedded
        fetch = k * max(1, self.settings.overfetch) if rescore else k + TIES
        fields = [solr_docs.STORED, "score"]
        params: dict[str, Any] = {
            "terms": "true",
            "terms.fl": "terms",
            "terms.list": term_list(t for t, _ in terms),
            "terms.stats": "true",
        }
        if rescore:
            for i, (t, _) in enumerate(terms):
                params[f"qt{i}"] = t
                fields.append(f"tf{i}:termfreq(terms,$qt{i})")
        body: Json = {
            "query": terms_query(terms),
            "filter": filters,
            "limit": fetch,
            "fields": ",".join(fields),
            # Solr's order (score); ties are ordered here, by passage id
            "params": params,
        }
        stale = time.monotonic() - self.index.facts.at > self.settings.facts_ttl
        if stale:
            body["facet"] = _facts_facet()
        answer = await self.client.query(body)
        df = self._take_df(answer, [t for t, _ in terms])
        self._take_facts(answer, _index_stats(answer) if not stale else None)
        docs: list[Json] = answer["response"]["docs"]
        if rescore:
            scored = self._rescored(docs, terms, df)[:k]
        else:
            scored = sorted(
                ((float(d["score"]), d) for d in docs),
                key=lambda p: (-p[0], int(p[1]["passage_id"])),
            )[:k]
        hits = [solr_docs.hit_of(d, s) for s, d in scored]
        size = len(self.index) if pool is None else self.languages.get(pool, 0)
        if whole and article_id is None and len(hits) < size <= k:
            hits += await self._rest(hits, filters)
        return hits

    def _pool(self, language: str) -> str | None:
        """The language a question's passages are searched among, in a collection of
        several languages that has it; None (all) otherwise."""
        languages = self.languages
        if len(languages) < 2 or language not in languages:
            return None
        return language

    async def _rest(self, hits: list[Hit], filters: list[str]) -> list[Hit]:
        """The passages no hit holds, scored 0, in passage id order (``whole``)."""
        found = {h.passage_id for h in hits}
        body: Json = {
            "query": "*:*",
            "filter": filters,
            "limit": len(found) + max(len(self.index), 1),
            "fields": solr_docs.STORED,
            "sort": "passage_id asc",
        }
        docs = (await self.client.query(body))["response"]["docs"]
        return [solr_docs.hit_of(d, 0.0) for d in docs if int(d["passage_id"]) not in found]

    def _rescored(
        self, docs: list[Json], terms: Sequence[tuple[str, int]], df: dict[str, float]
    ) -> list[tuple[float, Json]]:
        """The documents scored by qabot's BM25 formula, best first, ties by passage id; a
        document without its length (indexed by another program) keeps Solr's score."""
        params = self.index.params
        facts = self.index.facts
        known = [(i, t, n) for i, (t, n) in enumerate(terms) if df.get(t, 0.0) > 0]
        if not known or not facts.n_docs:
            return [(float(d["score"]), d) for d in docs]
        idf = bm25.idf(
            params, np.array([df[t] for _, t, _ in known]), facts.n_docs, facts.all_df
        ).tolist()
        base = sum(n * bm25.constant(params, w) for (_, _, n), w in zip(known, idf, strict=True))
        avgdl = facts.avgdl or 1.0
        out: list[tuple[float, Json]] = []
        for d in docs:
            length = d.get(solr_docs.LENGTH)
            if length is None:
                out.append((float(d["score"]), d))
                continue
            norm = float(bm25.length_norm(params, np.array([float(length)]), avgdl)[0])
            score = base
            for (i, _, n), w in zip(known, idf, strict=True):
                tf = float(d.get(f"tf{i}", 0))
                if tf > 0:
                    score += n * _term_score(params, w, tf, norm)
            out.append((score, d))
        out.sort(key=lambda p: (-p[0], int(p[1]["passage_id"])))
        return out

    def _take_df(self, answer: Json, terms: list[str]) -> dict[str, float]:
        """The question terms' document frequencies from the terms component (0: absent)."""
        found = _term_counts(answer.get("terms", {}).get("terms", []))
        df = {t: float(found.get(t, 0)) for t in terms}
        for t, v in df.items():
            self._df[t] = v
            self._df.move_to_end(t)
        while len(self._df) > DF_CACHE:
            self._df.popitem(last=False)
        return df

    def _take_facts(self, answer: Json, n_docs: int | None) -> None:
        """Keep the collection's facts from a JSON facet over all documents; or, without
        one, only the number of live passages the terms component counted."""
        everything = answer.get("facets", {}).get("all")
        facts = self.index.facts
        if everything is None:
            if n_docs is not None and n_docs != facts.n_docs:
                # passages came or went since: keep the average length, scale the total
                total = facts.avgdl * n_docs
                self.index.facts = Facts(n_docs, total, facts.languages, facts.at)
            return
        buckets = everything.get("languages", {}).get("buckets", [])
        languages = tuple(
            sorted(((str(b["val"]), int(b["count"])) for b in buckets), key=lambda p: -p[1])
        )
        n = int(everything.get("count", 0))
        self.index.facts = Facts(
            n_docs=n,
            total_len=float(everything.get("length", 0.0) or 0.0),
            languages=languages,
            at=time.monotonic(),
        )
        if languages:
            self.analyzers.default = languages[0][0]

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """Corpus idf of analyzed terms, by the embedded engine's formula, from the document
        frequencies Solr gave with the questions asked (terms absent or unseen are left out)."""
        known = [t for t in dict.fromkeys(terms) if self._df.get(t, 0.0) > 0]
        facts = self.index.facts
        if not known or not facts.n_docs:
            return {}
        df = np.array([self._df[t] for t in known])
        values = bm25.idf(self.index.params, df, facts.n_docs, facts.all_df)
        return dict(zip(known, values.tolist(), strict=True))


def _term_score(params: BM25Params, idf: float, tf: float, norm: float) -> float:
    """One query term's score in a passage holding it, the constant share excluded, by
    ``bm25.scores_in_place``."""
    out = bm25.scores_in_place(params, idf, np.array([tf]), np.array([norm]))
    return float(out[0])


def _facts_facet() -> Json:
    """A JSON facet over every document (whatever the query and filters): how many, their
    total length, and how many in each language."""
    return {
        "all": {
            "type": "query",
            "q": "*:*",
            "domain": {"query": "*:*"},
            "facet": {
                "length": f"sum({solr_docs.LENGTH})",
                "languages": {"type": "terms", "field": "language", "limit": -1},
            },
        }
    }


def _index_stats(answer: Json) -> int | None:
    stats = answer.get("indexstats")
    if isinstance(stats, dict) and "numDocs" in stats:
        return int(stats["numDocs"])
    return None


def _term_counts(flat: Any) -> dict[str, int]:
    """The terms component's list: ``[term, df, ...]`` or ``[term, {"df": .., ...}, ...]``."""
    out: dict[str, int] = {}
    if isinstance(flat, dict):
        items = list(flat.items())
    else:
        items = list(zip(flat[::2], flat[1::2], strict=False))
    for term, value in items:
        out[str(term)] = int(value["df"] if isinstance(value, dict) else value)
    return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
