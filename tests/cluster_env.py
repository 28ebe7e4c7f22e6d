"""What the cluster tests read of the local cluster (``scripts/local-cluster start`` prints
the settings), and the PostgreSQL helpers they share: a schema of each test's own."""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from index.search.solr.client import parse_urls

SOLR_URLS = parse_urls(os.environ.get("QABOT_SOLR_URL", ""))
COLLECTION = os.environ.get("QABOT_SOLR_COLLECTION", "")
DATABASE_URL = os.environ.get("QABOT_DATABASE_URL", "")
MISSING = [
    name
    for name, value in (
        ("QABOT_SOLR_URL", SOLR_URLS),
        ("QABOT_SOLR_COLLECTION", COLLECTION),
        ("QABOT_DATABASE_URL", DATABASE_URL),
    )
    if not value
]
REQUIRED = os.environ.get("QABOT_CLUSTER_REQUIRED", "") not in ("", "0")


def with_schema(url: str, schema: str) -> str:
    """``url`` with its ``search_path`` set to ``schema``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "search_path"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("search_path", schema)])))


async def pg_admin(sql: str, timeout: float = 60) -> None:
    """Run a statement on the cluster's database, waiting for it to answer (after a
    restart)."""
    import asyncpg

    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = await asyncpg.connect(DATABASE_URL, timeout=10)
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        try:
            await connection.execute(sql, timeout=timeout)
            return
        finally:
            await connection.close()
