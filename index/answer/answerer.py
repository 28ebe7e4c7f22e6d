"""The extractive answerer: picks the sentences of the top passages that answer a question.

Each sentence of the best passages gets a feature row (``index.answer.features``) that a
forest of small regression trees (``index.answer.trees``) turns into a score. A second
forest turns the best candidates' evidence into a confidence that the reply holds the answer;
below its threshold the answerer abstains and lists the closest sources instead. A third
(``index.answer.reply``) decides which runner-ups are worth quoting too. All of it is fitted
offline by ``bench/fit_answerer.py`` into ``answerer.json`` beside this module, on a tuning
split of SQuAD that never includes the questions ``qabot eval`` reports on.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import QabotError
from corpus.models import Sentence
from index.answer import names, reply
from index.answer.features import NAMES, Candidate, Query, candidates, features, leans_back
from index.answer.reply import Reply
from index.answer.semantic import Embedder, MiniLM
from index.answer.span import short_answer
from index.answer.trees import Forest
from index.models import Answer, Hit, Quote, Source
from index.search import bm25
from index.search.retriever import Retriever

FITTED = Path(__file__).with_name("answerer.json")
# Semantic mode (``AnswerSettings(semantic=True)``, the ``semantic`` extra): the best
# SEMANTIC_TOP candidates of the lexical ranker are rescored with the fitted multiple of the
# cosine between the question's and the sentence's embeddings (``index.answer.semantic``); the rest
# keep their order below them.
SEMANTIC_TOP = 10
RESTATING, RESTATING_WORDS = 3.0, 3
# The best candidate's features that the confidence weighs, besides its score.
BEST_FEATURES = (
    "coverage",
    "coverage_context",
    "coverage_title",
    "coverage_previous",
    "coverage_relative",
    "article_score",
    "surface_bigrams",
    "sentence_bm25",
)


@dataclass(frozen=True, slots=True)
class Confidence:
    """Trees over ``evidence`` whose summed leaves are the log-odds that the reply holds the
    answer, and the probability below which to abstain."""

    forest: Forest
    threshold: float

    def __call__(self, facts: dict[str, float]) -> float:
        row = np.array([[facts[name] for name in self.forest.names]])
        z = float(self.forest.predict(row)[0])
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


@dataclass(frozen=True, slots=True)
class Mode:
    """What was fitted for one way of scoring: the confidence and the reply."""

    confidence: Confidence
    reply: Reply
    cosine: float = 0.0


@dataclass(frozen=True, slots=True)
class Fitted:
    """The answerer's parameters, fitted offline by ``bench/fit_answerer.py``."""

    ranker: Forest
    lexical: Mode
    semantic: Mode | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fitted:
        def mode(d: dict[str, Any]) -> Mode:
            c = d["confidence"]
            return Mode(
                Confidence(Forest.from_dict(c["forest"]), float(c["threshold"])),
                Reply.from_dict(d["reply"]),
                float(d.get("cosine", 0.0)),
            )

        semantic = mode(data["semantic"]) if "semantic" in data else None
        return cls(Forest.from_dict(data["ranker"]), mode(data), semantic)


@functools.cache
def fitted() -> Fitted:
    """The parameters shipped with qabot, read once."""
    return Fitted.from_dict(json.loads(FITTED.read_text(encoding="utf-8")))


def evidence(
    scores: Sequence[float],
    rows: Sequence[Sequence[float]],
    missing_idf: float,
    passages: Sequence[float],
    found: dict[str, float],
    cosines: Sequence[float] | None = None,
) -> dict[str, float]:
    """What the confidence weighs: how far the best candidate stands out (score, margin, its
    share of the softmax), its features, how much of the question the corpus and the top
    passage hold, how far the top passage stands out from the next ones, and where the
    question's names are found (``index.answer.names.found``). ``scores`` and ``rows`` are best
    first; ``passages`` are the retrieved passages' BM25 scores, best first, over the
    question's total idf."""
    s = np.asarray(scores, dtype=np.float64)
    share = np.exp(s - s[0])
    share /= share.sum()
    coverage = NAMES.index("coverage")
    top = passages[0] or 1.0
    facts = {
        "best_score": float(s[0]),
        "margin": float(s[0] - s[1]) if len(s) > 1 else 1.0,
        "share": float(share[0]),
        "share_of_three": float(share[:3].sum()),
        "mean_of_five": float(s[:5].mean()),
        "coverage_of_five": max(r[coverage] for r in rows[:5]),
        "candidates": math.log(len(s)),
        "missing_idf": missing_idf,
        "top_passage": passages[0],
        "second_passage": passages[min(1, len(passages) - 1)] / top,
        "fifth_passage": passages[min(4, len(passages) - 1)] / top,
    }
    facts |= {name: rows[0][NAMES.index(name)] for name in BEST_FEATURES}
    facts |= found
    if cosines is not None:
        facts["cosine"] = cosines[0]
        facts["max_cosine"] = max(cosines)
    return facts


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """``threshold`` defaults to the value fitted for the mode."""

    passages: int = 15
    max_sentences: int = 3
    threshold: float | None = None
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
        if embedder is None and self.settings.semantic:
            embedder = MiniLM()
        self.embedder = embedder
        self.fitted = fitted()
        self.mode = self.fitted.lexical
        if embedder is not None:
            if self.fitted.semantic is None:
                raise QabotError(f"{FITTED} has no semantic parameters: run bench/fit_answerer.py")
            self.mode = self.fitted.semantic
        self.threshold = (
            self.mode.confidence.threshold
            if self.settings.threshold is None
            else self.settings.threshold
        )

    async def gather(
        self, question: str
    ) -> tuple[Query, list[Hit], list[Candidate], list[list[float]]]:
        """Retrieve the passages and build the candidates with their feature rows, unscored."""
        hits = await self.retriever.search(question, self.settings.passages)
        analyzer = self.retriever.analyzer
        terms = analyzer(question)
        query = Query.of(question, analyzer, self.retriever.idf(terms), self._top_idf())
        cands = candidates(hits)
        rows = features(query, cands, hits, analyzer) if cands else []
        return query, hits, cands, rows

    async def rank(self, question: str) -> Ranked:
        """Retrieve, build the candidates and score them; best first, ties by reading order."""
        query, hits, cands, rows = await self.gather(question)
        scores = ranker_scores(self.fitted.ranker, rows)
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
        rescored = [s + self.mode.cosine * c for s, c in zip(ranked.scores, cosines, strict=True)]
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
        """How likely the reply holds the answer, from 0 to 1."""
        if not ranked.candidates:
            return 0.0
        q = ranked.query
        texts = [c.sentence.text for c in ranked.candidates]
        facts = evidence(
            ranked.scores,
            ranked.rows,
            q.missing_idf / q.total_idf,
            [h.score / q.total_idf for h in ranked.hits],
            names.found(q.text, texts, self.retriever.analyzer),
            ranked.cosines or None,
        )
        return self.mode.confidence(facts)

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
        """The best candidate, and the runner-ups the fitted reply finds worth their words."""
        top = ranked.candidates[: reply.POOL]
        ranking = reply.Ranking(
            ranked.query.text,
            [c.sentence.text for c in top],
            ranked.scores[: reply.POOL],
            ranked.rows[: reply.POOL],
            [_leans_on(c, top[0]) for c in top],
        )
        picked = self.mode.reply.pick(ranking, self.retriever.analyzer, self.settings.max_sentences)
        return [ranked.candidates[i] for i in picked]

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


def ranker_scores(ranker: Forest, rows: list[list[float]]) -> list[float]:
    """The fitted ranker's scores, less ``RESTATING`` for a sentence that restates a who, when,
    how-many or where question: no answer of that type and at most ``RESTATING_WORDS`` words
    the question lacks. SQuAD, which the ranker was fitted on, has too few such sentences to
    teach it that they are no answer."""
    if not rows:
        return []
    x = np.asarray(rows, dtype=np.float64)
    new_words = np.expm1(x[:, NAMES.index("new_terms")])
    restating = (x[:, NAMES.index("type_missing")] > 0) & (new_words < RESTATING_WORDS + 0.5)
    scores: list[float] = (ranker.predict(x) - RESTATING * restating).tolist()
    return scores


def _order(cands: list[Candidate], scores: list[float]) -> list[int]:
    """Best score first, ties by retrieval rank, then reading order."""
    return sorted(
        range(len(cands)), key=lambda i: (-scores[i], cands[i].rank, cands[i].sentence.position)
    )


def _leans_on(c: Candidate, best: Candidate) -> int:
    """The words of the sentence ``c`` leans on, unless the reply holds it anyway (the best)."""
    s = c.sentence
    if s.position == 0 or not leans_back(s.text):
        return 0
    if c.hit.article_id == best.hit.article_id and s.position - 1 == best.sentence.position:
        return 0
    return len(c.previous.text.split()) if c.previous is not None else reply.UNSEEN_WORDS


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
