"""Processes for tests/test_postgres_store.py: each opens its own PostgresStore and adds
articles once every process is ready (a barrier), reporting what each add returned.

A module of its own, importing only corpus: spawned processes import it, not the test
module (nor tests/conftest.py with the whole engine).
"""

from __future__ import annotations

import asyncio
import os
import traceback
from typing import Any

from corpus.models import Draft
from corpus.postgres import PostgresStore
from corpus.prepare import prepare


def add_articles(url: str, articles: list[tuple[str, str]], barrier: Any, results: Any) -> None:
    """Add ``articles`` (title, text) in order; put (pid, [(title, id, duplicate)], error)."""
    prepared = [prepare(Draft(title=title, text=text)) for title, text in articles]
    added: list[tuple[str, int, bool]] = []
    error = None
    try:
        asyncio.run(_add(url, prepared, barrier, added))
    except BaseException:
        error = traceback.format_exc()
    results.put((os.getpid(), added, error))


async def _add(url: str, prepared: list[Any], barrier: Any, added: list[Any]) -> None:
    async with await PostgresStore.open(url) as store:
        await asyncio.to_thread(barrier.wait, 120)
        for p in prepared:
            result = await store.add(p, f"process {os.getpid()}")
            added.append((p.title, result.article.id, result.duplicate))


def open_store(url: str, barrier: Any, results: Any) -> None:
    """Open a store (migrating its schema) once every process is ready; put (pid, db_id, error)."""
    db_id, error = "", None
    try:
        barrier.wait(120)
        db_id = asyncio.run(_open(url))
    except BaseException:
        error = traceback.format_exc()
    results.put((os.getpid(), db_id, error))


async def _open(url: str) -> str:
    async with await PostgresStore.open(url) as store:
        return store.db_id
