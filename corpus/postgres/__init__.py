"""Articles in PostgreSQL (the scale-out mode, issue 28): a store with the SQLite store's
interface, chosen by a ``postgresql://`` URL, and the index queue that keeps a search index
in step with it. Needs asyncpg (``pip install 'qabot[scale]'``); nothing of the embedded
default imports this package.

Its names load on first use, so that ``corpus.postgres.errors.StoreUnavailable`` can be
caught (by the engine) where asyncpg is not installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corpus.postgres.errors import StoreUnavailable
    from corpus.postgres.indexer import Indexer, IndexQueue, Push
    from corpus.postgres.queue import Claim, IndexLag, PassageDocument, PendingRecord
    from corpus.postgres.store import PostgresStore

_WHERE = {
    "Claim": "queue",
    "IndexLag": "queue",
    "IndexQueue": "indexer",
    "Indexer": "indexer",
    "PassageDocument": "queue",
    "PendingRecord": "queue",
    "PostgresStore": "store",
    "Push": "indexer",
    "StoreUnavailable": "errors",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
