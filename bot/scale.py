"""The search side of the engine, chosen by configuration (issue 28's scale-out mode):

- a SQLite file (``--db``/``QABOT_DB``), no ``QABOT_SOLR_URL``: the embedded index (the
  default, which needs no server);
- a SQLite file and ``QABOT_SOLR_URL``: SolrCloud, kept in step by this process
  (``SolrRetriever(source=store)``: its adds and removes are pushed by ``sync``);
- a ``postgresql://`` URL, no ``QABOT_SOLR_URL``: each process its own embedded index;
- a ``postgresql://`` URL and ``QABOT_SOLR_URL``: the scale-out mode. Any process adds to
  PostgreSQL (the article and its index-queue record in one transaction); an ``Indexer``
  with ``SolrPush`` moves the queue into Solr in batches, in whichever processes run one
  (claims are never shared), trying again with growing waits while Solr is down.

On SolrCloud a hit is returned only while its article is still stored
(``index.search.solr.live.LiveSolrRetriever``): the collection may hold an article that any
process removed until the indexer has pushed the deletion (and Solr made it visible), and a
question must never cite it. The check is one read of the store per search.

Nothing here imports asyncpg or httpx unless the configuration asks for them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from corpus.interface import ArticleStore
from index.search.interface import SearchBackend
from index.search.retriever import Retriever, RetrieverSettings

if TYPE_CHECKING:
    from corpus.postgres import Indexer

log = logging.getLogger(__name__)

SOLR_URL_ENV = "QABOT_SOLR_URL"


def solr_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether search is on SolrCloud: ``QABOT_SOLR_URL`` names its nodes."""
    env = os.environ if environ is None else environ
    return bool(env.get(SOLR_URL_ENV, "").strip())


def has_index_queue(store: ArticleStore) -> bool:
    """Whether the store keeps an index queue (PostgreSQL's does)."""
    return callable(getattr(store, "claim_pending", None))


async def open_search(
    store: ArticleStore, settings: RetrieverSettings, progress: bool = False
) -> tuple[SearchBackend, Indexer | None]:
    """The retriever for ``store`` (see the module's table) and, in the scale-out mode, the
    indexer that moves the store's index queue into Solr (run by whoever wants: ``qabot
    serve`` in the background, the command line once after its adds)."""
    if not solr_configured():
        return Retriever(cast(Any, store), settings, progress=progress), None
    from index.search.solr.client import SolrClient, SolrSettings
    from index.search.solr.live import LiveSolrRetriever
    from index.search.solr.retriever import SolrRetrieverSettings

    solr = SolrRetrieverSettings(retriever=settings)
    client = SolrClient(SolrSettings.from_env())
    if not has_index_queue(store):
        retriever = LiveSolrRetriever(client, solr, source=store, articles=store)
        try:
            await retriever.sync()  # as SolrRetriever.open does
        except BaseException:
            await retriever.close()
            raise
        retriever.progress = progress
        return retriever, None
    from corpus.postgres import Indexer
    from index.search.languages import Analyzers
    from index.search.solr.documents import SolrPush

    # No source: the indexer keeps the collection, and Solr need not answer for the store
    # to take adds (the collection's facts are read before the first question).
    retriever = LiveSolrRetriever(client, solr, articles=store)
    retriever.progress = progress
    push = SolrPush(client, Analyzers(settings.analyzer), titles=settings.index_titles)
    return retriever, Indexer(cast(Any, store), push)
