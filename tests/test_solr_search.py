"""Search on SolrCloud (index/search/solr): the SolrRetriever against the embedded engine,
Lucene's BM25 formula, node failover, an unreachable Solr and the answerer end to end.

The cluster tests need a running local cluster: ``eval "$(scripts/local-cluster start)"``
sets QABOT_SOLR_URL and QABOT_SOLR_COLLECTION. Without them they skip, unless
QABOT_CLUSTER_REQUIRED=1 (as in CI), when they fail. They run in a scratch collection (and
configset) made for this module by ``index.search.solr.admin`` and deleted afterwards, so
qabot's own collection stays clean. The tests that need no cluster run always.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from corpus.errors import QabotError
from corpus.models import Draft
from corpus.prepare import prepare
from corpus.store import Store
from index.answer import Answerer, AnswerSettings
from index.search.languages import Analyzers
from index.search.retriever import Retriever, RetrieverSettings
from index.search.solr import admin
from index.search.solr import documents as solr_docs
from index.search.solr.client import (
    SearchUnavailable,
    SolrClient,
    SolrError,
    SolrSettings,
    parse_urls,
)
from index.search.solr.query import counted, escape, term_list, terms_query
from index.search.solr.retriever import SolrRetriever, SolrRetrieverSettings

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).with_name("fixtures") / "solr" / "articles.jsonl"
SOLR_URLS = parse_urls(os.environ.get("QABOT_SOLR_URL", ""))
COLLECTION = os.environ.get("QABOT_SOLR_COLLECTION", "")
MISSING = [
    name
    for name, value in (("QABOT_SOLR_URL", SOLR_URLS), ("QABOT_SOLR_COLLECTION", COLLECTION))
    if not value
]
REQUIRED = os.environ.get("QABOT_CLUSTER_REQUIRED", "") not in ("", "0")

if MISSING and REQUIRED:
    pytest.fail(
        f"QABOT_CLUSTER_REQUIRED is set but {', '.join(MISSING)} is not: "
        'start the cluster with eval "$(scripts/local-cluster start)"',
        pytrace=False,
    )

pytestmark = [pytest.mark.cluster]
needs_cluster = pytest.mark.skipif(
    bool(MISSING),
    reason=f"no local cluster: {', '.join(MISSING)} unset "
    '(start one with eval "$(scripts/local-cluster start)")',
)

QUESTIONS = [
    "When does the river festival open?",
    "Why is the mill bridge closed?",
    "How often does the ferry cross the river?",
    "How late is the library open?",
    "Which bakery won the bread prize?",
    "When will the station get a new platform?",
    "Why were the coast trains delayed?",
    "What did pupils plant in the school garden?",
    "How big is the council budget?",
    "What does the museum show?",
    "When does the swimming pool reopen?",
    "Where is the Saturday market?",
    "Why was the honey harvest poor?",
    "What did the storm flood?",
    "How will the flood defences protect homes?",
    "When does the choir sing at the church?",
    "Who did the football club beat?",
    "Where does the cycling lane go?",
    "How many beds will the children's ward have?",
    "Who should book a flu vaccine?",
    "What did archaeologists find at the castle?",
    "What can walkers see from Castle Hill?",
    "Who retired after teaching piano?",
    "Where did the penguins come from?",
    "When did salmon return to the river?",
    "How much do bus fares rise?",
    "When does the night bus leave the station?",
    "Who was elected mayor?",
    "How many trees were planted in the park?",
    "Where is the wind farm proposed?",
]
SHARDS, REPLICAS = 2, 2
TOP = 5


@dataclass(frozen=True)
class Fixture:
    solr: SolrSettings
    db: Path


def solr_settings(collection: str, urls: tuple[str, ...] = SOLR_URLS) -> SolrSettings:
    return SolrSettings(urls=urls, collection=collection, timeout=60)


async def _build(db: Path, solr: SolrSettings, config: str) -> None:
    async with SolrClient(solr) as client:
        layout = admin.CollectionLayout(SHARDS, REPLICAS, config_name=config)
        assert await admin.init_collection(client, solr.collection, layout)
        store = await Store.open(db)
        try:
            for line in ARTICLES.read_text().splitlines():
                await store.add(prepare(Draft(**json.loads(line))), "test")
            analyzers = Analyzers(RetrieverSettings().analyzer)
            sent = await solr_docs.index_passages(client, store, analyzers, batch=10)
            assert sent == await store.count_passages()
            await solr_docs.commit(client)
        finally:
            await store.close()


async def _drop(solr: SolrSettings, config: str) -> None:
    async with SolrClient(solr) as client:
        await admin.delete_collection(client, solr.collection)
        await admin.delete_configset(client, config)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    """A scratch collection (its own configset, uploaded from the repository) holding the
    fixture articles' passages, and the SQLite store they came from."""
    if MISSING:
        pytest.skip("no local cluster")
    name = f"qabot_search_{uuid.uuid4().hex[:8]}"
    solr = solr_settings(name)
    db = tmp_path_factory.mktemp("solr") / "qabot.db"
    try:
        asyncio.run(_build(db, solr, f"{name}_conf"))
        yield Fixture(solr, db)
    finally:
        asyncio.run(_drop(solr, f"{name}_conf"))


@pytest.fixture
async def store(fixture: Fixture) -> AsyncIterator[Store]:
    async with await Store.open(fixture.db) as opened:
        yield opened


@pytest.fixture
async def embedded(store: Store) -> Retriever:
    return await Retriever.open(store)


async def solr_retriever(solr: SolrSettings, rescore: bool = True) -> SolrRetriever:
    settings = SolrRetrieverSettings(rescore=rescore)
    return await SolrRetriever.open(settings, solr)


def overlap(a: list[int], b: list[int]) -> float:
    if not a and not b:
        return 1.0
    return len(set(a) & set(b)) / max(len(a), len(b))


# -- no cluster needed -----------------------------------------------------------------------


def test_terms_are_escaped_for_the_lucene_parser():
    assert escape("c++") == "c\\+\\+"
    assert escape("x:y") == "x\\:y"
    assert escape("AND") == "\\AND"
    assert escape("u.s") == "u.s" and escape("東京") == "東京"
    assert terms_query(counted(["river", "a:b", "river"])) == (
        "{!lucene df=terms q.op=OR cache=false}river^2 a\\:b"
    )
    assert term_list(["a,b", "c"]) == "a\\,b,c"


def test_node_urls_come_from_the_environment():
    settings = SolrSettings.from_env(
        {"QABOT_SOLR_URL": " http://a:1/solr/, http://b:2/solr,http://a:1/solr"}
    )
    assert settings.urls == ("http://a:1/solr", "http://b:2/solr")
    assert settings.collection == "qabot" and settings.timeout == 10.0
    env = {"QABOT_SOLR_URL": "http://a:1/solr", "QABOT_SOLR_TIMEOUT": "2.5"}
    assert SolrSettings.from_env(env).timeout == 2.5
    with pytest.raises(QabotError, match="QABOT_SOLR_TIMEOUT"):
        SolrSettings.from_env({**env, "QABOT_SOLR_TIMEOUT": "soon"})
    with pytest.raises(QabotError, match="QABOT_SOLR_URL"):
        SolrSettings.from_env({})
    with pytest.raises(QabotError, match="not an http"):
        SolrSettings.from_env({"QABOT_SOLR_URL": "127.0.0.1:8983/solr"})


def test_the_configset_is_zipped_with_its_files_at_the_root():
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(admin.zip_configset())).namelist()
    assert {"solrconfig.xml", "managed-schema.xml"} <= set(names)
    with pytest.raises(QabotError, match="not a configset folder"):
        admin.zip_configset(ROOT / "docs")


async def test_the_client_fails_over_on_timeouts_and_5xx_and_rests_a_failed_node():
    import httpx

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        asked.append(host)
        if host == "hung":
            raise httpx.ReadTimeout("no answer", request=request)
        if host == "broken":
            return httpx.Response(503, json={"error": {"msg": "no servers hosting shard"}})
        if host == "refusing":
            return httpx.Response(400, json={"error": {"msg": "undefined field nope"}})
        return httpx.Response(200, json={"response": {"docs": []}})

    urls = ("http://hung/solr", "http://broken/solr", "http://fine/solr")
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = SolrClient(SolrSettings(urls=urls), http=http)
    try:
        assert await client.query({"query": "*:*"}) == {"response": {"docs": []}}
        assert asked == ["hung", "broken", "fine"]
        asked.clear()
        await client.query({"query": "*:*"})  # the failed nodes rest: the good one first
        assert asked == ["fine"]
        refusing = SolrClient(SolrSettings(urls=("http://refusing/solr", *urls)), http=http)
        asked.clear()
        with pytest.raises(SolrError, match="undefined field nope"):  # 4xx: not the node's fault
            await refusing.query({"query": "nope:1"})
        assert asked == ["refusing"]
    finally:
        await http.aclose()


def closed_ports(n: int) -> tuple[str, ...]:
    """URLs of ports nothing listens on (bound, then released)."""
    urls = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            urls.append(f"http://127.0.0.1:{s.getsockname()[1]}/solr")
    return tuple(urls)


async def test_unreachable_solr_raises_search_unavailable_naming_every_node():
    urls = closed_ports(3)
    retriever = SolrRetriever(SolrClient(SolrSettings(urls=urls, collection="qabot")))
    try:
        with pytest.raises(SearchUnavailable) as caught:
            await retriever.search("When does the river festival open?", 5)
    finally:
        await retriever.close()
    message = str(caught.value)
    assert message.startswith("search is unavailable: no Solr node answered")
    assert "try again shortly" in message
    for url in urls:
        assert url in message


# -- on the cluster -----------------------------------------------------------------------------


@needs_cluster
async def test_solr_top_5_agrees_with_the_embedded_engine(fixture: Fixture, embedded: Retriever):
    assert len(embedded.index) >= 30 and len(QUESTIONS) >= 20
    figures = {}
    for rescore in (False, True):
        solr = await solr_retriever(fixture.solr, rescore=rescore)
        try:
            assert len(solr.index) == len(embedded.index)
            overlaps = []
            for q in QUESTIONS:
                want = [h.passage_id for h in await embedded.search(q, TOP)]
                got = [h.passage_id for h in await solr.search(q, TOP)]
                overlaps.append(overlap(want, got))
        finally:
            await solr.close()
        figures[rescore] = sum(overlaps) / len(overlaps)
    print(f"top-{TOP} overlap: Lucene's BM25 {figures[False]:.3f}, rescored {figures[True]:.3f}")
    assert figures[False] >= 0.9
    assert figures[True] >= 0.95


@needs_cluster
async def test_rescored_hits_carry_the_embedded_engines_scores_and_fields(
    fixture: Fixture, embedded: Retriever
):
    solr = await solr_retriever(fixture.solr)
    try:
        for q in QUESTIONS[:10]:
            want = {h.passage_id: h for h in await embedded.search(q, TOP)}
            for hit in await solr.search(q, TOP):
                if hit.passage_id not in want:
                    continue
                mine = want[hit.passage_id]
                assert hit.score == pytest.approx(mine.score, rel=1e-9), q
                assert (hit.title, hit.url, hit.text, hit.start) == (
                    mine.title,
                    mine.url,
                    mine.text,
                    mine.start,
                )
                assert hit.article_id == mine.article_id and hit.sentences == mine.sentences
                assert hit.terms == mine.terms
            terms = embedded.analyzer(q)
            assert solr.idf(terms) == pytest.approx(embedded.idf(terms), rel=1e-12)
        assert len(solr.index) == len(embedded.index)
        assert solr.index.snapshot.n_docs == embedded.index.snapshot.n_docs
    finally:
        await solr.close()


@needs_cluster
async def test_a_small_collection_is_read_whole_as_the_embedded_engine_reads_it(
    fixture: Fixture, embedded: Retriever
):
    solr = await solr_retriever(fixture.solr)
    try:
        k = len(embedded.index) + 5
        for q in QUESTIONS[:3]:
            want = await embedded.search(q, k, whole=True)
            got = await solr.search(q, k, whole=True)
            assert len(got) == len(embedded.index)
            assert [h.passage_id for h in got] == [h.passage_id for h in want], q
            assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=1e-9)
        # within one article
        article = (await embedded.search(QUESTIONS[0], 1))[0].article_id
        hits = await solr.search("river boats", 5, article_id=article)
        assert hits and {h.article_id for h in hits} == {article}
    finally:
        await solr.close()


def lucene_bm25(
    query: list[str], docs: dict[int, list[str]], k1: float, b: float
) -> dict[int, float]:
    """Lucene's BM25 (BM25Similarity), computed here: idf = ln(1 + (N - df + 0.5) /
    (df + 0.5)), tf part tf / (tf + k1 (1 - b + b dl / avgdl)), no (k1 + 1); a query term
    repeated counts each time."""
    n = len(docs)
    avgdl = sum(len(t) for t in docs.values()) / n
    df = Counter(t for terms in docs.values() for t in set(terms))
    scores: dict[int, float] = {}
    for pid, terms in docs.items():
        tf = Counter(terms)
        found = [t for t in query if tf[t]]
        if not found:
            continue
        norm = 1 - b + b * len(terms) / avgdl
        scores[pid] = sum(
            math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) * tf[t] / (tf[t] + k1 * norm)
            for t in found
        )
    return scores


@needs_cluster
async def test_solr_scores_equal_lucenes_bm25_computed_in_python(fixture: Fixture, store: Store):
    settings = RetrieverSettings()
    analyzers = Analyzers(settings.analyzer)
    docs: dict[int, list[str]] = {}
    async for rows in store.passages_for_indexing():
        for r in rows:
            docs[r.id] = analyzers.of(r.language)(f"{r.title}\n{r.text}")
    # Lucene stores lengths exactly up to about 40 terms: these passages are shorter
    assert docs and max(len(t) for t in docs.values()) < 40
    solr = await solr_retriever(fixture.solr, rescore=False)
    try:
        compared = 0
        for q in QUESTIONS:
            terms = analyzers.of("en")(q)
            want = lucene_bm25(terms, docs, settings.bm25.k1, settings.bm25.b)
            hits = await solr.search(q, len(docs))
            assert {h.passage_id for h in hits} == set(want), q
            for h in hits:
                assert h.score == pytest.approx(want[h.passage_id], rel=2e-6, abs=1e-6), q
                compared += 1
        print(f"{compared} scores of {len(QUESTIONS)} questions equal Lucene's formula")
        assert compared > 100
    finally:
        await solr.close()


@needs_cluster
async def test_a_question_costs_one_request_and_no_article_database(fixture: Fixture):
    solr = await solr_retriever(fixture.solr)
    sent: list[str] = []
    query = solr.client.query

    async def counting(body: dict[str, object]) -> dict[str, object]:
        sent.append(str(body.get("query")))
        return await query(body)

    solr.client.query = counting  # type: ignore[method-assign]
    try:
        hits = await solr.search("When does the river festival open?", 5)
        assert len(sent) == 1 and hits[0].title == "River festival opens"
        assert any("Friday" in s.text for s in hits[0].sentences)
        # the sentences of an article by position, from Solr too
        sentences = await solr.store.sentences(hits[0].article_id, [1, 0, 7])
        assert [s.position for s in sentences] == [0, 1]
        assert sentences == list(hits[0].sentences[:2])
    finally:
        await solr.close()


@needs_cluster
async def test_the_answerer_answers_end_to_end_through_solr(fixture: Fixture, store: Store):
    solr = await solr_retriever(fixture.solr)
    try:
        answerer = Answerer(solr, AnswerSettings())  # type: ignore[arg-type]
        answer = await answerer.ask("When does the river festival open?")
        embedded = await Answerer(await Retriever.open(store), AnswerSettings()).ask(
            "When does the river festival open?"
        )
    finally:
        await solr.close()
    assert answer.verdict == "sure" and answer.answered, answer
    assert "Friday" in answer.quotes[0].text
    assert answer.sources[0].title == "River festival opens"
    assert answer.indexed == embedded.indexed
    assert [q.text for q in answer.quotes] == [q.text for q in embedded.quotes]
    assert answer.confidence == pytest.approx(embedded.confidence, abs=1e-6)


@needs_cluster
async def test_deleting_an_article_removes_its_passages(fixture: Fixture, store: Store):
    # in a collection of its own: deleted documents would still count in the statistics
    # the other tests compare
    solr_conf = solr_settings(f"qabot_delete_{uuid.uuid4().hex[:8]}")
    config = f"{solr_conf.collection}_conf"
    async with SolrClient(solr_conf) as client:
        await admin.init_collection(client, layout=admin.CollectionLayout(1, 1, config))
        try:
            retriever = SolrRetriever(client, source=store)
            await retriever.sync()
            assert len(retriever.index) == await store.count_passages()
            hits = await retriever.search("penguins zoo", 3)
            assert hits[0].title == "Zoo welcomes penguins"
            await solr_docs.delete_article(client, hits[0].article_id, commit_within_ms=None)
            await solr_docs.commit(client)
            await retriever.sync()
            assert len(retriever.index) == await store.count_passages() - 1
            after = await retriever.search("penguins zoo", 3)
            assert all(h.article_id != hits[0].article_id for h in after)
        finally:
            await admin.delete_collection(client, solr_conf.collection)
            await admin.delete_configset(client, config)


@needs_cluster
async def test_the_engine_adds_answers_and_removes_through_solr(tmp_path: Path):
    """The engine, unchanged, on a SolrRetriever that keeps the collection in step with the
    store (``source``): an added article is answered from, a removed one is gone."""
    solr_conf = solr_settings(f"qabot_engine_{uuid.uuid4().hex[:8]}")
    config = f"{solr_conf.collection}_conf"
    async with SolrClient(solr_conf) as client:
        await admin.init_collection(client, layout=admin.CollectionLayout(2, 1, config))
        try:
            async with await Store.open(tmp_path / "engine.db") as store:
                retriever = SolrRetriever(client, source=store)
                engine = Engine(store, retriever, EngineSettings())  # type: ignore[arg-type]
                added = await engine.add_text(
                    "Lighthouse repainted\n\nThe lighthouse at Dunmore was repainted red and "
                    "white in July. Painters worked from ropes for three weeks.",
                    "test",
                )
                assert added.article is not None
                question = "When was the lighthouse repainted?"
                answer = await engine.ask(question)
                assert answer.verdict == "sure" and "July" in answer.quotes[0].text, answer
                assert answer.indexed == 1
                hits = await engine.search("lighthouse")
                assert [h.article_id for h in hits] == [added.article.id]
                await engine.remove(added.article.id)
                assert await engine.search("lighthouse") == []
                gone = await engine.ask(question)
                assert gone.quotes == () and gone.indexed == 0
        finally:
            await admin.delete_collection(client, solr_conf.collection)
            await admin.delete_configset(client, config)


@needs_cluster
async def test_the_index_queues_push_adds_and_drops_passages(fixture: Fixture, store: Store):
    """``SolrPush`` is the PostgreSQL indexer's ``push``: it takes the queue's
    ``PassageDocument``s and the ids of removed articles; pushed twice, a batch counts once."""
    pytest.importorskip("asyncpg")
    from corpus.postgres import PassageDocument

    stored = await store.passages(await store.passage_ids())
    articles = await store.articles(p.article_id for p in stored.values())
    languages = {r.id: r.language async for rows in store.passages_for_indexing() for r in rows}
    queued = [
        PassageDocument(
            passage_id=p.id,
            article_id=p.article_id,
            position=p.position,
            text=p.text,
            start=p.start,
            sentences=p.sentences,
            title=articles[p.article_id].title,
            url=articles[p.article_id].url,
            published=articles[p.article_id].published,
            source=articles[p.article_id].source,
            language=languages[p.id],
            added_at=articles[p.article_id].added_at,
        )
        for p in stored.values()
    ]
    name = f"qabot_push_{uuid.uuid4().hex[:8]}"
    async with SolrClient(solr_settings(name)) as client:
        await admin.init_collection(client, layout=admin.CollectionLayout(2, 1, f"{name}_conf"))
        try:
            push = solr_docs.SolrPush(client, commit_within_ms=None)
            await push(queued, [])
            await push(queued, [])  # again, as after a lost answer
            await solr_docs.commit(client)
            solr = SolrRetriever(client)
            await solr.sync()
            assert len(solr.index) == len(queued)
            fixture_solr = await solr_retriever(fixture.solr)
            try:
                for q in QUESTIONS[:5]:
                    assert await solr.search(q, TOP) == await fixture_solr.search(q, TOP)
            finally:
                await fixture_solr.close()
            gone = sorted({d.article_id for d in queued})[:3]
            await push([], gone)
            await solr_docs.commit(client)
            await solr.sync()
            assert len(solr.index) == len(queued) - sum(d.article_id in gone for d in queued)
        finally:
            await admin.delete_collection(client, name)
            await admin.delete_configset(client, f"{name}_conf")


@needs_cluster
async def test_a_question_is_searched_among_the_passages_of_its_language(tmp_path: Path):
    """In a collection of two languages, a German question searches the German passages,
    analyzed by the German analyzer, as the embedded engine does."""
    texts = [
        ("River festival opens", "The river festival opens on Friday with boats and music.", "en"),
        ("Bridge closed", "The old bridge over the river closes in March for repairs.", "en"),
        ("Library hours", "The library stays open until nine on weekdays.", "en"),
        ("Flussfest beginnt", "Das Flussfest beginnt am Freitag mit Booten und Musik.", "de"),
        ("Brücke gesperrt", "Die alte Brücke über den Fluss wird im März repariert.", "de"),
    ]
    name = f"qabot_lang_{uuid.uuid4().hex[:8]}"
    async with SolrClient(solr_settings(name)) as client:
        await admin.init_collection(client, layout=admin.CollectionLayout(2, 1, f"{name}_conf"))
        try:
            async with await Store.open(tmp_path / "lang.db") as store:
                for title, text, language in texts:
                    await store.add(prepare(Draft(title, text, language=language)), "test")
                embedded = await Retriever.open(store)
                solr = SolrRetriever(client, source=store)
                await solr.sync()
                assert solr.languages == {"en": 3, "de": 2}
                for q in ("Wann beginnt das Flussfest?", "Wann wird die Brücke repariert?"):
                    got = await solr.search(q, 5)
                    want = await embedded.search(q, 5)
                    assert got and [h.passage_id for h in got] == [h.passage_id for h in want]
                    assert [h.score for h in got] == pytest.approx([h.score for h in want])
                    assert all(h.title in {t for t, _, lang in texts if lang == "de"} for h in got)
                english = await solr.search("When does the river festival open?", 5)
                assert english[0].title == "River festival opens"
                assert all(h.title in {t for t, _, lang in texts if lang == "en"} for h in english)
        finally:
            await admin.delete_collection(client, name)
            await admin.delete_configset(client, f"{name}_conf")


def local_cluster(*args: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "local-cluster"), *args], check=True, timeout=300)


@needs_cluster
async def test_questions_are_answered_with_a_node_stopped(fixture: Fixture):
    assert len(SOLR_URLS) >= 2, "the failover test needs two nodes"
    solr = await solr_retriever(fixture.solr)
    try:
        before = {q: [h.passage_id for h in await solr.search(q, TOP)] for q in QUESTIONS[:8]}
    finally:
        await solr.close()
    local_cluster("kill-node", "1")
    try:
        # node 1 first in the list: every request must fail over to node 2
        settings = solr_settings(fixture.solr.collection, SOLR_URLS)
        async with SolrClient(settings) as client:
            retriever = SolrRetriever(client, SolrRetrieverSettings())
            await retriever.sync()
            for q, want in before.items():
                assert [h.passage_id for h in await retriever.search(q, TOP)] == want, q
    finally:
        local_cluster("start-node", "1")
        async with SolrClient(solr_settings(COLLECTION)) as client:
            await admin.wait_active(client, COLLECTION)
            await admin.wait_active(client, fixture.solr.collection)


@needs_cluster
def test_solr_init_creates_the_collection_from_the_repositorys_configset(
    capsys: pytest.CaptureFixture[str],
):
    import argparse

    from index.search.solr import cli

    name = f"qabot_init_{uuid.uuid4().hex[:8]}"
    parser = argparse.ArgumentParser(prog="qabot solr")
    cli.add_arguments(parser)
    argv = ["init", "--shards", "2", "--replicas", "1", "--collection", name]
    argv += ["--config-name", f"{name}_conf"]
    try:
        assert cli.main(parser.parse_args(argv)) == 0
        assert f"created collection {name}: 2 shards, 1 replicas each" in capsys.readouterr().out
        assert cli.main(parser.parse_args(argv)) == 0  # again: the collection is kept
        assert f"collection {name} exists" in capsys.readouterr().out

        async def layout() -> dict[str, object]:
            async with SolrClient(solr_settings(name)) as client:
                status = await admin.cluster_status(client, name)
                schema = await client.get(f"/{name}/schema/similarity")
                return {"shards": status["collections"][name]["shards"], **schema}

        found = asyncio.run(layout())
        assert len(found["shards"]) == 2  # type: ignore[arg-type]
        similarity = found["similarity"]
        assert similarity["class"] == "solr.BM25SimilarityFactory"  # type: ignore[index]
    finally:
        asyncio.run(_drop(solr_settings(name), f"{name}_conf"))
