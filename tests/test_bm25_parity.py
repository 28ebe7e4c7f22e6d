"""qabot's index scores exactly as rank-bm25 does, variant by variant.

rank-bm25's own classes and qabot's InvertedIndex are built over the same analyzed
passages; for 200 questions, the top-100 scores agree to 1e-6 and the rankings are the
same up to exact ties. rank-bm25 scores every passage; qabot returns only the passages
holding a query term, which rank above the others in every variant here.
"""

from __future__ import annotations

import json
import math
import random
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from rank_bm25 import BM25, BM25L, BM25Okapi, BM25Plus

from index.search import inverted
from index.search import segment as seg
from index.search.analyze import Analyzer
from index.search.bm25 import BM25Params
from index.search.inverted import InvertedIndex

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
TOP = 100
QUESTIONS = 200
FIRST_ID = 101

PASSAGES = [
    "The city council of Lyon approved a new tram line through the old city in 2021.",
    "Trams in the city run every five minutes; the city pays for night trams too.",
    "Paris, the capital city of France, has fourteen metro lines and many buses.",
    "The Rhône and the Saône rivers meet in Lyon, a city known for its food.",
    "A river cruise from Lyon to Avignon takes four days on the Rhône.",
    "Avignon is famous for the Palais des Papes and its medieval city walls.",
    "The popes lived in Avignon during the 14th century, far from Rome.",
    "Rome, the city of seven hills, was founded in 753 BC according to legend.",
    "Legend says Romulus and Remus were raised by a she-wolf near the Tiber river.",
    "The Tiber flows through Rome into the Tyrrhenian Sea at Ostia.",
    "Ostia was the harbour city of ancient Rome; its ruins draw many visitors.",
    "Visitors to the city of Lyon can take a funicular up Fourvière hill.",
    "The basilica on Fourvière hill overlooks the whole city and both rivers.",
    "COVID-19 closed museums across Europe in 2020; most reopened in 2021.",
    "Museums in the city of Paris reopened with timed tickets after COVID-19.",
    "The Louvre is the most visited museum in the world, with 8.7 million visitors.",
    "The U.S. embassy in Paris stands near the Place de la Concorde.",
    "A tram, a bus and a metro ticket cost the same in the city of Lyon.",
    "Night buses replace the metro in Paris after half past midnight.",
    "The city's food markets sell cheese, sausages and pralines every morning.",
    "Pralines are pink sugared almonds, a speciality of Lyon's bakeries.",
    "Bakeries in the city open at six and sell bread until the evening.",
    "The evening light on the river makes the old city glow orange and pink.",
    "Orange, a town north of Avignon, has a Roman theatre still used for opera.",
    "The Roman theatre of Orange hosts an opera festival every summer.",
    "Summer in the city brings festivals, concerts and crowded river banks.",
    "City city city: a passage that repeats one word many times over.",
    "The 1,000-seat hall was built in 1899 and restored in 1999.",
    "Short.",
    "Well-known chefs opened restaurants in the city in the 1970s.",
]

FIXTURE_QUESTIONS = [
    "Which city has a tram line?",
    "When did museums reopen after COVID-19?",
    "Where do the Rhône and the Saône meet?",
    "Who raised Romulus and Remus?",
    "How many visitors does the Louvre have?",
    "city city",
    "What happened in 1899 in the 1,000-seat hall?",
    "well-known chefs",
    "the of and",
    "quantum chromodynamics",
]

RANK_BM25: dict[str, type[BM25]] = {"okapi": BM25Okapi, "plus": BM25Plus, "l": BM25L}


def reference(variant: str, docs: list[list[str]]) -> BM25:
    """rank-bm25's own model; Lucene's idf is put into BM25Okapi's idf table."""
    if variant != "lucene":
        return RANK_BM25[variant](docs)
    model = BM25Okapi(docs)
    df: dict[str, int] = {}
    for freqs in model.doc_freqs:
        for word in freqs:
            df[word] = df.get(word, 0) + 1
    n = model.corpus_size
    model.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in df.items()}
    return model


def build_index(variant: str, docs: list[list[str]], layout: str) -> InvertedIndex:
    """The passages as one segment, as three, as three merged, or with a removed extra one."""
    index = InvertedIndex(BM25Params(variant=variant))
    ids = list(range(FIRST_ID, FIRST_ID + len(docs)))
    if layout == "one":
        index.add(seg.build(ids, docs))
        return index
    cuts = [0, len(docs) // 3, 2 * len(docs) // 3, len(docs)]
    parts = [seg.build(ids[a:b], docs[a:b]) for a, b in pairwise(cuts)]
    if layout == "merged":
        index.add(seg.merge([(p, np.ones(p.size, dtype=np.bool_)) for p in parts]))
        return index
    for part in parts:
        index.add(part)
    if layout == "removed":
        extra = [docs[0] + ["zzz"], docs[1] * 3, ["city"] * 40]
        index.add(seg.build([1, 2, 3], extra))
        assert index.remove([1, 2, 3]) == 3
    return index


class Corpus:
    """Analyzed passages and, per term, the rows of the passages holding it."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.docs = docs
        holders: dict[str, list[int]] = {}
        for row, doc in enumerate(docs):
            for term in set(doc):
                holders.setdefault(term, []).append(row)
        self.rows = {t: np.array(r, dtype=np.int64) for t, r in holders.items()}

    def matched(self, query: list[str]) -> NDArray[np.bool_]:
        out = np.zeros(len(self.docs), dtype=np.bool_)
        for term in set(query) & self.rows.keys():
            out[self.rows[term]] = True
        return out


def assert_parity(
    model: BM25, index: InvertedIndex, corpus: Corpus, query: list[str], top: int = TOP
) -> None:
    expected = np.asarray(model.get_scores(query), dtype=np.float64)
    matched = corpus.matched(query)
    hits = index.search(query, top)
    rows = np.flatnonzero(matched)
    order = rows[np.lexsort((rows, -expected[rows]))]
    assert len(hits) == min(order.size, top), query
    if not hits:
        return
    got = np.array([h.score for h in hits])
    got_rows = np.array([h.passage_id - FIRST_ID for h in hits], dtype=np.int64)
    np.testing.assert_allclose(got, expected[order[:top]], rtol=0, atol=1e-6, err_msg=str(query))
    np.testing.assert_allclose(got, expected[got_rows], rtol=0, atol=1e-6, err_msg=str(query))
    assert matched[got_rows].all()
    if matched.any() and not matched.all():
        # Passages without a query term all share the lowest score: never above a match.
        assert expected[~matched].max() <= expected[matched].min() + 1e-9
    # Rankings identical up to exact ties: a score unique among the matches is in its place.
    ranked = expected[order]
    gaps = np.abs(np.diff(ranked)) > 1e-9
    unique = np.concatenate(([True], gaps)) & np.concatenate((gaps, [True]))
    for i in np.flatnonzero(unique[:top]).tolist():
        assert got_rows[i] == order[i], (query, i)


def fixture_questions(docs: list[list[str]], analyzer: Analyzer) -> list[list[str]]:
    """The handwritten questions, then seeded bags of corpus and unknown words to 200."""
    rng = random.Random(7)
    vocab = sorted({t for d in docs for t in d})
    out = [analyzer(q) for q in FIXTURE_QUESTIONS]
    while len(out) < QUESTIONS:
        terms = rng.choices(vocab, k=rng.randint(1, 6))
        if rng.random() < 0.3:
            terms.append("unknownterm")
        out.append(terms)
    return out


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize("layout", ["one", "three", "merged", "removed"])
@pytest.mark.parametrize("variant", ["okapi", "plus", "l", "lucene"])
@pytest.mark.parametrize("sparse_share", [0.0, 1.0])
@pytest.mark.parametrize("top", [TOP, 3])
def test_scores_and_rankings_equal_rank_bm25_on_fixture(
    variant: str,
    layout: str,
    sparse_share: float,
    top: int,
    analyzer: Analyzer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inverted, "SPARSE_SHARE", sparse_share)
    docs = [analyzer(p) for p in PASSAGES]
    model = reference(variant, docs)
    index = build_index(variant, docs, layout)
    corpus = Corpus(docs)
    for query in fixture_questions(docs, analyzer):
        assert_parity(model, index, corpus, query, top)


def test_fixture_exercises_okapis_epsilon_floor(analyzer: Analyzer) -> None:
    docs = [analyzer(p) for p in PASSAGES]
    model = BM25Okapi(docs)
    assert any(model.idf[w] == model.epsilon * model.average_idf for w in model.idf)
    assert InvertedIndex(BM25Params(variant="okapi")).idf(["citi"]) == {}
    index = build_index("okapi", docs, "one")
    assert index.idf(["citi"])["citi"] == pytest.approx(model.idf["citi"], abs=1e-12)


def read_eval(articles: int, seed: int) -> tuple[list[str], list[str]]:
    """Paragraphs of ``articles`` seeded articles, and 200 seeded questions about them."""
    with open(EVAL / "squad-train.articles.jsonl") as f:
        rows = [json.loads(line) for line in f]
    chosen = random.Random(seed).sample(rows, articles)
    ids = {a["id"] for a in chosen}
    paragraphs = [p for a in chosen for p in a["text"].split("\n\n")]
    with open(EVAL / "squad-train.questions.jsonl") as f:
        questions = [q["question"] for line in f if (q := json.loads(line))["article_id"] in ids]
    return paragraphs, random.Random(seed).sample(questions, QUESTIONS)


@pytest.fixture(scope="module")
def real(analyzer: Analyzer) -> tuple[Corpus, list[list[str]]]:
    if not EVAL.is_dir():
        pytest.skip("../shared/eval is absent")
    paragraphs, questions = read_eval(articles=40, seed=0)
    return Corpus([analyzer(p) for p in paragraphs]), [analyzer(q) for q in questions]


@pytest.mark.eval
@pytest.mark.parametrize("variant", ["okapi", "plus", "l", "lucene"])
def test_scores_and_rankings_equal_rank_bm25_on_real_passages(
    variant: str, real: tuple[Corpus, list[list[str]]]
) -> None:
    corpus, questions = real
    model = reference(variant, corpus.docs)
    index = build_index(variant, corpus.docs, "three")
    for query in questions:
        assert_parity(model, index, corpus, query)
        assert_parity(model, index, corpus, query, 10)
