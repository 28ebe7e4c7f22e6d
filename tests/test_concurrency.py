"""Many tasks at once on one engine, and several processes writing one database at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from corpus.models import Article

# Letters that no English suffix is made of, so that stemming keeps the made-up names apart.
LETTERS = "bcfghjkmnpqrtvwxz"


def place(n: int) -> str:
    """A made-up place name of its own for article ``n``."""
    digits = [(n // len(LETTERS) ** k) % len(LETTERS) for k in (2, 1, 0)]
    return "zq" + "".join(LETTERS[d] for d in digits)


def report(n: int) -> str:
    """Article ``n``: a title line, then two to five sentences about its own place."""
    p = place(n)
    facts = [
        f"The harbour of {p} reopened after the winter works.",
        f"Fishing boats from {p} returned before dawn.",
        f"The mayor of {p} thanked the divers who mended the pier.",
        f"A ferry now leaves {p} twice a day.",
        f"Visitors to {p} can walk along the new sea wall.",
    ]
    return f"Harbour news from {p.title()}\n\n" + " ".join(facts[: 2 + n % 4])


def question(n: int) -> str:
    return f"When did the harbour of {place(n)} reopen?"


async def add(engine: Engine, n: int) -> Article:
    outcome = await engine.add_text(report(n), "test")
    assert outcome.article is not None, outcome.error
    return outcome.article


async def cited(engine: Engine, n: int) -> set[int]:
    """The articles that the answer to article ``n``'s question cites or points to."""
    answer = await engine.ask(question(n))
    return {s.article_id for s in answer.sources} | {q.article_id for q in answer.more}


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with await Engine.open(tmp_path / "qabot.db", EngineSettings()) as opened:
        yield opened


async def test_questions_adds_and_removes_at_once_all_succeed(engine: Engine) -> None:
    old = [await add(engine, n) for n in range(6)]
    added, *_ = await asyncio.gather(
        asyncio.gather(*(add(engine, n) for n in range(100, 112))),
        asyncio.gather(*(engine.remove(a.id) for a in old)),
        asyncio.gather(*(engine.ask(question(n)) for n in (*range(6), *range(100, 112)))),
    )
    assert [await engine.get(a.id) for a in old] == [None] * 6
    assert {a.id for a in added} == {a.id for a in await engine.list_articles()}
    for n, article in zip(range(100, 112), added, strict=True):
        assert [h.article_id for h in await engine.search(place(n))] == [article.id]


async def test_no_answer_cites_an_article_once_its_removal_completed(engine: Engine) -> None:
    old = [await add(engine, n) for n in range(8)]
    cited_after: dict[int, set[int]] = {}

    async def remove_then_ask(n: int, article: Article) -> None:
        await engine.remove(article.id)
        cited_after[article.id] = await cited(engine, n)

    await asyncio.gather(
        *(remove_then_ask(n, a) for n, a in enumerate(old)),
        *(add(engine, n) for n in range(200, 208)),
        *(cited(engine, n) for n in range(200, 208)),
    )
    assert all(article_id not in ids for article_id, ids in cited_after.items())
    assert cited_after.keys() == {a.id for a in old}


async def test_readers_never_see_a_half_added_article(engine: Engine) -> None:
    seen: list[tuple[int, tuple[int, int]]] = []  # (article, (passages, sentences))
    adding = asyncio.gather(*(add(engine, n) for n in range(300, 320)))

    async def read() -> None:
        while not adding.done():
            for summary in await engine.list_articles():
                article = await engine.get(summary.id)
                assert article is not None
                seen.append((article.id, (summary.passages, article.sentences)))
                seen.append((article.id, (article.passages, article.sentences)))
            for hit in await engine.search("harbour boats"):
                assert hit.sentences
            await asyncio.sleep(0)

    await asyncio.gather(adding, read(), read())
    final = {a.id: (a.passages, a.sentences) for a in adding.result()}
    assert seen
    assert all(final[article_id] == counts for article_id, counts in seen)


@pytest.mark.e2e
def test_several_add_processes_store_every_article(tmp_path: Path) -> None:
    db = tmp_path / "qabot.db"
    batches = [range(k * 5, k * 5 + 5) for k in range(4)]
    for n in range(20):
        (tmp_path / f"{n}.txt").write_text(report(n))
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--db", str(db), "add", "-q"]
            + [str(tmp_path / f"{n}.txt") for n in batch],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "QABOT_DB": ""},
        )
        for batch in batches
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in procs]
    assert [(rc, out) for (out, _), rc in results] == [(0, "5 added, 0 duplicate, 0 failed\n")] * 4
    asyncio.run(_expect_each_article_found(db, range(20)))


async def _expect_each_article_found(db: Path, numbers: range) -> None:
    async with await Engine.open(db, EngineSettings()) as engine:
        assert (await engine.stats()).articles == len(numbers)
        for n in numbers:
            hits = await engine.search(place(n))
            assert {h.title for h in hits} == {f"Harbour news from {place(n).title()}"}
        answered = [await engine.ask(question(n)) for n in numbers]
        assert all(place(n) in a.quotes[0].text for n, a in zip(numbers, answered, strict=True))
        assert len(engine.retriever.index) == (await engine.stats()).passages
