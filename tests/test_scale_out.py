"""The scale-out mode wired into the application (issue 28): articles in PostgreSQL, search on
SolrCloud, through the engine, the command line (a separate process per command, as a user
runs it) and the Telegram bot.

The cluster tests need a running local cluster: ``eval "$(scripts/local-cluster start)"``
sets QABOT_SOLR_URL, QABOT_SOLR_COLLECTION and QABOT_DATABASE_URL. Without them they skip,
unless QABOT_CLUSTER_REQUIRED=1 (as in CI), when they fail. Each runs in a PostgreSQL schema
of its own (``?search_path=``) and a scratch Solr collection (2 shards, 2 replicas, its own
configset), both dropped after. The fault tests stop Solr nodes with scripts/local-cluster and
start them again, whatever happens. The tests that need no cluster run always.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botapi import TOKEN, FakeBotApi, Sent

from bot.cli import build_parser
from bot.engine import Engine, EngineSettings
from bot.paths import db_location, shown
from bot.settings import Settings
from bot.telegram import build_application
from corpus.postgres.errors import StoreUnavailable
from index.search.solr import admin
from index.search.solr.client import SearchUnavailable, SolrClient, SolrSettings
from tests.cluster_env import (
    COLLECTION,
    DATABASE_URL,
    MISSING,
    REQUIRED,
    SOLR_URLS,
    pg_admin,
    with_schema,
)

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "scripts" / "local-cluster"

if MISSING and REQUIRED:
    pytest.fail(
        f"QABOT_CLUSTER_REQUIRED is set but {', '.join(MISSING)} is not: "
        'start the cluster with eval "$(scripts/local-cluster start)"',
        pytrace=False,
    )


def cluster(test: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a test as needing the local cluster (skipped without it)."""
    skip = pytest.mark.skipif(
        bool(MISSING),
        reason=f"no local cluster: {', '.join(MISSING)} unset "
        '(start one with eval "$(scripts/local-cluster start)")',
    )
    return pytest.mark.cluster(pytest.mark.e2e(skip(test)))


ENGLISH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
ADMIN = 42

ARTICLES = {
    "lighthouse.txt": "Lighthouse repainted\n\nThe lighthouse at Dunmore was repainted red and "
    "white in July. Painters worked from ropes for three weeks.",
    "ferry.txt": "Island ferry timetable\n\nThe island ferry now crosses the bay every forty "
    "minutes. The first crossing leaves the harbour at six in the morning.",
    "orchard.md": "# Orchard harvest\n\nThe village orchard picked nine tonnes of cider apples "
    "this autumn. Volunteers pressed the juice in the old barn.",
}
LIGHTHOUSE_Q = "When was the lighthouse at Dunmore repainted?"
FERRY_Q = "How often does the island ferry cross the bay?"
LATE = (
    "Glassworks reopens\n\nThe old glassworks on Mill Lane reopens as a museum on the first of "
    "May. Visitors can watch glassblowers shape vases by hand."
)
LATE_Q = "When does the glassworks on Mill Lane reopen as a museum?"


# -- the cluster: a schema and a collection of each test's own ---------------------------------


def solr_settings(collection: str) -> SolrSettings:
    return SolrSettings(urls=SOLR_URLS, collection=collection, timeout=60)


@dataclass(frozen=True)
class Scale:
    """One test's PostgreSQL schema (``db``: its URL) and Solr collection."""

    db: str
    collection: str
    folder: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            "QABOT_DB": self.db,
            "QABOT_SOLR_URL": ",".join(SOLR_URLS),
            "QABOT_SOLR_COLLECTION": self.collection,
        }

    def qabot(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """``qabot ARGS`` in a process of its own, in this schema and collection."""
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env={**os.environ, **ENGLISH, **self.env},
        )

    def ask(self, question: str) -> dict[str, Any]:
        done = self.qabot("ask", "--json", question)
        assert done.returncode == 0, done.stderr
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer

    def stats(self) -> dict[str, Any]:
        done = self.qabot("stats", "--json")
        assert done.returncode == 0, done.stderr
        stats: dict[str, Any] = json.loads(done.stdout)
        return stats

    async def engine(self) -> Engine:
        """An engine of this process on the schema and collection (the environment is the
        test's: see the ``scale`` fixture)."""
        return await Engine.open(self.db, EngineSettings.from_env())

    async def solr_count(self) -> int:
        async with SolrClient(solr_settings(self.collection)) as client:
            await client.update({"commit": {}}, softCommit="true", waitSearcher="true")
            body = await client.query({"query": "*:*", "limit": 0})
            return int(body["response"]["numFound"])

    async def solr_article_ids(self) -> set[int]:
        async with SolrClient(solr_settings(self.collection)) as client:
            await client.update({"commit": {}}, softCommit="true", waitSearcher="true")
            body = await client.query({"query": "*:*", "limit": 1000, "fields": "article_id"})
            return {int(d["article_id"]) for d in body["response"]["docs"]}


@pytest.fixture
async def scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Scale]:
    """A fresh schema and a fresh 2-shard, 2-replica collection; this process's environment
    points at them (as the command line's does)."""
    if MISSING:
        pytest.skip("no local cluster")
    name = f"qabot_scale_{uuid.uuid4().hex[:8]}"
    schema = f"qabot_test_{uuid.uuid4().hex[:12]}"
    await pg_admin(f'CREATE SCHEMA "{schema}"')
    async with SolrClient(solr_settings(name)) as client:
        await admin.init_collection(client, layout=admin.CollectionLayout(2, 2, f"{name}_conf"))
    folder = tmp_path / "articles"
    folder.mkdir()
    for file, text in ARTICLES.items():
        (folder / file).write_text(text)
    found = Scale(with_schema(DATABASE_URL, schema), name, folder)
    for key, value in {**found.env, **ENGLISH}.items():
        monkeypatch.setenv(key, value)
    try:
        yield found
    finally:
        async with SolrClient(solr_settings(name)) as client:
            await admin.delete_collection(client, name)
            await admin.delete_configset(client, f"{name}_conf")
        await pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


def local_cluster(*args: str) -> None:
    subprocess.run([str(CLUSTER), *args], check=True, timeout=300)


async def nodes_back(*collections: str) -> None:
    """Start every Solr node again and wait until the collections' replicas are active."""
    for n in range(1, len(SOLR_URLS) + 1):
        await asyncio.to_thread(local_cluster, "start-node", str(n))
    async with SolrClient(solr_settings(COLLECTION)) as client:
        for collection in (COLLECTION, *collections):
            await admin.wait_active(client, collection, timeout=180)


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 90) -> Any:
    """Wait until ``check()`` returns something true; that."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.5)


def cited(answer: dict[str, Any]) -> set[int]:
    return {s["article_id"] for s in answer["sentences"]} | {
        s["article_id"] for s in answer["sources"]
    }


def answered_from(answer: dict[str, Any], title: str) -> bool:
    return (
        answer["verdict"] in ("sure", "closest")
        and bool(answer["sentences"])
        and answer["sentences"][0]["citation"] == 1
        and answer["sources"][0]["title"] == title
    )


# -- the command line and the engine ------------------------------------------------------------


@cluster
async def test_articles_added_by_qabot_add_are_answered_by_qabot_ask(scale: Scale) -> None:
    added = scale.qabot("add", str(scale.folder))
    assert added.returncode == 0, added.stderr
    assert "3 added, 0 duplicate, 0 failed" in added.stdout
    assert "waiting to be indexed" not in added.stderr  # qabot add pushed them itself
    # an indexer (any process's) finds nothing left to do
    engine = await scale.engine()
    try:
        assert engine.indexer is not None
        assert await engine.indexer.drain() == 0
    finally:
        await engine.close()
    assert await scale.solr_count() == 3
    answer = scale.ask(LIGHTHOUSE_Q)
    assert answered_from(answer, "Lighthouse repainted"), answer
    assert "July" in answer["sentences"][0]["text"]
    ferry = scale.ask(FERRY_Q)
    assert answered_from(ferry, "Island ferry timetable"), ferry
    assert "forty minutes" in ferry["sentences"][0]["text"]
    assert scale.qabot("add", str(scale.folder / "ferry.txt")).stdout.startswith("duplicate")


@cluster
async def test_a_sqlite_store_with_search_on_solr(scale: Scale, tmp_path: Path) -> None:
    """A SQLite file and QABOT_SOLR_URL: one process keeps the collection in step itself."""
    db = str(tmp_path / "q.db")
    assert scale.qabot("--db", db, "add", str(scale.folder)).returncode == 0
    assert await scale.solr_count() == 3
    answer = json.loads(scale.qabot("--db", db, "ask", "--json", LIGHTHOUSE_Q).stdout)
    assert answered_from(answer, "Lighthouse repainted"), answer
    stats = json.loads(scale.qabot("--db", db, "stats", "--json").stdout)
    assert stats["articles"] == 3 and "index_lag" not in stats
    lighthouse = answer["sources"][0]["article_id"]
    assert scale.qabot("--db", db, "remove", str(lighthouse)).returncode == 0
    again = json.loads(scale.qabot("--db", db, "ask", "--json", LIGHTHOUSE_Q).stdout)
    assert lighthouse not in cited(again)
    assert await scale.solr_count() == 2


@cluster
async def test_the_lag_shows_in_qabot_stats_and_reindex_drains_it(scale: Scale) -> None:
    from corpus.postgres import PostgresStore
    from tests.conftest import article

    async with await PostgresStore.open(scale.db) as store:  # as a replica's add: no push
        await store.add(article("Lighthouse repainted", ARTICLES["lighthouse.txt"][22:]), "t")
        await store.add(article("Glassworks reopens", LATE.split("\n\n")[1]), "t")
    await asyncio.sleep(1.2)
    stats = scale.qabot("stats")
    assert stats.returncode == 0, stats.stderr
    lines = stats.stdout.splitlines()
    assert lines[0].startswith("2 articles, 2 passages, 4 sentences")
    assert lines[0].endswith(f"MB in {shown(DATABASE_URL)}")
    assert ":" not in shown(DATABASE_URL).split("@")[0].removeprefix("postgresql://")
    words = lines[1].split()
    assert lines[1].startswith("search index: 2 waiting, 0 being indexed, the oldest for ")
    assert int(words[-2]) >= 1 and words[-1] == "s"
    as_json = scale.stats()
    assert as_json["index_lag"]["pending"] == 2 and as_json["index_lag"]["oldest_seconds"] >= 1
    assert as_json["location"] == shown(DATABASE_URL) and "password" not in json.dumps(as_json)
    assert scale.ask(LATE_Q)["verdict"] == "none"  # not searchable yet
    async with SolrClient(solr_settings(scale.collection)) as client:  # a lost deletion
        await client.update(
            [
                {
                    "id": "999999",
                    "passage_id": 999999,
                    "article_id": 424242,
                    "terms": "glassworks mill lane museum",
                    "text": "The glassworks closed for good.",
                    "language": "en",
                }
            ],
            commit="true",
        )
    assert await scale.solr_count() == 1
    reindexed = scale.qabot("reindex")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "reindexed 2 passages" in reindexed.stdout
    assert await scale.solr_article_ids() == {
        a["id"] for a in json.loads(scale.qabot("list", "--json").stdout)
    }
    assert scale.stats()["index_lag"]["pending"] == 0
    assert "search index: 0 waiting" in scale.qabot("status").stdout
    assert answered_from(scale.ask(LATE_Q), "Glassworks reopens")


@cluster
async def test_a_removed_article_is_never_cited(scale: Scale) -> None:
    assert scale.qabot("add", str(scale.folder)).returncode == 0
    ids = {a["title"]: a["id"] for a in json.loads(scale.qabot("list", "--json").stdout)}
    lighthouse = ids["Lighthouse repainted"]
    assert lighthouse in cited(scale.ask(LIGHTHOUSE_Q))
    # removed by another replica whose deletion has not reached Solr: Solr still holds it
    from corpus.postgres import PostgresStore

    async with await PostgresStore.open(scale.db) as store:
        assert await store.remove(lighthouse) is not None
        assert (await store.index_lag()).pending == 1
    assert lighthouse in await scale.solr_article_ids()
    engine = await scale.engine()
    try:
        assert await engine.search("lighthouse Dunmore repainted", 10) == []
        hits = await engine.search("lighthouse island ferry orchard", 10)
        assert {h.title for h in hits} == {"Island ferry timetable", "Orchard harvest"}
        answer = await engine.ask(LIGHTHOUSE_Q)
        assert lighthouse not in {q.article_id for q in answer.quotes}
        assert lighthouse not in {s.article_id for s in answer.sources}
    finally:
        await engine.close()
    asked = scale.ask(LIGHTHOUSE_Q)
    assert lighthouse not in cited(asked)
    assert lighthouse in await scale.solr_article_ids()  # still, until an indexer runs
    # `qabot remove` queues the deletion and pushes it (here: both)
    ferry = ids["Island ferry timetable"]
    removed = scale.qabot("remove", str(ferry))
    assert removed.returncode == 0 and "removed #" in removed.stdout, removed.stderr
    assert ferry not in cited(scale.ask(FERRY_Q))
    assert await scale.solr_article_ids() == {ids["Orchard harvest"]}
    assert scale.stats()["index_lag"]["pending"] == 0


@cluster
async def test_questions_are_answered_with_one_solr_node_stopped(scale: Scale) -> None:
    assert len(SOLR_URLS) >= 2, "the failover test needs two nodes"
    assert scale.qabot("add", str(scale.folder)).returncode == 0
    local_cluster("kill-node", "1")  # the first in QABOT_SOLR_URL: every request fails over
    try:
        answer = scale.ask(LIGHTHOUSE_Q)
        assert answered_from(answer, "Lighthouse repainted"), answer
        engine = await scale.engine()
        try:
            ferry = await engine.ask(FERRY_Q)
            assert ferry.verdict in ("sure", "closest") and ferry.sources[0].title == (
                "Island ferry timetable"
            )
        finally:
            await engine.close()
    finally:
        await nodes_back(scale.collection)


@cluster
async def test_an_article_added_through_one_replica_is_answered_by_another(scale: Scale) -> None:
    """Two replicas (engines as qabot serve opens them, each running the indexer): an add
    through one is searchable through the other within seconds; neither pushes it twice."""
    one, two = await scale.engine(), await scale.engine()
    try:
        one.start_indexing()
        two.start_indexing()
        added = await one.add_text(LATE, "telegram:42")
        assert added.status == "added" and added.article is not None
        start = time.monotonic()

        async def answered() -> Any:
            answer = await two.ask(LATE_Q)
            return answer if answer.verdict in ("sure", "closest") else None

        answer = await until(answered, timeout=30)
        assert answer.sources[0].title == "Glassworks reopens" and "May" in answer.quotes[0].text
        assert time.monotonic() - start < 15
        assert (await two.index_lag()).pending == 0  # type: ignore[union-attr]
        assert await scale.solr_count() == added.article.passages
    finally:
        await one.close()
        await two.close()


@cluster
async def test_a_postgresql_restart_during_adds_tells_which_articles_were_stored(
    scale: Scale, tmp_path: Path
) -> None:
    """PostgreSQL stopped (as a crash would stop it) in the middle of a batch of adds: each
    article is stored whole or not at all, its outcome says which, the adds after the restart
    go through, and what was stored reaches Solr."""
    from bot.scale import open_search
    from corpus.postgres import PostgresStore
    from index.search.retriever import RetrieverSettings

    source = tmp_path / "batch.jsonl"
    words = "harbour ferry orchard lighthouse market bakery bridge museum choir".split()
    records = [
        {
            "title": f"Notice {n}",
            "text": " ".join(
                f"Notice {n} says the {words[(n + i) % len(words)]} opens at {i + 1} o'clock."
                for i in range(40)
            ),
        }
        for n in range(150)
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    store = await PostgresStore.open(scale.db, reconnect_timeout=1.0)
    retriever, indexer = await open_search(store, RetrieverSettings())
    engine = Engine(store, retriever, EngineSettings(), indexer)
    try:
        seen: list[Any] = []
        adding = asyncio.create_task(engine.add_source(str(source), "admin", seen.append))
        while len(seen) < 3:
            assert not adding.done()
            await asyncio.sleep(0.01)
        local_cluster("stop-pg")
        try:
            deadline = time.monotonic() + 60
            while sum(o.status == "failed" for o in seen) < 2:
                assert not adding.done() and time.monotonic() < deadline, seen
                await asyncio.sleep(0.01)
        finally:
            local_cluster("start-pg")
        outcomes = await asyncio.wait_for(adding, timeout=300)
    finally:
        await engine.close()
    assert len(outcomes) == len(records)
    failed = [o for o in outcomes if o.status == "failed"]
    assert len(failed) >= 2 and outcomes[-1].status == "added"
    for o in failed:
        assert o.error is not None and "add it again once the database is back" in o.error
    import asyncpg

    connection = await asyncpg.connect(scale.db, timeout=60)
    try:
        rows = await connection.fetch(
            "SELECT a.title, (SELECT count(*) FROM passages p WHERE p.article_id = a.id) AS n,"
            " (SELECT count(*) FROM sentences s WHERE s.article_id = a.id) AS sentences"
            " FROM articles a"
        )
    finally:
        await connection.close()
    stored = {r["title"]: (r["n"], r["sentences"]) for r in rows}
    added = {o.article.title: o.article for o in outcomes if o.article is not None}
    assert set(added) <= set(stored)
    for title, article in added.items():
        assert stored[title] == (article.passages, article.sentences), title
    for o in failed:
        title = f"Notice {int(o.name.rsplit(':', 1)[1]) - 1}"
        if "was not stored" in (o.error or ""):
            assert title not in stored, title
    assert sum(n for n, _ in stored.values()) == await scale.solr_count()


# -- Solr down entirely ----------------------------------------------------------------------


async def start_bot(api: FakeBotApi, engine: Engine) -> Any:
    settings = Settings(token=TOKEN, admins=frozenset({ADMIN}), bot_api_url=api.url)
    app = build_application(settings, engine)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    return app


async def stop_bot(app: Any) -> None:
    await app.updater.stop()
    await app.stop()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    await app.shutdown()


async def reply(api: FakeBotApi, chat_id: int, text: str, timeout: float = 30) -> Sent:
    """Send a message; the bot's first reply to it."""
    start = len(api.calls)
    message = api.message(chat_id, text)

    def replied(calls: list[Sent]) -> Sent | None:
        for c in calls[start:]:
            params = c.params.get("reply_parameters") or {}
            if c.method == "sendMessage" and params.get("message_id") == message["message_id"]:
                return c
        return None

    found: Sent = await api.wait_for(replied, timeout=timeout)
    return found


@cluster
async def test_with_solr_down_questions_say_so_adds_are_kept_and_indexed_when_it_returns(
    scale: Scale,
) -> None:
    assert scale.qabot("add", str(scale.folder)).returncode == 0
    late = scale.folder / "late.txt"
    late.write_text(LATE)
    engine = await scale.engine()  # a bot replica: its indexer runs in the background
    api = FakeBotApi()
    await api.start()
    app = await start_bot(api, engine)
    try:
        assert "forty minutes" in (await reply(api, 7, FERRY_Q)).plain
        for n in range(1, len(SOLR_URLS) + 1):
            local_cluster("kill-node", str(n))
        try:
            with pytest.raises(SearchUnavailable):
                await engine.ask(FERRY_Q)
            sent = await reply(api, 7, FERRY_Q)
            assert sent.plain == "Search is unavailable right now; please try again shortly."
            added = scale.qabot("add", str(late))  # another process, while Solr is down
            assert added.returncode == 0, added.stderr
            assert "1 added, 0 duplicate, 0 failed" in added.stdout
            assert "articles waiting to be indexed for search: 1" in added.stderr
            assert scale.stats()["index_lag"]["pending"] == 1
            admin_stats = (await reply(api, ADMIN, "/stats")).plain
            assert "4 articles" in admin_stats and "search index: 1 waiting" in admin_stats
            asked = scale.qabot("ask", LATE_Q)
            assert asked.returncode == 1 and "search is unavailable" in asked.stderr
            engine.start_indexing()  # as qabot serve does; it retries while Solr is down
            await asyncio.sleep(2)
            assert (await engine.index_lag()).pending == 1  # type: ignore[union-attr]
        finally:
            await nodes_back(scale.collection)

        async def indexed() -> bool:
            lag = await engine.index_lag()
            return lag is not None and lag.pending == 0

        await until(indexed, timeout=120)  # the backoff is at most 30 s

        async def answered() -> Sent | None:
            sent = await reply(api, 8, LATE_Q)
            return sent if "first of May" in sent.plain else None

        assert "Glassworks reopens" in (await until(answered, timeout=30)).plain
        assert answered_from(scale.ask(LATE_Q), "Glassworks reopens")
    finally:
        await stop_bot(app)
        await engine.close()
        await api.stop()


# -- no cluster needed ---------------------------------------------------------------------------


def test_a_database_url_given_to_db_stays_a_url() -> None:
    url = "postgresql://qabot:secret@db.example.org:5432/qabot?search_path=news"
    args = build_parser().parse_args(["--db", url, "stats"])
    assert args.db == url
    assert build_parser().parse_args(["--db", "~/q.db", "list"]).db == Path.home() / "q.db"
    assert db_location(" postgres://h/db ") == "postgres://h/db"
    assert shown(url) == "postgresql://qabot@db.example.org:5432/qabot"
    assert build_parser().parse_args(["status"]).run.__name__ == "cmd_stats"


def test_help_never_shows_the_databases_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QABOT_DB", "postgresql://qabot:hunter2@db.example.org/qabot")
    for key, value in ENGLISH.items():
        monkeypatch.setenv(key, value)
    text = build_parser().format_help()
    assert "hunter2" not in text and "postgresql://qabot@db.example.org/qabot" in text
    settings = Settings.from_env(env={"TELEGRAM_BOT_TOKEN": TOKEN, "QABOT_DB": "postgres://h/d"})
    assert settings.db == "postgres://h/d"
    secret = "postgresql://qabot:hunter2@db.example.org/qabot"
    assert "hunter2" not in repr(settings.with_options(db=secret))


def test_qabot_solr_is_a_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "solr", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **ENGLISH},
    )
    assert done.returncode == 0, done.stderr
    assert "init" in done.stdout and "status" in done.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **ENGLISH},
    )
    assert "set up search on SolrCloud" in listed.stdout


async def test_an_add_the_database_did_not_take_is_a_failed_outcome_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each input is told apart: stored, or not stored (with the store's own message)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for file, text in ARTICLES.items():
        (folder / file).write_text(text)
    async with await Engine.open(tmp_path / "q.db", EngineSettings()) as engine:
        real = engine.store.add

        async def flaky(prepared: Any, added_by: str) -> Any:
            if prepared.title == "Island ferry timetable":
                raise StoreUnavailable(
                    "the article database at postgresql://q@h/db does not answer (refused):"
                    " 'Island ferry timetable' was not stored; add it again once the database"
                    " is back",
                    stored=False,
                )
            return await real(prepared, added_by)

        monkeypatch.setattr(engine.store, "add", flaky)
        outcomes = await engine.add_source(str(folder), "test")
        status = {Path(o.name).name: o.status for o in outcomes}
        assert status == {"ferry.txt": "failed", "lighthouse.txt": "added", "orchard.md": "added"}
        ferry = next(o for o in outcomes if o.name.endswith("ferry.txt"))
        assert ferry.error is not None and "was not stored; add it again" in ferry.error
        assert await engine.store.count_articles() == 2


async def test_a_question_while_search_is_unavailable_gets_a_clear_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Engine.open(tmp_path / "q.db", EngineSettings()) as engine:

        async def down(question: str) -> None:
            raise SearchUnavailable("search is unavailable: no Solr node answered; try again")

        monkeypatch.setattr(engine, "ask", down)
        async with FakeBotApi() as api:
            app = await start_bot(api, engine)
            try:
                sent = await reply(api, 5, "When does the ferry leave?")
                assert sent.plain == "Search is unavailable right now; please try again shortly."
                german = api.message(6, "Wann fährt die Fähre?", language_code="de")
                del german
                found = await api.wait_for(lambda calls: api.sent(chat_id=6))
                assert found[0].plain == (
                    "Die Suche ist gerade nicht verfügbar. Bitte versuch es gleich noch einmal."
                )
            finally:
                await stop_bot(app)


def test_the_embedded_default_loads_neither_solr_nor_asyncpg(tmp_path: Path) -> None:
    code = (
        "import asyncio, sys\n"
        "from bot.engine import Engine, EngineSettings\n"
        "async def main():\n"
        "    async with await Engine.open(sys.argv[1], EngineSettings(), answers=False) as e:\n"
        "        await e.add_text('Ferry\\n\\nThe ferry leaves at six. It is late.', 'test')\n"
        "        assert await e.search('ferry')\n"
        "        assert e.indexer is None and await e.index_lag() is None\n"
        "asyncio.run(main())\n"
        "loaded = ('asyncpg', 'index.search.solr', 'corpus.postgres.store')\n"
        "print(sorted(m for m in loaded if m in sys.modules))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QABOT_SOLR_URL", "QABOT_DB")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "q.db")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
