"""Passages as Solr documents, and the updates that put them in the collection.

A document carries everything the answerer reads of a passage (its text and offset, its
sentences with their positions and offsets, each sentence's terms, its article's id, title,
url, date, source and language), so that an answer takes one Solr round trip and no read of
the article database. ``terms`` is the passage's terms (under its article's title, as the
embedded engine indexes them) analyzed by qabot's own analyzer in the article's language and
joined by spaces; the collection's ``terms`` field splits on white space only, so Lucene
indexes exactly these terms. ``terms_length_i`` is their number, the passage length
rank-bm25's formula reads (Lucene keeps lengths in one byte, rounded above about 40).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

from corpus.models import ArticleSummary, IndexRow, Sentence, StoredPassage
from index.models import Hit
from index.search.languages import Analyzers
from index.search.solr.client import Json, SolrClient

BATCH = 500  # documents per update request
COMMIT_WITHIN_MS = 1000  # added documents are searchable within a second
LENGTH = "terms_length_i"
FIRST, LAST = "first_sentence_i", "last_sentence_i"
STORED = (
    "passage_id,article_id,title,url,published,source,language,text,start,"
    f"sentences,sentence_terms,{LENGTH}"
)


class IndexedPassage(Protocol):
    """A passage as an index queue hands it over (``corpus.postgres.PassageDocument``): in
    the shapes the store's readers give."""

    def index_row(self) -> IndexRow: ...

    def stored_passage(self) -> StoredPassage: ...

    def article(self) -> ArticleSummary: ...


class IndexSource(Protocol):
    """What indexing reads of an article store (``corpus.store.Store`` has it)."""

    def passages_for_indexing(
        self, after_id: int = 0, batch: int = 5000
    ) -> AsyncIterator[list[IndexRow]]: ...

    async def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]: ...

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]: ...


def passage_document(
    row: IndexRow,
    passage: StoredPassage,
    article: ArticleSummary,
    analyzers: Analyzers,
    titles: bool = True,
) -> Json:
    """The Solr document of one passage; its terms analyzed in its article's language."""
    analyze = analyzers.of(row.language)
    terms = analyze(f"{row.title}\n{row.text}" if titles else row.text)
    sentences = passage.sentences
    doc: Json = {
        "id": str(passage.id),
        "passage_id": passage.id,
        "article_id": passage.article_id,
        "title": article.title,
        "language": row.language,
        "text": passage.text,
        "start": passage.start,
        "sentences": json.dumps(
            [
                {"position": s.position, "start": s.start, "end": s.end, "text": s.text}
                for s in sentences
            ],
            ensure_ascii=False,
        ),
        "sentence_terms": json.dumps([analyze(s.text) for s in sentences], ensure_ascii=False),
        "terms": " ".join(terms),
        LENGTH: len(terms),
    }
    if sentences:
        doc[FIRST] = sentences[0].position
        doc[LAST] = sentences[-1].position
    for name in ("url", "published", "source"):
        value = getattr(article, name)
        if value is not None:
            doc[name] = value
    return doc


def hit_of(doc: Json, score: float) -> Hit:
    """A search result document as the answerer's ``Hit``."""
    sentences = tuple(
        Sentence(int(s["position"]), int(s["start"]), int(s["end"]), str(s["text"]))
        for s in json.loads(doc.get("sentences") or "[]")
    )
    raw_terms = json.loads(doc.get("sentence_terms") or "[]")
    terms = tuple(None if t is None else tuple(str(x) for x in t) for t in raw_terms)
    return Hit(
        passage_id=int(doc["passage_id"]),
        article_id=int(doc["article_id"]),
        score=score,
        title=str(doc.get("title", "")),
        url=doc.get("url"),
        published=doc.get("published"),
        source=doc.get("source"),
        text=str(doc.get("text", "")),
        start=int(doc.get("start", 0)),
        sentences=sentences,
        terms=terms if len(terms) == len(sentences) else (),
    )


async def documents(
    source: IndexSource,
    analyzers: Analyzers,
    after_id: int = 0,
    batch: int = BATCH,
    titles: bool = True,
) -> AsyncIterator[list[Json]]:
    """Batches of the documents of the passages with ids above ``after_id``, in id order.

    A passage or article removed while this reads is left out.
    """
    async for rows in source.passages_for_indexing(after_id, batch):
        stored = await source.passages([r.id for r in rows])
        articles = await source.articles(p.article_id for p in stored.values())
        docs = []
        for row in rows:
            passage = stored.get(row.id)
            article = articles.get(passage.article_id) if passage else None
            if passage is not None and article is not None:
                docs.append(passage_document(row, passage, article, analyzers, titles))
        if docs:
            yield docs


async def post_documents(
    client: SolrClient,
    docs: Iterable[Json],
    batch: int = BATCH,
    commit_within_ms: int | None = COMMIT_WITHIN_MS,
) -> int:
    """Add (or replace, by id) documents in batches of ``batch``; how many were sent.

    With ``commit_within_ms`` they are searchable within that time; None leaves it to the
    collection's soft commits (``commit`` makes them searchable at once).
    """
    params: dict[str, Any] = {}
    if commit_within_ms is not None:
        params["commitWithin"] = commit_within_ms
    sent = 0
    chunk: list[Json] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) >= batch:
            await client.update(chunk, **params)
            sent += len(chunk)
            chunk = []
    if chunk:
        await client.update(chunk, **params)
        sent += len(chunk)
    return sent


async def index_passages(
    client: SolrClient,
    source: IndexSource,
    analyzers: Analyzers,
    after_id: int = 0,
    batch: int = BATCH,
    titles: bool = True,
    commit_within_ms: int | None = COMMIT_WITHIN_MS,
) -> int:
    """Index the store's passages with ids above ``after_id``; how many were sent."""
    sent = 0
    async for docs in documents(source, analyzers, after_id, batch, titles):
        sent += await post_documents(client, docs, batch, commit_within_ms)
    return sent


async def delete_article(
    client: SolrClient, article_id: int, commit_within_ms: int | None = COMMIT_WITHIN_MS
) -> None:
    """Delete every passage of an article."""
    await _delete(client, {"query": f"article_id:{int(article_id)}"}, commit_within_ms)


async def delete_articles(
    client: SolrClient,
    article_ids: Sequence[int],
    commit_within_ms: int | None = COMMIT_WITHIN_MS,
    per_request: int = 500,
) -> None:
    """Delete every passage of these articles (a few hundred articles a request)."""
    ids = [int(i) for i in dict.fromkeys(article_ids)]
    for at in range(0, len(ids), per_request):
        part = " OR ".join(str(i) for i in ids[at : at + per_request])
        await _delete(client, {"query": f"article_id:({part})"}, commit_within_ms)


async def delete_passages(
    client: SolrClient, passage_ids: Sequence[int], commit_within_ms: int | None = COMMIT_WITHIN_MS
) -> None:
    """Delete passages by id."""
    if passage_ids:
        await _delete(client, [str(int(i)) for i in passage_ids], commit_within_ms)


async def delete_all(client: SolrClient, commit_within_ms: int | None = COMMIT_WITHIN_MS) -> None:
    """Delete every document of the collection."""
    await _delete(client, {"query": "*:*"}, commit_within_ms)


async def _delete(client: SolrClient, what: Any, commit_within_ms: int | None) -> None:
    command: Json = {"delete": what}
    if commit_within_ms is not None:
        params: dict[str, Any] = {"commitWithin": commit_within_ms}
    else:
        params = {}
    await client.update(command, **params)


async def commit(client: SolrClient) -> None:
    """A soft commit: what was sent is searchable on return (durable at the next hard
    commit, which the collection makes every 15 s)."""
    await client.update({"commit": {}}, softCommit="true", waitSearcher="true")


class SolrPush:
    """The indexer's ``push`` (``corpus.postgres.indexer``): drops the passages of the
    ``deleted`` articles, then adds (or replaces) ``passages``; raises ``SearchUnavailable``
    while no Solr node answers, so that the indexer tries the batch again. Both steps are
    idempotent: a batch pushed twice leaves the collection as pushed once."""

    def __init__(
        self,
        client: SolrClient,
        analyzers: Analyzers | None = None,
        titles: bool = True,
        batch: int = BATCH,
        commit_within_ms: int | None = COMMIT_WITHIN_MS,
    ) -> None:
        self.client = client
        self.analyzers = analyzers or Analyzers()
        self.titles = titles
        self.batch = batch
        self.commit_within_ms = commit_within_ms

    async def __call__(self, passages: Sequence[IndexedPassage], deleted: Sequence[int]) -> None:
        await delete_articles(self.client, deleted, self.commit_within_ms)
        docs = (
            passage_document(
                p.index_row(), p.stored_passage(), p.article(), self.analyzers, self.titles
            )
            for p in passages
        )
        await post_documents(self.client, docs, self.batch, self.commit_within_ms)
