"""``LiveSolrRetriever``: a ``SolrRetriever`` whose hits are of stored articles only.

A SolrCloud collection may hold passages of an article that some process has removed from
the store: until an indexer has pushed the deletion and Solr has made it visible (within a
second), or for good when the deletion was lost (a collection fed from another store). A
question must never cite such an article, so each search's hits are checked against the
store (one read: the articles of the hits) and those of removed articles are left out; when
some were, Solr is asked again for as many more, so that ``k`` hits come back while the
collection has them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from corpus.models import ArticleSummary
from index.models import Hit
from index.search.solr.retriever import SolrRetriever

log = logging.getLogger(__name__)

MORE_TRIES = 3  # searches in all, when hits of removed articles were left out


class StoredArticles(Protocol):
    """What the check reads of an article store (every ``ArticleStore`` has it)."""

    async def articles(self, ids: Iterable[int]) -> dict[int, ArticleSummary]: ...


class LiveSolrRetriever(SolrRetriever):
    """``SolrRetriever`` that leaves out hits of articles ``articles`` no longer holds."""

    def __init__(self, *args: Any, articles: StoredArticles | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.articles = articles

    async def search(
        self,
        query: str,
        k: int = 10,
        article_id: int | None = None,
        whole: bool = False,
        language: str | None = None,
    ) -> list[Hit]:
        """``SolrRetriever.search``'s hits, less those of articles no longer stored."""
        wanted = k
        hits: list[Hit] = []
        for _ in range(MORE_TRIES):
            found = await super().search(query, wanted, article_id, whole, language)
            hits = await self._stored(found)
            dropped = len(found) - len(hits)
            if not dropped or len(hits) >= k or len(found) < wanted:
                break
            wanted += dropped + k
        return hits if whole else hits[:k]

    async def _stored(self, hits: Sequence[Hit]) -> list[Hit]:
        if self.articles is None or not hits:
            return list(hits)
        ids = {h.article_id for h in hits}
        stored = await self.articles.articles(ids)
        if len(stored) < len(ids):
            gone = sorted(ids - set(stored))
            log.info("hits of removed articles %s left out (not yet deleted from Solr)", gone)
        return [h for h in hits if h.article_id in stored]
