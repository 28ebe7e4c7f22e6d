"""Properties of ingestion and indexing that must hold for any text, checked with hypothesis.

The cleaner, the sentence splitter, the passage windows, the analyzer and the index are
fed generated article-like texts and arbitrary Unicode; each test states one property.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from corpus.clean import clean_text
from corpus.cut import MAX_CHARS, MAX_WORDS
from corpus.passages import make_passages
from corpus.split import ABBREVIATIONS, SENTENCE_STARTERS, sentences, split_sentences
from index.search import segment
from index.search.analyze import Analyzer
from index.search.bm25 import VARIANTS, BM25Params
from index.search.inverted import InvertedIndex
from index.search.stopwords import ENGLISH

PROPERTIES = settings(max_examples=80, deadline=None)

WORDS = [
    *"river town bread market water stone field lamp north".split(),
    *"River Town Apples Pears Council Maria Lopez I".split(),
    *"the of and with but it was said to in".split(),
    *'Dr. Mr. U.S. e.g. Jan. No. 3.5 1999. 12 2O H CO "Stop." (note) well-known'.split(),
    *"— - • * 1. 2) ^1 # ## @jdoe".split(),
    "x" * 40,
]
SEPARATORS = [" "] * 12 + [". ", "? ", "! ", "; ", ", ", ": ", "\n", "\n\n", " \n ", ".\n", "\t"]
SPECIAL = [
    *"\r\n\t\x00\x07\x1b\x7f\x85\x9b\u00a0\u00ad\u200b\u200d\u200e\u202e\u2066\u2028\u2029",
    *"\u0301\u2019\u201c\u2026\ufeff\ud800\udfff .\n",
    # A letter, a character the cleaner removes, then a combining accent.
    "e\u200b\u0301",
    "a\x00\u0308",
    "\r\n",
]

word_runs = st.integers(min_value=60, max_value=260).map(lambda n: "w " * n)
pieces = st.one_of(
    st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)).map("".join), word_runs
)
articles = st.lists(pieces, max_size=150).map("".join)
unicode_text = st.lists(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=300).map(
    "".join
)
any_text = st.one_of(articles, unicode_text)
boilerplate = st.sampled_from(["Share this article", "Advertisement", "#rivers #towns"])
web_pages = st.lists(st.one_of(boilerplate, unicode_text, articles), max_size=8).map("\n".join)

_BAD_CHARACTER = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200d\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def non_space(text: str) -> str:
    return "".join(text.split())


# --- the cleaner --------------------------------------------------------------------------


@PROPERTIES
@given(web_pages)
def test_cleaning_twice_changes_nothing(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@PROPERTIES
@given(web_pages)
def test_cleaned_text_has_no_control_or_invisible_characters(text: str) -> None:
    assert not _BAD_CHARACTER.search(clean_text(text))


@PROPERTIES
@given(web_pages)
def test_cleaned_text_is_nfc_with_stripped_lines_and_single_blank_lines(text: str) -> None:
    cleaned = clean_text(text)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert "\n\n\n" not in cleaned and "  " not in cleaned
    assert all(line == line.strip() for line in cleaned.split("\n"))


# --- sentences ----------------------------------------------------------------------------


@PROPERTIES
@given(any_text)
def test_sentences_cover_every_non_space_character_once_in_order(text: str) -> None:
    spans = split_sentences(text)
    assert all(s < e for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(spans))
    assert all(text[s:e] == text[s:e].strip() for s, e in spans)
    assert "".join(non_space(text[s:e]) for s, e in spans) == non_space(text)


@PROPERTIES
@given(any_text)
def test_no_sentence_exceeds_the_word_and_character_bounds(text: str) -> None:
    for s, e in split_sentences(text):
        assert len(text[s:e].split()) <= MAX_WORDS
        assert e - s <= MAX_CHARS


def punkt_reference(text: str) -> list[tuple[int, int]]:
    """How prose was split before line rules and cuts: Punkt per paragraph, then re-joins."""
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    params.sent_starters = set(SENTENCE_STARTERS)
    punkt = PunktSentenceTokenizer(params)
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n\n"):
        pieces: list[tuple[int, int]] = []
        for s, e in punkt.span_tokenize(paragraph):
            if pieces and re.match(r"[\W_]*[a-z0-9]", paragraph[s:]):
                pieces[-1] = (pieces[-1][0], offset + e)
            else:
                pieces.append((offset + s, offset + e))
        spans.extend(pieces)
        offset += len(paragraph) + 2
    return spans


prose_sentences = st.lists(
    st.sampled_from([w for w in WORDS if w.isalpha() or w.endswith(".")]), min_size=1, max_size=20
).map(lambda words: " ".join(words).capitalize() + ".")
prose = st.lists(
    st.lists(prose_sentences, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=4
).map("\n\n".join)


@PROPERTIES
@given(prose)
def test_prose_paragraphs_split_as_punkt_alone_splits_them(text: str) -> None:
    assert split_sentences(text) == punkt_reference(text)


# --- passages -----------------------------------------------------------------------------


@PROPERTIES
@given(any_text)
def test_passages_are_sentence_windows_in_order_sharing_one_sentence(text: str) -> None:
    found = sentences(text)
    passages = make_passages(found, text)
    for p in passages:
        assert p.text == text[p.start : p.end]
        assert (p.start, p.end) == (found[p.first_sentence].start, found[p.last_sentence].end)
    for before, after in itertools.pairwise(passages):
        assert after.first_sentence == max(before.last_sentence, before.first_sentence + 1)
    if found:
        assert passages[0].first_sentence == 0
        assert passages[-1].last_sentence == len(found) - 1


@PROPERTIES
@given(any_text)
def test_without_overlap_passages_cover_every_sentence_character_once(text: str) -> None:
    found = sentences(text)
    passages = make_passages(found, text, overlap=0)
    assert "".join(non_space(p.text) for p in passages) == non_space(text)


@PROPERTIES
@given(any_text)
def test_passages_stay_within_150_words_and_2000_characters(text: str) -> None:
    for p in make_passages(sentences(text), text):
        assert len(p.text.split()) <= 150
        assert len(p.text) <= 2000


# --- the analyzer -------------------------------------------------------------------------

ANALYZER = Analyzer()
chunks = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=30)


@PROPERTIES
@given(any_text)
def test_analyzer_gives_lowercase_terms_without_spaces(text: str) -> None:
    for term in ANALYZER(text):
        assert term and term == term.lower()
        assert not any(c.isspace() for c in term)


@PROPERTIES
@given(chunks, st.lists(st.sampled_from(sorted(ENGLISH)), min_size=1, max_size=30))
def test_stopwords_add_no_terms(words: list[str], stops: list[str]) -> None:
    mixed = [w for pair in itertools.zip_longest(words, stops, fillvalue="the") for w in pair]
    assert ANALYZER(" ".join(mixed)) == ANALYZER(" ".join(words))


@PROPERTIES
@given(any_text, any_text)
def test_analyzer_terms_do_not_depend_on_what_it_analyzed_before(text: str, other: str) -> None:
    warm = Analyzer()
    warm(other)
    assert warm(text) == Analyzer()(text) == warm(text)


# --- the index ----------------------------------------------------------------------------

vocabulary = st.sampled_from("solar wind farm roof coast river bridge town mill".split())
documents = st.lists(st.lists(vocabulary, min_size=1, max_size=12), min_size=1, max_size=12)


@pytest.mark.parametrize("variant", VARIANTS)
@PROPERTIES
@given(documents, documents, st.lists(vocabulary, min_size=1, max_size=4))
def test_adding_then_removing_documents_leaves_scores_as_they_were(
    variant: str, base: list[list[str]], extra: list[list[str]], query: list[str]
) -> None:
    index = InvertedIndex(BM25Params(variant=variant))
    index.add(segment.build(range(1, len(base) + 1), base))
    before = index.search(query, k=len(base))
    extra_ids = range(1000, 1000 + len(extra))
    index.add(segment.build(extra_ids, extra))
    assert index.remove(extra_ids) == len(extra)
    after = index.search(query, k=len(base))
    assert [h.passage_id for h in after] == [h.passage_id for h in before]
    assert [h.score for h in after] == pytest.approx([h.score for h in before], rel=1e-9)
