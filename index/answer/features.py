"""The features of a candidate sentence, the evidence that it answers the question.

Every feature is a number computed from the question, the sentence, its neighbours and
its passage, with corpus idf; ``index.answer.answerer`` weighs them with constants fitted offline.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from index.answer import focus, qtype
from index.answer.candidates import Candidate, Query
from index.answer.memo import word_terms
from index.answer.words import is_new, word_spans, words
from index.models import Hit

BASE = (
    "coverage",
    "coverage_squared",
    "coverage_context",
    "coverage_title",
    "sentence_bm25",
    "proximity",
    "bigrams",
    "passage_score",
    "passage_rank",
    "article_score",
    "new_terms",
    "restates",
    "type_person",
    "type_date",
    "type_number",
    "type_place",
    "type_missing",
    "length",
    "first_sentence",
    "leans_back",
    "coverage_relative",
    "coverage_previous",
    "surface_bigrams",
    "type_near",
    "focus_found",
    "focus_near_name",
    "has_focus",
    "new_names",
)
# Trees score one sentence at a time, so each question's candidates are also compared with
# each other: how far a sentence is behind the question's best candidate on these ...
BEHIND_BEST = (
    "sentence_bm25",
    "surface_bigrams",
    "bigrams",
    "coverage_context",
    "type_near",
    "proximity",
)
# ... and behind the best sentence of its own passage on these.
BEHIND_IN_PASSAGE = ("coverage", "sentence_bm25", "type_near")
NAMES = (
    BASE
    + tuple(f"{n}_behind_best" for n in BEHIND_BEST)
    + tuple(f"{n}_behind_in_passage" for n in BEHIND_IN_PASSAGE)
)
K1, B, AVG_SENTENCE_TERMS = 1.2, 0.75, 14.0
_LEANS = re.compile(
    r"^(?:he|she|it|they|his|her|its|their|this|these|those|that|such|there|him|them"
    r"|however|but|also|then|thus|therefore|moreover|furthermore|instead|meanwhile|later"
    r"|the (?:latter|former|same|two|three|agreement|agreements|company|group|move|plan|deal"
    r"|decision|report|city|country|team))\b",
    re.IGNORECASE,
)


Analyze = Callable[[str], list[str]]


def features(
    query: Query, cands: Sequence[Candidate], hits: Sequence[Hit], analyze: Analyze
) -> list[list[float]]:
    """One feature row per candidate, in the order of ``NAMES``."""
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    per_article: dict[int, float] = {}
    for h in hits:
        per_article[h.article_id] = per_article.get(h.article_id, 0.0) + h.score / top
    titles: dict[int, set[str]] = {}
    rows: list[list[float]] = []
    for c in cands:
        terms = analyze(c.sentence.text)
        found = set(terms) & query.terms
        title = titles.get(c.hit.article_id)
        if title is None:
            title = titles[c.hit.article_id] = set(analyze(c.hit.title)) & query.terms
        values = (
            _coverage(query, c, found, title, analyze)
            | _matching(query, c.sentence.text, terms, found)
            | _retrieval(c, top, per_article)
            | _answer_type(query, c.sentence.text, found, analyze)
            | _focus(query, c.sentence.text, analyze)
            | _position(c)
        )
        rows.append([values[name] for name in BASE])
    return compare(rows, [c.rank for c in cands])


def _coverage(
    query: Query, c: Candidate, found: set[str], title: set[str], analyze: Analyze
) -> dict[str, float]:
    """How much of the question's idf the sentence holds; with its neighbours and title; in
    the sentence before it. ``coverage_relative`` is filled in by ``compare``. Sums over sets
    are exact (``fsum``), so the order Python iterates a set in cannot change an answer."""
    q, total = query.terms, query.total_idf
    cov = math.fsum(query.idf[t] for t in found) / total
    context = set(found) | title
    for n in (c.previous, c.following):
        if n is not None:
            context |= set(analyze(n.text)) & q
    prev_cov = 0.0
    if c.previous is not None:
        prev_cov = math.fsum(query.idf[t] for t in set(analyze(c.previous.text)) & q) / total
    return {
        "coverage": cov,
        "coverage_squared": cov * cov,
        "coverage_context": math.fsum(query.idf[t] for t in context) / total,
        "coverage_title": math.fsum(query.idf[t] for t in title) / total,
        "coverage_relative": 0.0,
        "coverage_previous": prev_cov,
    }


def _matching(query: Query, text: str, terms: list[str], found: set[str]) -> dict[str, float]:
    """How the sentence's words match the question's: BM25, proximity, shared bigrams of terms
    and of surface words, the words it adds, its length."""
    q, total = query.terms, query.total_idf
    tf = Counter(t for t in terms if t in q)
    norm = K1 * (1 - B + B * len(terms) / AVG_SENTENCE_TERMS)
    bm25 = sum(query.idf[t] * n * (K1 + 1) / (n + norm) for t, n in tf.items()) / total
    new = len({t for t in terms if t not in q})
    bigram = 0.0
    if query.bigrams:
        bigram = len(set(itertools.pairwise(terms)) & query.bigrams) / len(query.bigrams)
    surface = 0.0
    if query.words:
        pairs = set(itertools.pairwise(words(text.lower())))
        surface = len(pairs & query.words) / len(query.words)
    return {
        "sentence_bm25": bm25,
        "proximity": _proximity(terms, found),
        "bigrams": bigram,
        "surface_bigrams": surface,
        "new_terms": math.log1p(new),
        "restates": 1.0 if new <= 2 else 0.0,
        "length": math.log1p(len(terms)),
    }


def _retrieval(c: Candidate, top: float, per_article: dict[int, float]) -> dict[str, float]:
    """How well the retriever ranked the sentence's passage and article."""
    return {
        "passage_score": c.hit.score / top,
        "passage_rank": math.log1p(c.rank),
        "article_score": per_article[c.hit.article_id],
    }


def _answer_type(query: Query, text: str, found: set[str], analyze: Analyze) -> dict[str, float]:
    """Whether the sentence holds a span of the type the question asks for (a name, a date, a
    number, a place) that the question lacks, and how near the question's words it stands."""
    kind = query.kind
    typed, near = 0.0, 0.0
    if kind != qtype.OTHER:
        typed_spans = qtype.spans(text, kind, query.language)
        new_spans = [s for s in typed_spans if is_new(s.text, query.terms, analyze)]
        typed = 1.0 if new_spans else 0.0
        if new_spans and found:
            near = _nearness(text, new_spans, query.terms, analyze)
    return {
        "type_person": typed if kind == qtype.PERSON else 0.0,
        "type_date": typed if kind == qtype.DATE else 0.0,
        "type_number": typed if kind == qtype.NUMBER else 0.0,
        "type_place": typed if kind == qtype.PLACE else 0.0,
        "type_missing": 1.0 if kind != qtype.OTHER and not typed else 0.0,
        "type_near": near,
    }


def _focus(query: Query, text: str, analyze: Analyze) -> dict[str, float]:
    """For what/which questions, whether a new name stands beside the asked-for word."""
    has_focus, focus_near, new_names = focus.facts(query.focus, text, analyze)
    return {
        "focus_found": has_focus,
        "focus_near_name": focus_near,
        "has_focus": 0.0 if query.focus.term is None else 1.0,
        "new_names": math.log1p(new_names),
    }


def _position(c: Candidate) -> dict[str, float]:
    """Where the sentence stands in its article, and whether it leans on the one before."""
    return {
        "first_sentence": 1.0 if c.sentence.position == 0 else 0.0,
        "leans_back": 1.0 if leans_back(c.sentence.text) else 0.0,
    }


def compare(rows: list[list[float]], passages: Sequence[int]) -> list[list[float]]:
    """``rows`` of ``BASE`` features with the comparisons among candidates filled in and
    appended, in the order of ``NAMES``; ``passages`` tells which passage each row is from."""
    if not rows:
        return []
    x = np.asarray(rows, dtype=np.float64)[:, : len(BASE)]
    cov = x[:, BASE.index("coverage")]
    x[:, BASE.index("coverage_relative")] = cov / (cov.max() or 1.0)
    group = np.asarray(passages)
    columns = [x]
    for name in BEHIND_BEST:
        col = x[:, BASE.index(name)]
        columns.append((col - col.max())[:, None])
    for name in BEHIND_IN_PASSAGE:
        col = x[:, BASE.index(name)]
        best = np.full(group.max() + 1, -np.inf)
        np.maximum.at(best, group, col)
        columns.append((col - best[group])[:, None])
    out: list[list[float]] = np.hstack(columns).tolist()
    return out


def _nearness(
    text: str,
    spans: list[qtype.Span],
    question: frozenset[str],
    analyze: Analyze,
) -> float:
    """1 / (1 + words between a typed span and the nearest question word of the sentence)."""
    anchors = [
        start
        for (start, _, _), terms in zip(word_spans(text), word_terms(analyze, text), strict=True)
        if not question.isdisjoint(terms)
    ]
    if not anchors:
        return 0.0
    best = min(len(words(text[min(a, s.start) : max(a, s.end)])) for a in anchors for s in spans)
    return 1.0 / (1.0 + best)


def leans_back(text: str) -> bool:
    """Whether a sentence leans on the one before it ("He said…", "The agreements…")."""
    return bool(_LEANS.match(text.lstrip("\"'“‘( ")))


def _proximity(terms: list[str], found: set[str]) -> float:
    """Distinct question terms matched over the shortest window holding them all (1 = adjacent)."""
    if len(found) < 2:
        return 1.0 if found else 0.0
    need = len(found)
    have: Counter[str] = Counter()
    best = len(terms)
    lo = 0
    for hi, t in enumerate(terms):
        if t in found:
            have[t] += 1
        while len(have) == need:
            best = min(best, hi - lo + 1)
            u = terms[lo]
            if u in have:
                have[u] -= 1
                if not have[u]:
                    del have[u]
            lo += 1
    return need / best
