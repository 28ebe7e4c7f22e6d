"""Passages: windows of whole sentences of about the target length, overlapping."""

from __future__ import annotations

import itertools

from corpus.models import Sentence
from corpus.passages import make_passages
from corpus.split import sentences


def article(count: int, words: int = 10) -> str:
    return " ".join(f"Sentence {i} " + "word " * (words - 3) + "end." for i in range(count))


def test_short_text_is_one_passage() -> None:
    text = "One short sentence. Another one."
    (passage,) = make_passages(sentences(text), text)
    assert (passage.first_sentence, passage.last_sentence) == (0, 1)
    assert passage.text == text


def test_no_sentences_no_passages() -> None:
    assert make_passages([], "") == []


def test_passages_stay_under_max_words() -> None:
    text = article(60)
    for passage in make_passages(sentences(text), text, target_words=40, max_words=50):
        assert len(passage.text.split()) <= 50


def test_passages_reach_about_the_target() -> None:
    text = article(60)
    passages = make_passages(sentences(text), text, target_words=40, max_words=50)
    assert all(len(p.text.split()) >= 40 for p in passages[:-1])


def test_consecutive_passages_share_the_overlap() -> None:
    text = article(30)
    passages = make_passages(sentences(text), text, target_words=40, max_words=50, overlap=1)
    for before, after in itertools.pairwise(passages):
        assert after.first_sentence == before.last_sentence


def test_zero_overlap_tiles_the_sentences() -> None:
    text = article(30)
    passages = make_passages(sentences(text), text, target_words=40, max_words=50, overlap=0)
    for before, after in itertools.pairwise(passages):
        assert after.first_sentence == before.last_sentence + 1


def test_every_sentence_is_in_a_passage() -> None:
    text = article(47, words=13)
    found = sentences(text)
    passages = make_passages(found, text, target_words=30, max_words=40, overlap=2)
    covered = {i for p in passages for i in range(p.first_sentence, p.last_sentence + 1)}
    assert covered == {s.position for s in found}


def test_a_sentence_longer_than_max_is_a_passage_alone() -> None:
    text = article(3, words=10) + " " + "long " * 200 + "end. " + article(3, words=10)
    passages = make_passages(sentences(text), text, target_words=20, max_words=30)
    assert any(len(p.text.split()) > 30 and p.first_sentence == p.last_sentence for p in passages)


def test_spans_point_into_the_text_and_start_on_sentences() -> None:
    text = "First one here.\n\nSecond one here. Third one here."
    found = sentences(text)
    for passage in make_passages(found, text, target_words=3, max_words=4):
        assert text[passage.start : passage.end] == passage.text
        assert passage.start == found[passage.first_sentence].start


def test_uses_sentence_positions_not_list_indexes() -> None:
    text = "Alpha one. Beta two."
    kept = [Sentence(0, 0, 10, "Alpha one."), Sentence(1, 11, 20, "Beta two.")]
    (passage,) = make_passages(kept, text)
    assert (passage.first_sentence, passage.last_sentence, passage.position) == (0, 1, 0)


def test_passages_stay_under_max_chars_unless_one_sentence_is_longer() -> None:
    text = " ".join("Word" + "o" * 600 + "." for _ in range(10))
    for passage in make_passages(sentences(text), text, max_chars=1500):
        one = passage.first_sentence == passage.last_sentence
        assert one or len(passage.text) <= 1500


def test_text_without_punctuation_gives_passages_within_the_word_bound() -> None:
    text = " ".join(f"word{i}" for i in range(5000))
    passages = make_passages(sentences(text), text)
    assert all(len(p.text.split()) <= 150 for p in passages)
    assert passages[-1].text.endswith("word4999")
