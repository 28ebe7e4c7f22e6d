"""The inverted index: small-corpus scoring, empty states, growth, removal and merges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.search import segment as seg
from index.search.bm25 import VARIANTS, BM25Params
from index.search.inverted import InvertedIndex, Scored

THREE = [
    ["solar", "panel", "roof"],
    ["solar", "farm", "desert"],
    ["wind", "farm", "coast"],
]


def index_of(docs: list[list[str]], variant: str = "plus", first_id: int = 1) -> InvertedIndex:
    index = InvertedIndex(BM25Params(variant=variant))
    index.add(seg.build(range(first_id, first_id + len(docs)), docs))
    return index


def ids(hits: list[Scored]) -> list[int]:
    return [h.passage_id for h in hits]


def test_every_query_term_counts_in_a_three_passage_corpus_by_default() -> None:
    index = index_of(THREE)
    # "solar" and "farm" are in 2 of 3 passages: rank-bm25's Okapi gives them idf <= 0.
    assert all(w > 0 for w in index.idf(["solar", "farm", "wind"]).values())
    both = index.search(["solar", "farm"], 3)
    assert ids(both)[0] == 2
    assert both[0].score > both[1].score > 0
    assert ids(index.search(["solar", "roof"], 1)) == [1]
    assert ids(index.search(["farm", "coast"], 1)) == [3]


def test_okapi_alone_would_score_a_half_shared_term_at_its_floor() -> None:
    okapi = index_of(THREE, "okapi")
    plus = index_of(THREE)
    assert okapi.idf(["solar"])["solar"] < plus.idf(["solar"])["solar"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_empty_index_answers_with_no_results(variant: str) -> None:
    index = InvertedIndex(BM25Params(variant=variant))
    assert index.search(["anything"], 10) == []
    assert index.search([], 10) == []
    assert index.idf(["anything"]) == {}
    assert len(index) == 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_index_emptied_by_removal_answers_with_no_results(variant: str) -> None:
    index = index_of(THREE, variant)
    assert index.remove([1, 2, 3]) == 3
    assert index.search(["solar"], 10) == []
    assert index.idf(["solar"]) == {}


def test_query_without_known_terms_gets_no_results() -> None:
    index = index_of(THREE)
    assert index.search(["unknown"], 10) == []
    assert index.search(["solar"], 0) == []


def test_repeated_query_term_counts_each_time() -> None:
    index = index_of(THREE, "okapi")
    once = index.search(["roof"], 1)[0].score
    twice = index.search(["roof", "roof"], 1)[0].score
    assert twice == pytest.approx(2 * once)


def test_add_then_remove_changes_results() -> None:
    index = index_of(THREE)
    index.add(seg.build([10, 11], [["tidal", "power", "coast"], ["tidal", "lagoon"]]))
    assert ids(index.search(["tidal"], 10)) == [11, 10]
    assert index.remove([11, 99]) == 1
    assert ids(index.search(["tidal"], 10)) == [10]
    assert index.remove([11]) == 0
    assert index.remove([10]) == 1
    assert index.search(["tidal"], 10) == []
    assert len(index) == 3


def test_incremental_add_is_visible_to_the_next_search() -> None:
    index = index_of(THREE)
    before = index.search(["wind"], 10)
    index.add(seg.build([4], [["wind", "wind", "turbine"]]))
    after = index.search(["wind"], 10)
    assert ids(after) == [4, 3]
    assert after[1].score != before[0].score  # idf and average length moved with the corpus
    assert ids(index.search(["turbine"], 10)) == [4]


@pytest.mark.parametrize("variant", ["plus", "lucene"])
def test_idf_stays_positive_even_for_a_term_in_every_passage(variant: str) -> None:
    docs = [["common", "a"], ["common", "b"], ["common", "c", "common"]]
    index = index_of(docs, variant)
    idf = index.idf(["common", "a", "b", "c"])
    assert set(idf) == {"common", "a", "b", "c"}
    assert all(w > 0 for w in idf.values())
    assert len(index.search(["common"], 10)) == 3


def test_allowed_filter_keeps_only_those_passages() -> None:
    index = index_of(THREE)
    index.add(seg.build([7, 8], [["solar", "cell"], ["solar", "solar"]]))
    allowed = np.array([2, 7], dtype=np.int64)
    everything = index.search(["solar", "cell"], 10)
    assert len(everything) == 4
    assert index.search(["solar", "cell"], 10, allowed) == [
        h for h in everything if h.passage_id in (2, 7)
    ]
    assert index.search(["wind"], 10, allowed) == []


def test_ties_are_broken_by_passage_id() -> None:
    index = index_of([["same"], ["same"], ["same"]], first_id=5)
    assert ids(index.search(["same"], 2)) == [5, 6]


def corpus(n: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    return [
        [words[j] for j in rng.zipf(1.3, size=rng.integers(1, 12)) % len(words)] for _ in range(n)
    ]


def scores(index: InvertedIndex, queries: list[list[str]]) -> list[list[tuple[int, float]]]:
    return [[(h.passage_id, round(h.score, 9)) for h in index.search(q, 50)] for q in queries]


def test_merge_preserves_scores_and_removals() -> None:
    docs = corpus(60, seed=1)
    parts = [seg.build(range(a + 1, a + 21), docs[a : a + 20]) for a in (0, 20, 40)]
    index = InvertedIndex(BM25Params(variant="okapi"))
    for part in parts:
        index.add(part)
    index.remove([3, 25, 26, 59])
    queries = [["w1"], ["w2", "w3"], ["w0", "w5", "w5"], ["w7", "w11", "w1"]]
    before = scores(index, queries)
    snap = index.snapshot
    merged = seg.merge(list(zip(snap.segments[:2], snap.live[:2], strict=True)))
    assert merged.size == 40 - 3
    index.remove([40])  # a removal while the merge ran stays masked after the swap
    before_swap = scores(index, queries)
    index.swap_merged(snap.segments[:2], merged)
    assert len(index.snapshot.segments) == 2
    assert scores(index, queries) == before_swap
    assert before_swap != before


def test_merge_equals_building_the_live_passages_at_once() -> None:
    docs = corpus(30, seed=2)
    a, b = seg.build(range(1, 16), docs[:15]), seg.build(range(16, 31), docs[15:])
    live_a = np.ones(15, dtype=np.bool_)
    live_a[[0, 7]] = False
    merged = seg.merge([(a, live_a), (b, np.ones(15, dtype=np.bool_))])
    kept = [i for i in range(30) if i not in (0, 7)]
    direct = seg.build([i + 1 for i in kept], [docs[i] for i in kept])
    assert merged.passage_ids.tolist() == direct.passage_ids.tolist()
    for term in direct.terms:
        m, d = merged.postings(term), direct.postings(term)
        assert m is not None and d is not None
        assert m[0].tolist() == d[0].tolist() and m[1].tolist() == d[1].tolist()
    assert np.array_equal(merged.doc_len, direct.doc_len)


def test_merge_refuses_segments_out_of_passage_order() -> None:
    a, b = seg.build([1, 2], [["x"], ["y"]]), seg.build([3], [["z"]])
    with pytest.raises(ValueError, match="passage id order"):
        seg.merge([(b, np.ones(1, np.bool_)), (a, np.ones(2, np.bool_))])


def test_segment_survives_a_save_and_load(tmp_path: Path) -> None:
    segment = seg.build([4, 9], [["café", "crème", "café"], ["u.s", "covid-19", "covid", "19"]])
    segment.save(tmp_path / "s.npz")
    loaded = seg.Segment.load(tmp_path / "s.npz")
    assert loaded.terms == segment.terms
    for name in ("indptr", "rows", "tfs", "passage_ids", "doc_len"):
        assert np.array_equal(getattr(loaded, name), getattr(segment, name))
    assert not list(tmp_path.glob("*.tmp"))
