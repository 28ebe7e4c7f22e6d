"""bench.scale's copies: distinct passage and article ids, read back as the originals."""

from __future__ import annotations

from pathlib import Path

from bench.scale import Copies
from corpus.models import Draft
from corpus.prepare import prepare
from corpus.store import Store

TEXT = " ".join(
    f"Sentence {i} tells of the river and the mill that stood beside it for years."
    for i in range(60)
)


async def test_copies_have_distinct_ids_and_the_originals_text(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "copies.db") as store:
        await store.add(prepare(Draft(title="Mill", text=TEXT)), "test")
        await store.add(prepare(Draft(title="River", text=TEXT.replace("mill", "boat"))), "test")
        rows = [r async for rs in store.passages_for_indexing() for r in rs]
        passages = await store.passages([r.id for r in rows])
        articles = await store.articles({p.article_id for p in passages.values()})
        total = len(rows) * 2 + 1
        copies = Copies(store, rows, passages, articles, total)
        assert copies.copies == 3
        indexed = [r async for rs in copies.passages_for_indexing(batch=3) for r in rs]
        ids = [r.id for r in indexed]
        assert len(ids) == total and len(set(ids)) == total and ids == sorted(ids)
        assert [r.id for r in indexed[: len(rows)]] == [r.id for r in rows]
        by_id = {r.id: r for r in rows}
        for r in indexed:
            assert r.text == by_id[copies.original(r.id)].text
        later = [r async for rs in copies.passages_for_indexing(after_id=ids[-2]) for r in rs]
        assert [r.id for r in later] == ids[-1:]
        read = await copies.passages(ids)
        assert len({p.article_id for p in read.values()}) == 5  # 2 + 2 + the last copy's 1
        assert all(read[i].text == passages[copies.original(i)].text for i in ids)
        found = await copies.articles({p.article_id for p in read.values()})
        assert {a.title for a in found.values()} == {"Mill", "River"}
        last = read[ids[-1]]
        positions = [s.position for s in last.sentences]
        original = passages[copies.original(ids[-1])]
        assert await copies.sentences(last.article_id, positions) == list(original.sentences)
