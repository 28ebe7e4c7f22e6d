"""Articles in PostgreSQL (the scale-out mode, issue 28): a store with the SQLite store's
interface, chosen by a ``postgresql://`` URL, and the index queue that keeps a search index
in step with it. Needs asyncpg (``pip install 'qabot[scale]'``); nothing of the embedded
default imports this package."""

from corpus.postgres.errors import StoreUnavailable
from corpus.postgres.indexer import Indexer, IndexQueue, Push
from corpus.postgres.queue import Claim, IndexLag, PassageDocument, PendingRecord
from corpus.postgres.store import PostgresStore

__all__ = [
    "Claim",
    "IndexLag",
    "IndexQueue",
    "Indexer",
    "PassageDocument",
    "PendingRecord",
    "PostgresStore",
    "Push",
    "StoreUnavailable",
]
