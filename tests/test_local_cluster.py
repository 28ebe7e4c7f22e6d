"""The local cluster (scripts/local-cluster) is what qabot's scale-out mode expects.

SolrCloud: the collection has its shards, each with active replicas on distinct nodes;
terms qabot's analyzer produced reach Lucene unchanged; scores are BM25 with qabot's k1 and
b and collection-wide statistics. PostgreSQL answers at the database URL.

Needs a running cluster: ``eval "$(scripts/local-cluster start)"`` sets QABOT_SOLR_URL,
QABOT_SOLR_COLLECTION and QABOT_DATABASE_URL. Without them these tests skip, unless
QABOT_CLUSTER_REQUIRED=1 (as in CI), when they fail. The document tests run in a scratch
collection made from the same configset and deleted afterwards, so that they leave nothing
in qabot's collection (deleted documents would still count in its statistics).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from index.search.retriever import RetrieverSettings
from tests.cluster_env import COLLECTION, DATABASE_URL, MISSING, REQUIRED, SOLR_URLS

if MISSING and REQUIRED:
    pytest.fail(
        f"QABOT_CLUSTER_REQUIRED is set but {', '.join(MISSING)} is not: "
        'start the cluster with eval "$(scripts/local-cluster start)"',
        pytrace=False,
    )

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"no local cluster: {', '.join(MISSING)} unset "
        '(start one with eval "$(scripts/local-cluster start)")',
    ),
]

SHARDS = 2
REPLICAS = 2


class Solr:
    """Requests to whichever node answers first, in QABOT_SOLR_URL's order."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        errors = []
        for base in SOLR_URLS:
            try:
                response = self.client.request(method, base + path, **kwargs)
            except httpx.TransportError as e:
                errors.append(f"{base}: {e!r}")
                continue
            assert response.status_code == 200, f"{method} {base}{path}: {response.text}"
            body: dict[str, Any] = response.json()
            return body
        raise AssertionError(f"no Solr node answered {path}: {errors}")

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.request("GET", path, params={"wt": "json", **params})

    def cluster_status(self, collection: str) -> dict[str, Any]:
        body = self.get("/admin/collections", action="CLUSTERSTATUS", collection=collection)
        status: dict[str, Any] = body["cluster"]
        return status

    def wait_active(self, collection: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status = self.cluster_status(collection)
            shards = status["collections"][collection]["shards"]
            replicas = [r for shard in shards.values() for r in shard["replicas"].values()]
            live = set(status["live_nodes"])
            if all(r["state"] == "active" and r["node_name"] in live for r in replicas):
                return status
            assert time.monotonic() < deadline, f"replicas not active: {shards}"
            time.sleep(0.5)


@pytest.fixture(scope="module")
def solr() -> Iterator[Solr]:
    with httpx.Client(timeout=120) as client:
        yield Solr(client)


@pytest.fixture
def scratch(solr: Solr) -> Iterator[str]:
    """A new collection with qabot's collection's configset and layout (one per test: the
    documents a test deletes would still count in the next one's statistics)."""
    status = solr.cluster_status(COLLECTION)
    config_name = status["collections"][COLLECTION]["configName"]
    name = f"qabot_test_{uuid.uuid4().hex[:8]}"
    solr.get(
        "/admin/collections",
        action="CREATE",
        name=name,
        **{"collection.configName": config_name},
        numShards=SHARDS,
        replicationFactor=REPLICAS,
    )
    try:
        solr.wait_active(name)
        yield name
    finally:
        solr.get("/admin/collections", action="DELETE", name=name)


def post_docs(solr: Solr, collection: str, docs: list[dict[str, Any]]) -> None:
    solr.request("POST", f"/{collection}/update", params={"commit": "true"}, json=docs)


def passage(n: int, terms: str, **fields: Any) -> dict[str, Any]:
    sentences = [{"text": f"Sentence {n}.", "start": 0, "end": 12, "position": 0}]
    return {
        "id": str(n),
        "passage_id": n,
        "article_id": 1000 + n,
        "title": f"Article {n}",
        "url": f"https://example.org/{n}",
        "published": "2025-05-05",
        "source": "test",
        "language": "english",
        "text": f"Sentence {n}.",
        "start": 0,
        "sentences": json.dumps(sentences),
        "sentence_terms": json.dumps([terms.split()]),
        "terms": terms,
        **fields,
    }


def term_query(
    solr: Solr, collection: str, term: str, fl: str = "id,score"
) -> list[dict[str, Any]]:
    body = solr.request(
        "POST",
        f"/{collection}/query",
        json={
            "query": "{!term f=terms v=$t}",
            "params": {"t": term},
            "fields": fl,
            "limit": 100,
        },
    )
    docs: list[dict[str, Any]] = body["response"]["docs"]
    return docs


def test_collection_has_its_shards_each_with_active_replicas_on_distinct_nodes(solr: Solr):
    status = solr.wait_active(COLLECTION, timeout=30)
    shards = status["collections"][COLLECTION]["shards"]
    assert len(shards) == SHARDS
    live = set(status["live_nodes"])
    for name, shard in shards.items():
        replicas = list(shard["replicas"].values())
        assert len(replicas) == REPLICAS, name
        assert all(r["state"] == "active" and r["node_name"] in live for r in replicas), replicas
        # one node down leaves every shard a replica
        assert len({r["node_name"] for r in replicas}) == REPLICAS, replicas


def test_every_node_answers_for_the_collection():
    with httpx.Client(timeout=30) as client:
        for base in SOLR_URLS:
            response = client.get(f"{base}/{COLLECTION}/select", params={"q": "*:*", "rows": 0})
            assert response.status_code == 200, (base, response.text)


def test_similarity_is_bm25_with_qabots_k1_and_b(solr: Solr):
    similarity = solr.get(f"/{COLLECTION}/schema/similarity")["similarity"]
    params = RetrieverSettings().bm25
    assert similarity["class"] == "solr.BM25SimilarityFactory"
    assert float(similarity["k1"]) == pytest.approx(params.k1)
    assert float(similarity["b"]) == pytest.approx(params.b)


def test_pre_analyzed_terms_are_indexed_and_queried_unchanged(solr: Solr, scratch: str):
    terms = "Straße 東京 x:y running C++ 3.14 naïve"
    post_docs(solr, scratch, [passage(1, terms), passage(2, "other words")])
    fl = "id,passage_id,article_id,title,url,published,source,language,text,start,sentences"
    for term in terms.split():
        found = term_query(solr, scratch, term, fl=fl + ",sentence_terms")
        assert [d["id"] for d in found] == ["1"], term
    doc = found[0]
    assert doc["passage_id"] == 1 and doc["article_id"] == 1001
    assert doc["url"] == "https://example.org/1" and doc["language"] == "english"
    assert json.loads(doc["sentences"])[0]["text"] == "Sentence 1."
    assert json.loads(doc["sentence_terms"]) == [terms.split()]
    # Solr neither lowercases, nor stems, nor splits at punctuation
    for term in ("straße", "run", "x", "C", "3", "naive"):
        assert term_query(solr, scratch, term) == [], term
    # the field's query analyzer splits on white space only, too
    body = solr.get(f"/{scratch}/select", q="terms:(Straße OR nothing)", fl="id")
    assert [d["id"] for d in body["response"]["docs"]] == ["1"]


def test_scores_use_collection_wide_statistics_and_lucenes_bm25(solr: Solr, scratch: str):
    # Some passages hold the term, the others do not; all are of two terms, so their lengths
    # are stored exactly and equal the average (norm 1). Solr's compositeId router puts these
    # ids on both shards with the term in different proportions (3 of 8 on one, 2 of 3 on the
    # other), so scores from each shard's own statistics would differ.
    matching = [11, 12, 13, 17, 18]
    docs = [passage(n, "qabotneedle filler") for n in matching]
    docs += [passage(n, "filler other") for n in (14, 15, 16, 19, 20, 22)]
    post_docs(solr, scratch, docs)

    everything = solr.get(f"/{scratch}/select", q="*:*", fl="id,[shard]", rows=100)
    assert everything["response"]["numFound"] == len(docs)
    shard_of = {d["id"]: d["[shard]"] for d in everything["response"]["docs"]}
    per_shard: dict[str, list[int]] = {}
    for doc_id, shard in shard_of.items():
        counts = per_shard.setdefault(shard, [0, 0])
        counts[0] += 1
        counts[1] += int(doc_id) in matching
    ratios = {shard: n_term / n for shard, (n, n_term) in per_shard.items()}
    assert len(set(ratios.values())) == SHARDS and all(ratios.values()), (
        f"the test needs the term on every shard, in different proportions: {per_shard}"
    )

    found = term_query(solr, scratch, "qabotneedle")
    assert sorted(int(d["id"]) for d in found) == matching
    params = RetrieverSettings().bm25
    n_docs, df, tf, norm = len(docs), len(matching), 1.0, 1.0
    idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    expected = idf * tf / (tf + params.k1 * norm)  # Lucene's BM25: no (k1 + 1) factor
    for doc in found:
        assert doc["score"] == pytest.approx(expected, rel=1e-5), (doc, shard_of[doc["id"]])


async def test_postgresql_answers():
    import asyncpg

    connection = await asyncpg.connect(DATABASE_URL, timeout=30)
    try:
        assert await connection.fetchval("select 1") == 1
        database = await connection.fetchval("select current_database()")
        assert database == DATABASE_URL.rsplit("/", 1)[-1]
    finally:
        await connection.close()
