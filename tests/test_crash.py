"""`qabot add` killed at random moments: whole articles or none, and an index that agrees.

Each round starts an add of a few files (sometimes beside a second add that is left to
finish), kills it with SIGKILL once the database reached a randomly chosen generation
plus a random short delay, then checks the database file and a freshly opened engine.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from corpus.prepare import prepare
from corpus.sources import Limits, load_source
from tests.test_concurrency import place, report

pytestmark = pytest.mark.e2e

ROUNDS = 20
PER_ROUND = 5
SEED = 20240607


def qabot_add(db: Path, files: list[Path]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", str(db), "add", "-q", *map(str, files)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "QABOT_DB": ""},
    )


def generation(db: Path) -> int:
    """The store's change counter, read as another process would (-1 before it exists)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        conn.close()
        return int(row[0])
    except sqlite3.OperationalError:
        return -1


def kill_at(proc: subprocess.Popen[bytes], db: Path, target: int, delay: float) -> None:
    """SIGKILL ``proc`` once the store reached generation ``target``, ``delay`` s later."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and generation(db) < target and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def expected_counts(path: Path) -> tuple[str, tuple[int, int]]:
    """The title of the article in ``path`` and its (passages, sentences) once stored."""
    (loaded,) = list(load_source(str(path), Limits()))
    assert loaded.draft is not None
    prepared = prepare(loaded.draft)
    return prepared.title, (len(prepared.passages), len(prepared.sentences))


def stored_counts(db: Path) -> dict[str, tuple[int, int, int]]:
    """Per stored title: passages, sentences and 1 + the last sentence position.

    A process killed before it created the schema leaves an empty database: no articles.
    """
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        rows = (
            []
            if "articles" not in tables
            else conn.execute(
                "SELECT a.title, (SELECT count(*) FROM passages p WHERE p.article_id = a.id),"
                " (SELECT count(*) FROM sentences s WHERE s.article_id = a.id),"
                " (SELECT coalesce(max(position), -1) + 1 FROM sentences s"
                " WHERE s.article_id = a.id) FROM articles a"
            ).fetchall()
        )
    conn.close()
    return {title: (passages, sentences, last) for title, passages, sentences, last in rows}


async def expect_index_agrees(db: Path, stored: set[int], absent: set[int]) -> None:
    async with await Engine.open(db, EngineSettings()) as engine:
        for n in stored:
            hits = await engine.search(place(n))
            assert f"Harbour news from {place(n).title()}" in {h.title for h in hits}
        for n in absent:
            assert await engine.search(place(n)) == []
        indexed = sorted(engine.retriever.index.passage_ids().tolist())
        assert indexed == await engine.store.passage_ids()


def test_an_add_killed_at_random_moments_leaves_whole_articles_and_an_agreeing_index(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "qabot.db"
    files = {n: tmp_path / f"{n}.txt" for n in range(ROUNDS * PER_ROUND + PER_ROUND)}
    for n, path in files.items():
        path.write_text(report(n))
    expected = dict(expected_counts(path) for path in files.values())
    title_of = {n: expected_counts(path)[0] for n, path in files.items()}
    for r in range(ROUNDS):
        # This round's files, and the last round's again: what its kill left out is added now.
        batch = [files[n] for n in range(max(r - 1, 0) * PER_ROUND, (r + 1) * PER_ROUND)]
        bystander = qabot_add(db, [files[ROUNDS * PER_ROUND + r % PER_ROUND]]) if r % 2 else None
        victim = qabot_add(db, batch)
        kill_at(victim, db, generation(db) + rng.randrange(PER_ROUND), rng.uniform(0, 0.05))
        if bystander is not None:
            _, err = bystander.communicate(timeout=120)
            assert bystander.returncode == 0, err.decode()
        counts = stored_counts(db)
        assert all(expected[t] == (p, s) and s == last for t, (p, s, last) in counts.items())
        seen = [n for n in files if n < (r + 1) * PER_ROUND or n >= ROUNDS * PER_ROUND]
        stored = {n for n in seen if title_of[n] in counts}
        asyncio.run(expect_index_agrees(db, stored, set(seen) - stored))
