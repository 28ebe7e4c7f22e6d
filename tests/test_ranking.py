"""How many candidates the reranker reads: a few of a large collection, all of a tiny one."""

from __future__ import annotations

from index.answer.ranking import READ_ALL, reread


def test_a_large_collection_rereads_only_the_top_candidates() -> None:
    assert reread(candidates=200, indexed=20_000, top=7, passages=15) == 7


def test_a_collection_within_one_retrieval_is_reread_in_full() -> None:
    assert reread(candidates=30, indexed=4, top=7, passages=15) == 30


def test_a_tiny_collection_is_reread_up_to_the_cap() -> None:
    assert reread(candidates=500, indexed=15, top=7, passages=15) == READ_ALL


def test_fewer_candidates_than_the_top_are_all_read() -> None:
    assert reread(candidates=3, indexed=20_000, top=7, passages=15) == 3


def test_an_empty_index_reads_no_more_than_the_top() -> None:
    assert reread(candidates=10, indexed=0, top=7, passages=15) == 7


def test_passages_zero_never_reads_whole() -> None:
    assert reread(candidates=30, indexed=4, top=7, passages=0) == 7
