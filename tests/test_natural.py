"""Our natural question set (tests/fixtures/natural) as a floor: answering chat-worded
questions must not slip back towards the lexical ranker's 29 of 50 (``bench/natural.py``
prints the details; the shipped answerer gets 37)."""

from __future__ import annotations

from bench.natural import run

FLOOR = 35


async def test_the_natural_set_stays_above_its_floor() -> None:
    report = await run()
    assert report["right"] >= FLOOR, report


async def test_the_reranker_beats_the_lexical_ranker_on_the_natural_set() -> None:
    with_reranker, lexical = await run(), await run(rerank=False)
    assert with_reranker["right"] > lexical["right"]
