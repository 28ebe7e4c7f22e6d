"""The extractive answerer: picks the sentences of the top passages that answer a question.

Each sentence of the best passages is scored by a linear model over ``index.features``
(coverage of the question's terms weighted by corpus idf, sentence BM25, proximity,
passage score, the expected answer type, restating, ...), with weights fitted offline on
question-answering data and kept here as constants. A second, logistic model turns the
best candidate's evidence into a confidence; below the threshold the answerer abstains
and lists the closest sources instead. Both were fitted and the threshold chosen on a
tuning split of SQuAD (see ``qabot eval``), never on the questions reported.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

import numpy as np

from corpus.models import Sentence
from index import bm25
from index.features import NAMES, Candidate, Query, candidates, features, leans_back
from index.models import Answer, Hit, Quote, Source
from index.retriever import Retriever
from index.semantic import Embedder, MiniLM
from index.span import short_answer

# Ranker weights, one per feature in ``index.features.NAMES`` (fitted offline).
WEIGHTS: dict[str, float] = {
    "coverage": -5.706,
    "coverage_squared": 2.641,
    "coverage_context": 2.421,
    "coverage_title": 0.474,
    "sentence_bm25": 0.318,
    "proximity": -0.058,
    "bigrams": 0.182,
    "passage_score": 2.981,
    "passage_rank": -0.441,
    "article_score": 0.057,
    "new_terms": 0.249,
    "restates": -0.563,
    "type_person": 0.110,
    "type_date": 1.277,
    "type_number": 1.362,
    "type_place": -0.091,
    "type_missing": -0.738,
    "length": -0.293,
    "first_sentence": 0.222,
    "leans_back": 0.222,
    "coverage_relative": 5.163,
    "coverage_previous": 0.098,
    "surface_bigrams": 2.211,
    "type_near": 0.239,
}
# Confidence: logistic over the best candidate's evidence (fitted offline on a tuning split
# with a fifth of its questions' articles left out of the index, label "best sentence right").
CONFIDENCE_BIAS = -4.741
CONFIDENCE: dict[str, float] = {
    "best_score": 0.122,
    "margin": 1.0833,
    "coverage": 1.0342,
    "missing_idf": 0.0687,
    "top_passage": 0.0578,
    "coverage_context": 1.2353,
    "coverage_title": -0.1215,
    "article_score": 0.0683,
    "surface_bigrams": 2.4268,
}


THRESHOLD, REPLY_MARGIN = 0.21, 1.6

# Semantic mode (``AnswerSettings(semantic=True)``, the ``semantic`` extra): the best
# SEMANTIC_TOP candidates of the lexical ranker are rescored with the cosine between the
# question's and the sentence's embeddings (``index.semantic``); the rest keep their order
# below them. Fitted offline on the same tuning split as the lexical weights.
SEMANTIC_TOP = 10
SEMANTIC: dict[str, float] = {"lexical": 1.0, "cosine": 8.262}
SEMANTIC_THRESHOLD, SEMANTIC_REPLY_MARGIN = 0.175, 3.0
SEMANTIC_CONFIDENCE_BIAS = -6.4949
SEMANTIC_CONFIDENCE: dict[str, float] = {
    "best_score": 0.2227,
    "margin": 0.5424,
    "coverage": 0.7322,
    "missing_idf": -0.4099,
    "top_passage": -0.9437,
    "coverage_context": 1.5514,
    "coverage_title": -0.034,
    "article_score": 0.0139,
    "surface_bigrams": 1.2812,
    "cosine": 5.3615,
    "max_cosine": -0.8144,
}


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """``threshold`` and ``reply_margin`` default to the values fitted for the mode."""

    passages: int = 15
    max_sentences: int = 3
    threshold: float | None = None
    reply_margin: float | None = None
    context: bool = True
    semantic: bool = False
    min_coverage: float = 0.4


@dataclass(frozen=True, slots=True)
class Ranked:
    """The candidates of one question, best first, with their scores and the analyzed query."""

    query: Query
    hits: list[Hit]
    candidates: list[Candidate]
    scores: list[float]
    rows: list[list[float]]
    cosines: list[float] = field(default_factory=list)


class Answerer:
    """Answers a question from the retriever's passages, or abstains.

    With ``settings.semantic`` (or an ``embedder`` given) the best lexical candidates are
    reranked by meaning too; without the extra installed that raises ``SemanticUnavailable``.
    """

    def __init__(
        self,
        retriever: Retriever,
        settings: AnswerSettings | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings()
        self.weights = np.array([WEIGHTS[n] for n in NAMES])
        if embedder is None and self.settings.semantic:
            embedder = MiniLM()
        self.embedder = embedder
        fitted = (THRESHOLD, REPLY_MARGIN)
        if embedder is not None:
            fitted = (SEMANTIC_THRESHOLD, SEMANTIC_REPLY_MARGIN)
        self.threshold = fitted[0] if self.settings.threshold is None else self.settings.threshold
        self.reply_margin = (
            fitted[1] if self.settings.reply_margin is None else self.settings.reply_margin
        )

    async def rank(self, question: str) -> Ranked:
        """Retrieve, build the candidates and score them; best first, ties by reading order."""
        hits = await self.retriever.search(question, self.settings.passages)
        analyzer = self.retriever.analyzer
        terms = analyzer(question)
        query = Query.of(question, analyzer, self.retriever.idf(terms), self._top_idf())
        cands = candidates(hits)
        rows = features(query, cands, hits, analyzer) if cands else []
        scores = (np.asarray(rows) @ self.weights).tolist() if rows else []
        order = _order(cands, scores)
        ranked = Ranked(
            query,
            hits,
            [cands[i] for i in order],
            [scores[i] for i in order],
            [rows[i] for i in order],
        )
        if self.embedder is None or not cands:
            return ranked
        texts = [question] + [c.sentence.text for c in ranked.candidates[:SEMANTIC_TOP]]
        vectors = await asyncio.to_thread(self.embedder.encode, texts)
        cosines = semantic_cosines(vectors, len(ranked.candidates))
        rescored = semantic_scores(ranked.scores, cosines)
        order = _order(ranked.candidates, rescored)
        return Ranked(
            query,
            hits,
            [ranked.candidates[i] for i in order],
            [rescored[i] for i in order],
            [ranked.rows[i] for i in order],
            [cosines[i] for i in order],
        )

    def confidence(self, ranked: Ranked) -> float:
        """How likely the best candidate answers the question, from 0 to 1."""
        if not ranked.candidates:
            return 0.0
        best = ranked.scores[0]
        row = dict(zip(NAMES, ranked.rows[0], strict=True))
        q = ranked.query
        evidence = {
            "best_score": best,
            "margin": best - ranked.scores[1] if len(ranked.scores) > 1 else 1.0,
            "missing_idf": q.missing_idf / q.total_idf,
            "top_passage": ranked.hits[0].score / q.total_idf,
        }
        bias, weights = CONFIDENCE_BIAS, CONFIDENCE
        if ranked.cosines:
            bias, weights = SEMANTIC_CONFIDENCE_BIAS, SEMANTIC_CONFIDENCE
            evidence["cosine"] = ranked.cosines[0]
            evidence["max_cosine"] = max(ranked.cosines)
        z = bias + sum(w * evidence.get(name, row.get(name, 0.0)) for name, w in weights.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    async def ask(self, question: str) -> Answer:
        """Answer ``question`` with one to three cited sentences, or abstain."""
        started = time.perf_counter()
        ranked = await self.rank(question)
        confidence = self.confidence(ranked)
        answered = bool(ranked.candidates) and confidence >= self.threshold and self._covers(ranked)
        chosen = self._choose(ranked) if ranked.candidates else []
        order = _passage_order(ranked)
        if not answered:
            sources = self._sources(ranked.hits, None)
            more = tuple(_quote(c, 0, s) for c, s in zip(chosen, ranked.scores, strict=False))
            return Answer(
                question,
                False,
                confidence,
                None,
                (),
                sources,
                more,
                (time.perf_counter() - started) * 1000,
                order,
            )
        picked: list[tuple[Candidate, Sentence, float]] = [
            (c, c.sentence, ranked.scores[ranked.candidates.index(c)]) for c in chosen
        ]
        if self.settings.context:
            picked = await self._with_context(picked)
        best = chosen[0]
        span = short_answer(
            best.sentence.text, ranked.query.kind, ranked.query.terms, self.retriever.analyzer
        )
        cited = list(dict.fromkeys(c.hit.article_id for c in chosen))
        sources = self._sources(ranked.hits, cited)
        number = {s.article_id: s.n for s in sources}
        quotes = tuple(
            Quote(
                s.text,
                number[c.hit.article_id],
                c.hit.article_id,
                c.hit.passage_id,
                s.position,
                score,
                (span.start, span.end) if span and c is best and s is best.sentence else None,
            )
            for c, s, score in sorted(
                picked, key=lambda p: (number[p[0].hit.article_id], p[1].position)
            )
        )
        used = {id(c) for c in chosen}
        more = tuple(
            _quote(c, number.get(c.hit.article_id, 0), s)
            for c, s in zip(ranked.candidates, ranked.scores, strict=True)
            if id(c) not in used
        )[:3]
        return Answer(
            question=question,
            answered=True,
            confidence=confidence,
            short_answer=span.text if span else None,
            quotes=quotes,
            sources=sources,
            more=more,
            took_ms=(time.perf_counter() - started) * 1000,
            passages=order,
        )

    def _covers(self, ranked: Ranked) -> bool:
        """Whether the best sentence, with its context, holds enough of the question's terms."""
        coverage = ranked.rows[0][NAMES.index("coverage_context")]
        return coverage >= self.settings.min_coverage

    def _choose(self, ranked: Ranked) -> list[Candidate]:
        """The best candidate, and the next ones whose score is within the reply margin."""
        best = ranked.scores[0]
        out = [ranked.candidates[0]]
        for c, s in zip(ranked.candidates[1:], ranked.scores[1:], strict=True):
            if len(out) >= self.settings.max_sentences or s < best - self.reply_margin:
                break
            out.append(c)
        return out

    async def _with_context(
        self, picked: list[tuple[Candidate, Sentence, float]]
    ) -> list[tuple[Candidate, Sentence, float]]:
        """Add the sentence before each chosen one that leans on it, once."""
        have = {(c.hit.article_id, s.position) for c, s, _ in picked}
        out = list(picked)
        for c, s, score in picked:
            if s.position == 0 or not leans_back(s.text):
                continue
            key = (c.hit.article_id, s.position - 1)
            if key in have:
                continue
            prev = c.previous
            if prev is None:
                found = await self.retriever.store.sentences(c.hit.article_id, [s.position - 1])
                prev = found[0] if found else None
            if prev is not None:
                have.add(key)
                out.append((c, prev, score - 1e-6))
        return out

    def _sources(self, hits: list[Hit], cited: list[int] | None) -> tuple[Source, ...]:
        """The cited articles numbered in the order given; without ``cited``, the 3 closest."""
        first: dict[int, Hit] = {}
        for h in hits:
            first.setdefault(h.article_id, h)
        ids = cited if cited is not None else list(first)[:3]
        return tuple(
            Source(n, a, first[a].title, first[a].url, first[a].published, first[a].source)
            for n, a in enumerate(ids, start=1)
        )

    def _top_idf(self) -> float:
        """The idf of a term found in one passage: what a term absent from the corpus gets."""
        index = self.retriever.index
        snap = index.snapshot
        if not snap.n_docs:
            return 1.0
        return float(bm25.idf(index.params, np.array([1.0]), snap.n_docs, snap.all_df)[0])


def semantic_cosines(vectors: np.ndarray, n: int) -> list[float]:
    """Cosines of the question (row 0) with the first candidates; the rest get the lowest."""
    cos = [float(c) for c in vectors[1:] @ vectors[0]]
    return cos + [min(cos)] * (n - len(cos))


def semantic_scores(lexical: list[float], cosines: list[float]) -> list[float]:
    """The semantic mode's score: the lexical score and the cosine, weighed as fitted."""
    a, b = SEMANTIC["lexical"], SEMANTIC["cosine"]
    return [a * s + b * c for s, c in zip(lexical, cosines, strict=True)]


def _order(cands: list[Candidate], scores: list[float]) -> list[int]:
    """Best score first, ties by retrieval rank, then reading order."""
    return sorted(
        range(len(cands)), key=lambda i: (-scores[i], cands[i].rank, cands[i].sentence.position)
    )


def _quote(c: Candidate, citation: int, score: float) -> Quote:
    s = c.sentence
    return Quote(s.text, citation, c.hit.article_id, c.hit.passage_id, s.position, score)


def _passage_order(ranked: Ranked) -> tuple[int, ...]:
    """The hits' passage ids by the score of their best sentence, then by retrieval rank."""
    best: dict[int, float] = {}
    for c, s in zip(ranked.candidates, ranked.scores, strict=True):
        best.setdefault(c.hit.passage_id, s)
    ranks = {h.passage_id: i for i, h in enumerate(ranked.hits)}
    return tuple(sorted(ranks, key=lambda p: (-best.get(p, -math.inf), ranks[p])))
