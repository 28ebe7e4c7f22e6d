"""Articles in PostgreSQL (issue 28): the SQLite store's interface and guarantees, and the
index queue.

Needs a PostgreSQL: ``eval "$(scripts/local-cluster start)"`` sets QABOT_DATABASE_URL.
Without it these tests skip, unless QABOT_CLUSTER_REQUIRED=1 (as in CI), when they fail.
Each test runs in a schema of its own (``?search_path=``), created for it in the URL's
database and dropped after, so tests see nothing of each other nor of qabot's own tables.
The restart test stops and starts that PostgreSQL with scripts/local-cluster.
"""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import re
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from corpus.interface import ArticleStore, open_store
from corpus.models import Prepared
from corpus.store import Store
from tests.cluster_env import DATABASE_URL, REQUIRED, pg_admin, with_schema
from tests.conftest import article

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "scripts" / "local-cluster"

if not DATABASE_URL and REQUIRED:
    pytest.fail(
        "QABOT_CLUSTER_REQUIRED is set but QABOT_DATABASE_URL is not: "
        'start the cluster with eval "$(scripts/local-cluster start)"',
        pytrace=False,
    )

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not DATABASE_URL,
        reason='no PostgreSQL: QABOT_DATABASE_URL unset (eval "$(scripts/local-cluster start)")',
    ),
]

RIVER = article(
    "The river festival",
    "The river festival opens on Friday. Boats from six towns will race at noon. "
    "Organisers expect ten thousand visitors.",
)
LATER = article("Later", "A second article arrives later. It has two sentences.")
GERMAN = article(
    "Das Flussfest",
    "Das Flussfest beginnt am Freitag mit einem Umzug durch die Altstadt. Boote aus sechs"
    " Städten fahren am Mittag um die Wette. Die Veranstalter erwarten zehntausend Besucher.",
)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty schema, dropped after the test."""
    schema = f"qabot_test_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(DATABASE_URL, schema)
    finally:
        await pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


async def open_pg(url: str, **options: Any) -> Any:
    from corpus.postgres import PostgresStore

    return await PostgresStore.open(url, **options)


async def fetch(url: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=30)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def spawn(target: Any, args_of: Sequence[tuple[Any, ...]], timeout: float = 180) -> list[Any]:
    """Run ``target`` in one process per argument tuple, all started together (a barrier
    each passes as its last-but-one argument); return what each put on the queue."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(args_of))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, barrier, results)) for args in args_of]
    for p in processes:
        p.start()
    try:
        found = [results.get(timeout=timeout) for _ in processes]
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return found


def text_of(n: int, sentences: int = 3) -> str:
    return " ".join(
        f"Report {n} tells fact {i} about the harbour of town {n}." for i in range(sentences)
    )


# -- the interface ---------------------------------------------------------------------


async def test_the_postgres_store_is_an_article_store_chosen_by_its_url(pg_url: str) -> None:
    async with await open_store(pg_url) as store:
        assert isinstance(store, ArticleStore)
        assert type(store).__name__ == "PostgresStore"
        assert re.fullmatch(r"[0-9a-f]{32}", store.db_id)
        password = urlsplit(pg_url).password
        location = getattr(store, "location", "")
        assert password and location and password not in location  # for messages


async def test_every_read_answers_as_the_sqlite_store_does(pg_url: str, tmp_path: Path) -> None:
    """The same articles added to both stores read back alike, method by method."""
    nul = article("Control", "A NUL\x00 byte in the original. It is kept there.")
    prepared = [RIVER, LATER, GERMAN, article("Long", text_of(1, 40)), nul]
    async with await Store.open(tmp_path / "q.db") as lite, await open_pg(pg_url) as pg:
        for p in prepared:
            a = await lite.add(p, "tester")
            b = await pg.add(p, "tester")
            assert replace(b.article, added_at="") == replace(a.article, added_at="")
        ids = await lite.passage_ids()
        assert await pg.passage_ids() == ids
        for store in (lite, pg):
            assert isinstance(store, ArticleStore)

        async def both(method: str, *args: Any) -> None:
            assert await getattr(pg, method)(*args) == await getattr(lite, method)(*args), method

        await both("count_articles")
        await both("count_passages")
        await both("count_passages", 2)
        await both("languages")
        await both("passage_ids_in", "en")
        await both("passage_ids_in", "de")
        await both("passage_ids_of", 4)
        await both("get", 5)  # its original holds a NUL, which PostgreSQL's text refuses
        await both("passages", ids)
        await both("passages", [ids[-1], 999])
        await both("sentences", 4, [3, 1, 77])
        await both("articles", [1, 3, 42])
        await both("get", 2)
        await both("get", 42)
        for limit, offset in ((None, 0), (2, 1)):
            got = [replace(a, added_at="") for a in await pg.list_articles(limit, offset)]
            want = [replace(a, added_at="") for a in await lite.list_articles(limit, offset)]
            assert got == want
        for after, batch in ((0, 5000), (1, 2)):
            batches = [rows async for rows in pg.passages_for_indexing(after, batch)]
            expected = [rows async for rows in lite.passages_for_indexing(after, batch)]
            assert batches == expected
        pg_stats, lite_stats = await pg.stats(), await lite.stats()
        assert replace(pg_stats, db_bytes=0) == replace(lite_stats, db_bytes=0)
        assert pg_stats.db_bytes > 0


async def test_add_get_list_remove_and_stats(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        assert await store.generation() == 0
        added = await store.add(RIVER, "tester")
        later = await store.add(LATER, "tester")
        assert not added.duplicate and not later.duplicate
        assert (added.article.passages, added.article.sentences) == (1, 3)
        assert await store.get(added.article.id) == added.article
        assert [a.title for a in await store.list_articles()] == ["Later", "The river festival"]
        assert await store.generation() == 2
        stats = await store.stats()
        assert (stats.articles, stats.passages, stats.sentences) == (2, 2, 5)

        removed = await store.remove(added.article.id)
        assert removed == added.article
        assert await store.get(added.article.id) is None
        assert await store.remove(added.article.id) is None
        assert await store.remove(4242) is None
        assert await store.generation() == 3  # removing nothing bumps nothing
        stats = await store.stats()
        assert (stats.articles, stats.passages, stats.sentences) == (1, 1, 2)
        rows = await fetch(pg_url, "SELECT count(*) FROM sentences WHERE article_id = $1", 1)
        assert rows[0][0] == 0


async def test_a_nul_in_a_url_becomes_a_replacement_character(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        added = (await store.add(article("Control", "Text.", url="https://x\x00y"), "t")).article
        assert added.url == "https://x\ufffdy"


async def test_the_same_text_added_twice_names_the_first_article(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        first = await store.add(RIVER, "tester")
        again = await store.add(article("Another title", RIVER.text.replace(" ", "  ")), "x")
        assert again.duplicate
        assert again.article == first.article
        assert await store.count_articles() == 1
        assert await store.generation() == 1


async def test_a_failed_add_leaves_nothing_behind(pg_url: str) -> None:
    import asyncpg

    broken = article("Broken", "One sentence here. Another sentence there.")
    broken = replace(broken, sentences=(broken.sentences[0], broken.sentences[0]))
    async with await open_pg(pg_url) as store:
        with pytest.raises(asyncpg.UniqueViolationError):
            await store.add(broken, "tester")
        stats = await store.stats()
        assert (stats.articles, stats.passages, stats.sentences) == (0, 0, 0)
        assert await store.generation() == 0
        assert (await store.index_lag()).pending == 0
        # and the store goes on
        assert not (await store.add(RIVER, "tester")).duplicate


async def test_readers_see_an_add_only_once_it_commits(pg_url: str) -> None:
    async with await open_pg(pg_url) as writer, await open_pg(pg_url) as reader:
        import asyncpg

        # hold the writers' turn in another session: the add waits for it, uncommitted
        connection = await asyncpg.connect(pg_url, timeout=30)
        try:
            transaction = connection.transaction()
            await transaction.start()
            await connection.execute("UPDATE counters SET value = value WHERE name = 'generation'")
            adding = asyncio.create_task(writer.add(RIVER, "tester"))
            await asyncio.sleep(0.5)
            assert not adding.done()
            assert await reader.count_articles() == 0
            await transaction.rollback()
        finally:
            await connection.close()
        result = await adding
        assert await reader.get(result.article.id) == result.article


# -- many writers ----------------------------------------------------------------------


async def test_the_same_article_added_by_four_processes_is_stored_once(pg_url: str) -> None:
    await (await open_pg(pg_url)).close()  # schema in place, so that the race is the add's
    from tests import pg_workers

    title, text = "Shared", text_of(7, 30)
    found = await asyncio.to_thread(spawn, pg_workers.add_articles, [(pg_url, [(title, text)])] * 4)
    assert [error for _, _, error in found] == [None] * 4
    results = [added[0] for _, added, _ in found]
    assert len({article_id for _, article_id, _ in results}) == 1
    assert sorted(duplicate for _, _, duplicate in results) == [False, True, True, True]
    rows = await fetch(
        pg_url,
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM sentences),"
        " (SELECT count(*) FROM index_queue), (SELECT value FROM counters)",
    )
    assert tuple(rows[0]) == (1, 30, 1, 1)


async def test_four_processes_adding_different_articles_lose_none(pg_url: str) -> None:
    from tests import pg_workers

    per_process = 12
    jobs = [
        (pg_url, [(f"P{p} A{i}", text_of(p * 100 + i, 5)) for i in range(per_process)])
        for p in range(4)
    ]
    found = await asyncio.to_thread(spawn, pg_workers.add_articles, jobs)
    assert [error for _, _, error in found] == [None] * 4
    added = [a for _, results, _ in found for a in results]
    assert len(added) == 4 * per_process and not any(duplicate for _, _, duplicate in added)
    async with await open_pg(pg_url) as store:
        stats = await store.stats()
        assert (stats.articles, stats.sentences) == (48, 48 * 5)
        assert await store.generation() == 48
        assert (await store.index_lag()).pending == 48
        # ids were handed out in commit order: passages of each article are consecutive
        for _, article_id, _ in added:
            ids = await store.passage_ids_of(article_id)
            assert ids == list(range(ids[0], ids[0] + len(ids)))


async def test_the_migration_runs_once_when_stores_open_at_once(pg_url: str) -> None:
    from tests import pg_workers

    found = await asyncio.to_thread(spawn, pg_workers.open_store, [(pg_url,)] * 3)
    assert [error for _, _, error in found] == [None] * 3
    assert len({db_id for _, db_id, _ in found}) == 1
    from corpus.postgres.schema import SCHEMA_VERSION

    history = await fetch(pg_url, "SELECT version FROM schema_history ORDER BY version")
    assert [r[0] for r in history] == list(range(1, SCHEMA_VERSION + 1))
    # and in one process, with two pools
    stores = await asyncio.gather(open_pg(pg_url), open_pg(pg_url))
    for s in stores:
        await s.close()
    assert len(await fetch(pg_url, "SELECT version FROM schema_history")) == SCHEMA_VERSION


async def test_a_schema_from_a_newer_qabot_is_refused(pg_url: str) -> None:
    from corpus.postgres.schema import SCHEMA_VERSION, SchemaError

    await (await open_pg(pg_url)).close()
    await pg_admin(
        f"INSERT INTO {urlsplit(pg_url).query.split('=')[1]}.schema_history (version, applied_by)"
        f" VALUES ({SCHEMA_VERSION + 1}, 'future')"
    )
    with pytest.raises(SchemaError, match="newer qabot"):
        await open_pg(pg_url)


# -- a restart of PostgreSQL during adds -----------------------------------------------


def cluster_port() -> int | None:
    """The port of the PostgreSQL scripts/local-cluster runs, if it runs."""
    done = subprocess.run([CLUSTER, "status"], capture_output=True, text=True, timeout=60)
    match = re.search(r"postgresql: running on 127\.0\.0\.1:(\d+)", done.stdout)
    return int(match.group(1)) if match else None


async def cluster(command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(CLUSTER), command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, f"scripts/local-cluster {command}: {out.decode()}"


async def as_awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def within(
    seconds: float, what: str, task: asyncio.Task[None], condition: Callable[[], Any]
) -> None:
    """Wait until ``condition()`` (a value or an awaitable) holds; fail, rather than hang,
    when ``task`` ends first or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while not await as_awaited(condition()):
        if task.done():
            task.result()
            pytest.fail(f"the adds ended before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        await asyncio.sleep(0.01)


async def test_an_add_interrupted_by_a_restart_is_complete_or_absent(pg_url: str) -> None:
    from corpus.postgres import StoreUnavailable

    if cluster_port() != urlsplit(DATABASE_URL).port:
        message = "QABOT_DATABASE_URL is not the PostgreSQL of scripts/local-cluster"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    import asyncpg

    prepared: list[Prepared] = await asyncio.to_thread(
        lambda: [article(f"Big {n}", text_of(n, 400)) for n in range(30)]
    )
    outcomes: dict[str, Any] = {}
    async with await open_pg(pg_url, reconnect_timeout=1.0) as store:

        async def add_all(articles: list[Prepared]) -> None:
            for p in articles:
                try:
                    outcomes[p.title] = await store.add(p, "tester")
                except StoreUnavailable as e:
                    outcomes[p.title] = e

        def failures() -> list[StoreUnavailable]:
            return [o for o in outcomes.values() if isinstance(o, StoreUnavailable)]

        await add_all(prepared[:1])
        # Make sure an add is inside its transaction when PostgreSQL stops: hold the writers'
        # turn before the adds start, and stop PostgreSQL once the next add waits for it.
        blocker = await asyncio.wait_for(asyncpg.connect(pg_url), timeout=30)
        # pg_stat_activity is read once per transaction: the watcher asks outside the
        # blocker's, or it would never see the add start waiting
        watcher = await asyncio.wait_for(asyncpg.connect(pg_url), timeout=30)
        await blocker.execute("BEGIN")
        await blocker.execute("UPDATE counters SET value = value WHERE name = 'generation'")
        adding = asyncio.create_task(add_all(prepared[1:]))
        interrupted = prepared[1].title
        try:
            await within(
                60,
                "an add to wait for the writers' turn",
                adding,
                lambda: watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                    " AND query LIKE 'UPDATE counters SET value = value + 1%'"
                ),
            )
            await cluster("stop-pg")  # at once, as a crash would
            await within(60, "two adds to fail", adding, lambda: len(failures()) >= 2)
        finally:
            blocker.terminate()
            watcher.terminate()
            await cluster("start-pg")
        await asyncio.wait_for(adding, timeout=120)
        # the adds after the restart went through on the same store
        assert not isinstance(outcomes[prepared[-1].title], StoreUnavailable)

    failed = failures()
    assert len(failed) >= 2
    for error in failed:
        assert "does not answer" in str(error) or "stopped answering" in str(error)
        assert "add it again" in str(error)
    # the add that was inside its transaction did not commit, and says so
    assert isinstance(outcomes[interrupted], StoreUnavailable)
    assert outcomes[interrupted].stored is False
    counts = {
        r["title"]: (r["passages"], r["sentences"], r["queued"])
        for r in await fetch(
            pg_url,
            "SELECT a.title,"
            " (SELECT count(*) FROM passages p WHERE p.article_id = a.id) AS passages,"
            " (SELECT count(*) FROM sentences s WHERE s.article_id = a.id) AS sentences,"
            " (SELECT count(*) FROM index_queue q WHERE q.article_id = a.id) AS queued"
            " FROM articles a",
        )
    }
    for p in prepared:
        outcome = outcomes[p.title]
        complete = (len(p.passages), len(p.sentences), 1)
        if isinstance(outcome, StoreUnavailable):
            assert p.title in str(outcome)
            if outcome.stored is False:
                assert p.title not in counts
        else:
            assert counts.get(p.title) == complete, p.title
        assert counts.get(p.title, complete) == complete, f"{p.title} is incomplete"


# -- the index queue -------------------------------------------------------------------


async def test_an_add_and_a_remove_queue_their_change_in_their_transaction(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        river = (await store.add(RIVER, "t")).article
        later = (await store.add(LATER, "t")).article
        await store.remove(river.id)
        rows = await fetch(pg_url, "SELECT article_id, action FROM index_queue ORDER BY seq")
        assert [tuple(r) for r in rows] == [(later.id, "index"), (river.id, "delete")]
        lag = await store.index_lag()
        assert (lag.pending, lag.claimed) == (2, 0) and lag.oldest_seconds >= 0
        claim = await store.claim_pending()
        assert [(r.article_id, r.action) for r in claim.records] == [
            (later.id, "index"),
            (river.id, "delete"),
        ]
        passages, gone = await store.index_documents([later.id, river.id])
        assert gone == [river.id]
        assert [d.passage_id for d in passages] == await store.passage_ids_of(later.id)
        assert passages[0].title == "Later" and len(passages[0].sentences) == 2
        assert (await store.index_lag()).claimed == 2
        assert await store.mark_done(claim) == 2
        assert (await store.index_lag()).pending == 0
        assert await store.queue_all() == 1  # a rebuild queues every stored article


async def test_pending_records_are_claimed_once_by_two_concurrent_claimers(pg_url: str) -> None:
    async with await open_pg(pg_url) as first, await open_pg(pg_url) as second:
        for n in range(40):
            await first.add(article(f"A{n}", text_of(n)), "t")

        async def claim_all(store: Any) -> list[int]:
            got: list[int] = []
            while claim := await store.claim_pending(limit=3):
                got += [r.article_id for r in claim.records]
                await asyncio.sleep(0)
            return got

        a, b = await asyncio.gather(claim_all(first), claim_all(second))
        assert a and b
        assert not set(a) & set(b)
        assert sorted(a + b) == list(range(1, 41))
        assert (await first.index_lag()).claimed == 40


async def test_a_claim_whose_lease_ran_out_is_claimed_again(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        await store.add(RIVER, "t")
        lost = await store.claim_pending(lease=2.0)
        assert lost and not await store.claim_pending()
        await asyncio.sleep(2.5)
        again = await store.claim_pending()
        assert [r.attempts for r in again.records] == [2]
        assert await store.extend_claim(lost) == 0  # the first claimer lost it
        assert await store.mark_done(again) == 1


async def test_a_remove_while_the_add_is_pushed_is_pushed_after_it(pg_url: str) -> None:
    async with await open_pg(pg_url) as store:
        river = (await store.add(RIVER, "t")).article
        claim = await store.claim_pending()
        await store.remove(river.id)  # while the indexing is pushed
        assert not await store.claim_pending()  # the claim still holds the article
        assert await store.mark_done(claim) == 0  # changed meanwhile: released, not done
        delete = await store.claim_pending()
        assert [(r.article_id, r.action) for r in delete.records] == [(river.id, "delete")]
        assert await store.mark_done(delete) == 1


async def test_the_indexer_retries_and_marks_done_only_after_success(pg_url: str) -> None:
    from corpus.postgres import Indexer

    async with await open_pg(pg_url) as store:
        river = (await store.add(RIVER, "t")).article
        later = (await store.add(LATER, "t")).article
        await store.remove(later.id)
        calls: list[tuple[list[int], list[int], int]] = []
        slept: list[float] = []

        async def push(passages: Sequence[Any], deleted: Sequence[int]) -> None:
            pending = (await store.index_lag()).pending
            calls.append(([p.passage_id for p in passages], list(deleted), pending))
            if len(calls) <= 3:
                raise ConnectionError("search is unreachable")

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        indexer = Indexer(store, push, first_delay=0.5, max_delay=1.5, sleep=sleep)
        assert await indexer.drain() == 2
        assert slept == [0.5, 1.0, 1.5]
        river_passages = await store.passage_ids_of(river.id)
        assert calls == [(river_passages, [later.id], 2)] * 4  # not done before it succeeded
        assert (await store.index_lag()).pending == 0
        assert await indexer.run_once() == 0


async def test_two_indexers_push_each_article_once(pg_url: str) -> None:
    from corpus.postgres import Indexer

    async with await open_pg(pg_url) as store:
        for n in range(25):
            await store.add(article(f"A{n}", text_of(n)), "t")
        pushed: list[int] = []

        async def push(passages: Sequence[Any], deleted: Sequence[int]) -> None:
            await asyncio.sleep(0.01)
            pushed.extend(p.article_id for p in passages)

        stop = asyncio.Event()
        indexers = [Indexer(store, push, batch=4, idle=0.05) for _ in range(2)]
        running = [asyncio.create_task(i.run(stop)) for i in indexers]
        deadline = time.monotonic() + 60
        while (await store.index_lag()).pending and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*running)
        assert sorted(pushed) == list(range(1, 26))


async def test_an_indexer_releases_its_claim_when_cancelled(pg_url: str) -> None:
    from corpus.postgres import Indexer

    async with await open_pg(pg_url) as store:
        await store.add(RIVER, "t")
        started = asyncio.Event()

        async def push(passages: Sequence[Any], deleted: Sequence[int]) -> None:
            started.set()
            await asyncio.sleep(3600)

        task = asyncio.create_task(Indexer(store, push).run_once())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        lag = await store.index_lag()
        assert (lag.pending, lag.claimed) == (1, 0)


async def test_an_add_whose_commit_answer_was_lost_is_looked_up(pg_url: str) -> None:
    """The connection breaks after COMMIT was sent: the add tells by the hash whether it
    committed (here it did), rather than failing or adding twice."""
    import asyncpg

    async with await open_pg(pg_url) as store:
        real_write = store._write

        async def write_then_lose_the_answer(op: Any, attempt: Any) -> Any:
            await real_write(op, attempt)
            assert attempt.committing
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")

        store._write = write_then_lose_the_answer
        result = await store.add(RIVER, "tester")
        assert not result.duplicate and result.article.title == RIVER.title
        store._write = real_write
        assert await store.count_articles() == 1
        assert (await store.add(RIVER, "tester")).duplicate


async def test_a_remove_whose_commit_answer_was_lost_returns_the_article(pg_url: str) -> None:
    import asyncpg

    async with await open_pg(pg_url) as store:
        river = (await store.add(RIVER, "tester")).article
        real_write = store._write

        async def write_then_lose_the_answer(op: Any, attempt: Any) -> Any:
            await real_write(op, attempt)
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")

        store._write = write_then_lose_the_answer
        assert await store.remove(river.id) == river
        store._write = real_write
        assert await store.get(river.id) is None
        assert await store.generation() == 2


async def test_a_store_whose_database_is_away_says_so(pg_url: str) -> None:
    from corpus.postgres import StoreUnavailable

    parts = urlsplit(pg_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    away = urlunsplit(parts._replace(netloc=f"{parts.username}:secret@127.0.0.1:{port}"))
    with pytest.raises(StoreUnavailable, match="does not answer") as raised:
        await open_pg(away, reconnect_timeout=0.3)
    assert "secret" not in str(raised.value)


async def test_the_embedded_retriever_runs_on_it_in_each_replica(
    pg_url: str, tmp_path: Path
) -> None:
    """Two processes' worth of stores on one database, each with its own embedded index
    (``path``): what one adds or removes, the other's index finds or drops on its next sync."""
    from index.search.retriever import Retriever, RetrieverSettings

    async with (
        await open_pg(pg_url, index_dir=tmp_path / "one") as one,
        await open_pg(pg_url, index_dir=tmp_path / "two") as two,
    ):
        assert one.path.parent == tmp_path / "one" and one.path.name == one.db_id
        river = (await one.add(RIVER, "t")).article
        first = await Retriever.open(one, RetrieverSettings())
        second = await Retriever.open(two, RetrieverSettings())
        question = "When does the river festival open?"
        assert [h.title for h in await second.search(question, 3)] == [RIVER.title]
        await one.add(LATER, "t")
        await second.sync()
        assert [h.title for h in await second.search("second article arrives", 3)] == ["Later"]
        await one.remove(river.id)
        await second.sync()
        assert RIVER.title not in [h.title for h in await second.search(question, 3)]
        await first.sync()
        assert RIVER.title not in [h.title for h in await first.search(question, 3)]


async def test_an_add_whose_commit_was_lost_with_its_answer_is_made_again(pg_url: str) -> None:
    import asyncpg

    async with await open_pg(pg_url) as store:
        real_write = store._write
        lost: list[bool] = []

        async def lose_the_commit(op: Any, attempt: Any) -> Any:
            if lost:
                return await real_write(op, attempt)

            async def then_fail(connection: Any) -> Any:
                await op(connection)
                attempt.committing = True  # as if COMMIT was sent, but it never arrived
                lost.append(True)
                raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")

            return await real_write(then_fail, _NoAttempt())

        store._write = lose_the_commit
        result = await store.add(RIVER, "tester")
        assert lost and not result.duplicate
        store._write = real_write
        assert await store.count_articles() == 1 and await store.generation() == 1


class _NoAttempt:
    committing = False


async def test_a_queued_passage_reads_as_the_stores_readers_give_it(pg_url: str) -> None:
    """What the indexer pushes converts to what index.search.solr.documents reads."""
    async with await open_pg(pg_url) as store:
        await store.add(RIVER, "t")
        await store.add(article("Long", text_of(3, 40)), "t")
        docs, gone = await store.index_documents([1, 2])
        assert not gone and len(docs) > 2
        ids = [d.passage_id for d in docs]
        rows = [row async for batch in store.passages_for_indexing() for row in batch]
        assert [d.index_row() for d in docs] == rows
        stored = await store.passages(ids)
        assert [d.stored_passage() for d in docs] == [stored[i] for i in ids]
        articles = await store.articles([1, 2])
        assert [d.article() for d in docs] == [articles[d.article_id] for d in docs]
