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
from dataclasses import dataclass

import numpy as np

from corpus.models import Sentence
from index.answer import focus, qtype
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
_SURFACE = re.compile(r"[^\W_]+", re.UNICODE)
K1, B, AVG_SENTENCE_TERMS = 1.2, 0.75, 14.0
_LEANS = re.compile(
    r"^(?:he|she|it|they|his|her|its|their|this|these|those|that|such|there|him|them"
    r"|however|but|also|then|thus|therefore|moreover|furthermore|instead|meanwhile|later"
    r"|the (?:latter|former|same|two|three|agreement|agreements|company|group|move|plan|deal"
    r"|decision|report|city|country|team))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Query:
    """A question analyzed once: its terms, their idf (absent ones get the highest), its type
    and focus."""

    text: str
    words: frozenset[tuple[str, str]]
    terms: frozenset[str]
    idf: dict[str, float]
    total_idf: float
    missing_idf: float
    bigrams: frozenset[tuple[str, str]]
    kind: str
    focus: focus.Focus

    @classmethod
    def of(
        cls, question: str, analyze: Callable[[str], list[str]], idf: dict[str, float], top: float
    ) -> Query:
        terms = analyze(question)
        weights = {t: idf.get(t, top) for t in terms}
        missing = sum(w for t, w in weights.items() if t not in idf)
        tokens = _SURFACE.findall(question.lower())
        return cls(
            text=question,
            words=frozenset(itertools.pairwise(tokens)),
            terms=frozenset(terms),
            idf=weights,
            total_idf=sum(weights.values()) or 1.0,
            missing_idf=missing,
            bigrams=frozenset(itertools.pairwise(terms)),
            kind=qtype.question_type(question),
            focus=focus.Focus.of(question, analyze),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One sentence of a retrieved passage, with the best rank of a passage holding it."""

    hit: Hit
    rank: int
    sentence: Sentence
    previous: Sentence | None
    following: Sentence | None


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """Each distinct sentence of the hits once, from the best-ranked passage holding it."""
    seen: set[tuple[int, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        sents = hit.sentences
        for i, s in enumerate(sents):
            key = (hit.article_id, s.position)
            if key in seen:
                continue
            seen.add(key)
            prev = sents[i - 1] if i > 0 else None
            nxt = sents[i + 1] if i + 1 < len(sents) else None
            out.append(Candidate(hit, rank, s, prev, nxt))
    return out


def features(
    query: Query,
    cands: Sequence[Candidate],
    hits: Sequence[Hit],
    analyze: Callable[[str], list[str]],
) -> list[list[float]]:
    """One feature row per candidate, in the order of ``NAMES``."""
    top = hits[0].score if hits and hits[0].score > 0 else 1.0
    per_article: dict[int, float] = {}
    for h in hits:
        per_article[h.article_id] = per_article.get(h.article_id, 0.0) + h.score / top
    titles: dict[int, set[str]] = {}
    rows: list[list[float]] = []
    q, total = query.terms, query.total_idf
    for c in cands:
        terms = analyze(c.sentence.text)
        found = set(terms) & q
        cov = sum(query.idf[t] for t in found) / total
        title = titles.get(c.hit.article_id)
        if title is None:
            title = titles[c.hit.article_id] = set(analyze(c.hit.title)) & q
        context = set(found) | title
        for n in (c.previous, c.following):
            if n is not None:
                context |= set(analyze(n.text)) & q
        tf = Counter(t for t in terms if t in q)
        norm = K1 * (1 - B + B * len(terms) / AVG_SENTENCE_TERMS)
        bm25 = sum(query.idf[t] * n * (K1 + 1) / (n + norm) for t, n in tf.items()) / total
        new = len({t for t in terms if t not in q})
        bigram = 0.0
        if query.bigrams:
            bigram = len(set(itertools.pairwise(terms)) & query.bigrams) / len(query.bigrams)
        kind = query.kind
        typed, near = 0.0, 0.0
        if kind != qtype.OTHER:
            new_spans = [
                s for s in qtype.spans(c.sentence.text, kind) if _is_new(s.text, q, analyze)
            ]
            typed = 1.0 if new_spans else 0.0
            if new_spans and found:
                near = _nearness(c.sentence.text, new_spans, q, analyze)
        prev_cov = 0.0
        if c.previous is not None:
            prev_cov = sum(query.idf[t] for t in set(analyze(c.previous.text)) & q) / total
        surface = 0.0
        if query.words:
            tokens = _SURFACE.findall(c.sentence.text.lower())
            pairs = set(itertools.pairwise(tokens))
            surface = len(pairs & query.words) / len(query.words)
        has_focus, focus_near, new_names = focus.facts(query.focus, c.sentence.text, analyze)
        rows.append(
            [
                cov,
                cov * cov,
                sum(query.idf[t] for t in context) / total,
                sum(query.idf[t] for t in title) / total,
                bm25,
                _proximity(terms, found),
                bigram,
                c.hit.score / top,
                math.log1p(c.rank),
                per_article[c.hit.article_id],
                math.log1p(new),
                1.0 if new <= 2 else 0.0,
                typed if kind == qtype.PERSON else 0.0,
                typed if kind == qtype.DATE else 0.0,
                typed if kind == qtype.NUMBER else 0.0,
                typed if kind == qtype.PLACE else 0.0,
                1.0 if kind != qtype.OTHER and not typed else 0.0,
                math.log1p(len(terms)),
                1.0 if c.sentence.position == 0 else 0.0,
                1.0 if leans_back(c.sentence.text) else 0.0,
                0.0,
                prev_cov,
                surface,
                near,
                has_focus,
                focus_near,
                0.0 if query.focus.term is None else 1.0,
                math.log1p(new_names),
            ]
        )
    return compare(rows, [c.rank for c in cands])


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
    analyze: Callable[[str], list[str]],
) -> float:
    """1 / (1 + words between a typed span and the nearest question word of the sentence)."""
    anchors = [m.start() for m in _SURFACE.finditer(text) if set(analyze(m.group())) & question]
    if not anchors:
        return 0.0
    best = min(
        len(_SURFACE.findall(text[min(a, s.start) : max(a, s.end)])) for a in anchors for s in spans
    )
    return 1.0 / (1.0 + best)


def leans_back(text: str) -> bool:
    """Whether a sentence leans on the one before it ("He said…", "The agreements…")."""
    return bool(_LEANS.match(text.lstrip("\"'“‘( ")))


def _is_new(span: str, question: frozenset[str], analyze: Callable[[str], list[str]]) -> bool:
    terms = analyze(span)
    return not terms or any(t not in question for t in terms)


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
