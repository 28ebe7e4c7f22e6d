"""The terms of each passage's sentences, kept by the index for the answerer: built with a
segment, carried through masks, merges and files, and handed out with every hit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corpus.models import Draft
from corpus.prepare import prepare
from corpus.store import Store
from index.answer import Answerer, AnswerSettings
from index.search import segment as seg
from index.search.retriever import Retriever

# Two passages: the first of two sentences, the second of one.
DOCS = [["ferri", "sail", "dawn", "harbour"], ["bridg", "open", "may"]]
SENTENCES = [[["ferri", "sail"], ["dawn", "harbour"]], [["bridg", "open", "may"]]]
STORY = (
    "The new ferry sails from the north harbour at dawn. It carries 140 passengers. "
    "Tickets cost four euros. Children under twelve travel free. "
    "The old ferry will be sold to a museum in Bremen."
)


def test_a_segment_keeps_the_terms_of_each_passage_sentences() -> None:
    segment = seg.build([3, 8], DOCS, SENTENCES)
    assert segment.sentences_of(0) == (("ferri", "sail"), ("dawn", "harbour"))
    assert segment.sentences_of(1) == (("bridg", "open", "may"),)


def test_a_segment_built_without_sentences_knows_none() -> None:
    segment = seg.build([3, 8], DOCS)
    assert segment.sentences_of(0) == ()
    assert segment.sentences_of(1) == ()


def test_a_sentence_with_a_term_its_passage_lacks_is_left_unknown() -> None:
    segment = seg.build([1], [["ferri", "sail"]], [[["ferri"], ["sail", "tern"]]])
    assert segment.sentences_of(0) == (("ferri",), None)


def test_a_merge_keeps_the_sentence_terms_of_the_live_passages() -> None:
    a = seg.build([1, 2], DOCS, SENTENCES)
    b = seg.build([5], [["tide", "sail"]], [[["tide"], ["sail"]]])
    live_a = np.array([False, True])
    merged = seg.merge([(a, live_a), (b, np.ones(1, dtype=np.bool_))])
    assert merged.passage_ids.tolist() == [2, 5]
    assert merged.sentences_of(0) == (("bridg", "open", "may"),)
    assert merged.sentences_of(1) == (("tide",), ("sail",))


def test_a_merge_with_a_segment_built_without_sentences_keeps_the_others() -> None:
    a = seg.build([1, 2], DOCS, SENTENCES)
    b = seg.build([5], [["tide"]])
    merged = seg.merge([(a, np.ones(2, np.bool_)), (b, np.ones(1, np.bool_))])
    assert merged.sentences_of(0) == (("ferri", "sail"), ("dawn", "harbour"))
    assert merged.sentences_of(2) == ()


def test_sentence_terms_survive_a_save_and_load(tmp_path: Path) -> None:
    seg.build([3, 8], DOCS, SENTENCES).save(tmp_path / "s.npz")
    loaded = seg.Segment.load(tmp_path / "s.npz")
    assert loaded.sentences_of(0) == (("ferri", "sail"), ("dawn", "harbour"))
    assert loaded.sentences_of(1) == (("bridg", "open", "may"),)


def test_a_segment_file_from_before_sentence_terms_loads_knowing_none(tmp_path: Path) -> None:
    segment = seg.build([3, 8], DOCS)
    arrays = {k: getattr(segment, k) for k in ("indptr", "rows", "tfs", "passage_ids", "doc_len")}
    terms = np.frombuffer("\n".join(segment.terms).encode(), dtype=np.uint8)
    np.savez(tmp_path / "old.npz", terms=terms, **arrays)
    loaded = seg.Segment.load(tmp_path / "old.npz")
    assert loaded.sentences_of(0) == ()
    assert loaded.postings("ferri") is not None


async def test_hits_carry_their_sentences_terms_as_the_analyzer_gives_them(
    tmp_path: Path,
) -> None:
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Harbour ferry", text=STORY)), "test")
        for fresh in (False, True):  # as indexed, and as read back from disk by a restart
            retriever = await Retriever.open(store)
            hits = await retriever.search("when does the ferry sail?", 5)
            assert hits and all(h.terms for h in hits), f"restarted: {fresh}"
            for hit in hits:
                want = tuple(tuple(retriever.analyzer(s.text)) for s in hit.sentences)
                assert hit.terms == want


async def test_answers_are_the_same_with_or_without_the_kept_terms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = ["What will happen to the old ferry?", "How much is a ticket?", "Who pays?"]
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Harbour ferry", text=STORY)), "test")
        retriever = await Retriever.open(store)
        kept = [await Answerer(retriever, AnswerSettings(rerank=False)).ask(q) for q in questions]
        monkeypatch.setattr(retriever.index, "sentence_terms", lambda passage_id: ())
        plain = [await Answerer(retriever, AnswerSettings(rerank=False)).ask(q) for q in questions]
    assert [replace(a, took_ms=0.0) for a in kept] == [replace(a, took_ms=0.0) for a in plain]
    assert any(a.quotes for a in kept)


async def test_answering_does_not_analyze_again_what_the_index_analyzed(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "q.db") as store:
        await store.add(prepare(Draft(title="Harbour ferry", text=STORY)), "test")
        retriever = await Retriever.open(store)
        analyzed: list[str] = []
        analyze = retriever.analyzer

        def recording(text: str) -> list[str]:
            analyzed.append(text)
            return analyze(text)

        retriever.analyzer = recording  # type: ignore[assignment]
        answerer = Answerer(retriever, AnswerSettings(rerank=False))
        answer = await answerer.ask("What will happen to the old ferry?")
        assert answer.quotes
        hits = await retriever.search("What will happen to the old ferry?", 15)
        sentences = {s.text for h in hits for s in h.sentences}
        assert sentences and not sentences & set(analyzed)
