"""The extractive answerer: picks the sentences of the top passages that answer a question.

Each sentence of the best passages gets a feature row (``index.answer.features``) that a
forest of small regression trees (``index.answer.trees``) turns into a score
(``index.answer.ranking``). A second forest turns the best candidates' evidence into a
confidence that the reply holds the answer (``index.answer.confidence``); below its threshold
the answerer abstains and lists the closest sources instead. A third (``index.answer.reply``)
decides which runner-ups are worth quoting too.

With the reranker on (the default), a cross-encoder that reads the question and each of the
best ``top`` sentences together (``index.answer.reranker``, its model in ``model/``) adds a
fitted multiple of its logit to their scores, and the confidence and the reply of the
reranking mode weigh its logits too. All of it is fitted offline (``index.answer.fitted``) on
questions and articles that ``qabot eval --unseen`` never reports on.
"""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import QabotError
from corpus.models import Sentence
from index.answer import cite, names, reply
from index.answer.candidates import Candidate, Query, candidates
from index.answer.confidence import evidence
from index.answer.families import OTHER as OTHER_FAMILY
from index.answer.families import family_of
from index.answer.features import NAMES, features, leans_back
from index.answer.fitted import FITTED, fitted
from index.answer.memo import Terms
from index.answer.ranking import Ranked, padded, passage_order, ranker_scores, reread, sort
from index.answer.reranker import Reranker, context_of
from index.answer.span import short_answer
from index.models import CLOSEST, NONE, SURE, Answer, Hit
from index.search import bm25
from index.search.interface import SearchBackend
from index.search.languages import ENGLISH, question_language

MODEL = Path(__file__).with_name("model")
CLOSEST_QUOTES = 2  # a closest reply quotes the one or two nearest sentences
HALF = 0.5  # of the question's idf weight: what a runner-up from another article must hold


@functools.cache
def load_reranker(folder: Path) -> Reranker:
    """A reranker model folder, loaded and checked once per process."""
    return Reranker.load(folder)


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """``threshold`` (sure), ``closest`` and ``min_coverage`` default to the values fitted
    for the mode (the
    lexical mode needs the best sentence to hold 40% of the question's weight; the reranking
    mode, which reads meaning, needs no shared word at all); ``rerank=False`` answers with
    the lexical ranker alone (faster, and weaker on questions worded unlike the text);
    ``model`` is the reranker's folder, the one shipped with qabot by default; ``fitted``
    the parameters' file; ``read_whole`` lets the reranking mode read a collection of at most
    ``passages`` passages in full."""

    passages: int = 15
    max_sentences: int = 3
    threshold: float | None = None
    closest: float | None = None
    context: bool = True
    rerank: bool = True
    min_coverage: float | None = None
    model: Path = MODEL
    fitted: Path = FITTED
    read_whole: bool = True


class Answerer:
    """Answers a question from the retriever's passages, or abstains.

    With ``settings.rerank`` the shipped reranker (or the ``reranker`` given) rescores the best
    lexical candidates; a missing or broken model folder raises ``RerankerError`` here, before
    any question.
    """

    def __init__(
        self,
        retriever: SearchBackend,
        settings: AnswerSettings | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.retriever = retriever
        self.terms = Terms(retriever.analyzer)
        self.settings = settings or AnswerSettings()
        self.fitted = fitted(self.settings.fitted)
        self.mode = self.fitted.lexical
        self.reranker = None
        if self.settings.rerank:
            if self.fitted.rerank is None:
                raise QabotError(f"{FITTED} has no reranking parameters: run bench/fit_rerank.py")
            self.reranker = reranker or load_reranker(self.settings.model)
            self.mode = self.fitted.rerank
        self.threshold = (
            self.mode.confidence.threshold
            if self.settings.threshold is None
            else self.settings.threshold
        )
        closest = self.settings.closest
        self.closest = min(
            self.threshold, self.mode.confidence.closest if closest is None else closest
        )

    @property
    def reads_whole(self) -> bool:
        """Whether a small collection is read whole: with the reranker, unless turned off."""
        return self.settings.read_whole and self.reranker is not None

    async def gather(
        self, question: str, whole: bool | None = None
    ) -> tuple[Query, list[Hit], list[Candidate], list[list[float]]]:
        """Retrieve the passages and build the candidates with their feature rows, unscored.

        ``whole`` (by default: ``reads_whole``) reads a collection of at most
        ``passages`` passages in full (``Retriever.search``); the reranker finds there what
        shares no word with the question, the lexical ranker alone would not.
        """
        whole = self.reads_whole if whole is None else whole
        hits = await self.retriever.search(question, self.settings.passages, whole=whole)
        self._know_terms(hits)
        terms = self.terms(question)
        language = question_language() or ENGLISH
        query = Query.of(question, self.terms, self.retriever.idf(terms), self._top_idf(), language)
        cands = candidates(hits)
        rows = features(query, cands, hits, self.terms) if cands else []
        return query, hits, cands, rows

    async def rank(self, question: str) -> Ranked:
        """Retrieve, build the candidates and score them; best first, ties by reading order."""
        query, hits, cands, rows = await self.gather(question)
        ranked = sort(query, hits, cands, ranker_scores(self.fitted.ranker, rows), rows)
        if self.reranker is None or not cands:
            return ranked
        whole_up_to = self.settings.passages if self.reads_whole else 0
        n = reread(len(cands), len(self.retriever.index), self.mode.top, whole_up_to)
        top = ranked.candidates[:n]
        texts = [c.sentence.text for c in top]
        contexts = [context_of(c.hit.title, c.previous.text if c.previous else None) for c in top]
        read = await asyncio.to_thread(self.reranker.scores, question, texts, contexts)
        logits = padded(read.tolist(), len(ranked.candidates))
        rescored = [s + self.mode.weight * x for s, x in zip(ranked.scores, logits, strict=True)]
        return sort(query, hits, ranked.candidates, rescored, ranked.rows, logits)

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
            names.found(q.text, texts, self.terms),
            ranked.logits or None,
            self.retriever.index.snapshot.n_docs,
        )
        return self.mode.confidence(facts)

    async def ask(self, question: str) -> Answer:
        """Answer ``question``: sure (one to three cited sentences), closest (the one or two
        nearest sentences, not claimed as an answer) or none (the closest articles only)."""
        started = time.perf_counter()
        if not question.strip():
            await self.retriever.sync()
            return Answer(question, False, 0.0, None, (), (), indexed=len(self.retriever.index))
        ranked = await self.rank(question)
        indexed = len(self.retriever.index)
        confidence = self.confidence(ranked)
        verdict = self.verdict(ranked, confidence)
        chosen = self._choose(ranked) if ranked.candidates else []
        if verdict == NONE:
            return Answer(
                question=question,
                answered=False,
                confidence=confidence,
                short_answer=None,
                quotes=(),
                sources=cite.sources(ranked.hits, None),
                more=cite.unnumbered(chosen, ranked.scores),
                took_ms=(time.perf_counter() - started) * 1000,
                passages=passage_order(ranked),
                verdict=NONE,
                indexed=indexed,
            )
        chosen = self._bearing(ranked, chosen)[: CLOSEST_QUOTES if verdict == CLOSEST else None]
        picked = [(c, c.sentence, ranked.scores[ranked.candidates.index(c)]) for c in chosen]
        if self.settings.context:
            picked = await self._with_context(picked)
        best = chosen[0]
        span = None
        if verdict == SURE:
            q = ranked.query
            span = short_answer(best.sentence.text, q.kind, q.terms, self.terms, q.text, q.language)
        sources = cite.sources(ranked.hits, list(dict.fromkeys(c.hit.article_id for c in chosen)))
        return Answer(
            question=question,
            answered=verdict == SURE,
            confidence=confidence,
            short_answer=span.text if span else None,
            quotes=cite.quotes(picked, sources, best, span),
            sources=sources,
            more=cite.more(ranked, chosen, sources),
            took_ms=(time.perf_counter() - started) * 1000,
            passages=passage_order(ranked),
            verdict=verdict,
            indexed=indexed,
        )

    def verdict(self, ranked: Ranked, confidence: float) -> str:
        """Sure above the fitted threshold (and with the question's terms covered), closest
        above the lower one, else none; both for the question's language family."""
        if not ranked.candidates:
            return NONE
        sure, closest = self.thresholds(ranked.query.language)
        if confidence >= sure and self.covers(ranked):
            return SURE
        return CLOSEST if confidence >= closest else NONE

    def thresholds(self, language: str) -> tuple[float, float]:
        """The sure and closest thresholds for a question in ``language``: those set in the
        settings for every language; else those fitted for its family; else, for a script no
        family holds, the strictest sure threshold fitted, and English's closest one."""
        fitted = self.mode.families
        family = family_of(language)
        if self.settings.threshold is not None or self.settings.closest is not None:
            return self.threshold, self.closest
        if family in fitted:
            t = fitted[family]
            return t.threshold, min(t.threshold, t.closest)
        if family == OTHER_FAMILY and fitted:
            return max(self.threshold, *(t.threshold for t in fitted.values())), self.closest
        return self.threshold, self.closest

    def bears(self, ranked: Ranked, i: int) -> bool:
        """Whether candidate ``i`` bears on the question on its own evidence: the reranker
        reads it as relevant, or (in the lexical mode) it holds half of the question's weight.
        The runner-ups a reply weighs are among the candidates the reranker reads."""
        if ranked.logits:
            return ranked.logits[i] > 0.0
        return ranked.rows[i][NAMES.index("coverage")] >= HALF

    def _bearing(self, ranked: Ranked, chosen: list[Candidate]) -> list[Candidate]:
        """The best candidate, and those runner-ups that bear on the question on their own
        evidence; one from another article than the best's must also hold half of the
        question's weight, so that no quote comes from an article the question is not about."""
        best = chosen[0]
        index = {id(c): i for i, c in enumerate(ranked.candidates)}
        kept = [best]
        for c in chosen[1:]:
            i = index[id(c)]
            own = self.bears(ranked, i)
            if c.hit.article_id != best.hit.article_id:
                own = own and ranked.rows[i][NAMES.index("coverage")] >= HALF
            if own:
                kept.append(c)
        return kept

    def covers(self, ranked: Ranked) -> bool:
        """Whether the best sentence, with its context, holds enough of the question's terms."""
        coverage = ranked.rows[0][NAMES.index("coverage_context")]
        least = self.settings.min_coverage
        return coverage >= (self.mode.min_coverage if least is None else least)

    def _choose(self, ranked: Ranked) -> list[Candidate]:
        """The best candidate, and the runner-ups the fitted reply finds worth their words."""
        top = ranked.candidates[: reply.POOL]
        ranking = reply.Ranking(
            ranked.query.text,
            [c.sentence.text for c in top],
            ranked.scores[: reply.POOL],
            ranked.rows[: reply.POOL],
            [_leans_on(c, top[0]) for c in top],
            [reply.repeats_title(c.sentence.text, c.hit.title) for c in top],
        )
        picked = self.mode.reply.pick(ranking, self.terms, self.settings.max_sentences)
        return [ranked.candidates[i] for i in picked]

    async def _with_context(
        self, picked: list[tuple[Candidate, Sentence, float]]
    ) -> list[tuple[Candidate, Sentence, float]]:
        """Add the sentence before each chosen one that leans on it, once, unless it only
        repeats the article's title (a headline line: the citation shows it)."""
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
            if prev is not None and not reply.repeats_title(prev.text, c.hit.title):
                have.add(key)
                out.append((c, prev, score - 1e-6))
        return out

    def _know_terms(self, hits: list[Hit]) -> None:
        """Take the sentences' terms from the index, which analyzed them when they were added."""
        for hit in hits:
            if len(hit.terms) == len(hit.sentences):
                for sentence, terms in zip(hit.sentences, hit.terms, strict=True):
                    if terms is not None:
                        self.terms.know(sentence.text, terms)

    def _top_idf(self) -> float:
        """The idf of a term found in one passage: what a term absent from the corpus gets."""
        index = self.retriever.index
        snap = index.snapshot
        if not snap.n_docs:
            return 1.0
        return float(bm25.idf(index.params, np.array([1.0]), snap.n_docs, snap.all_df)[0])


def _leans_on(c: Candidate, best: Candidate) -> int:
    """The words of the sentence ``c`` leans on, unless the reply holds it anyway (the best)."""
    s = c.sentence
    if s.position == 0 or not leans_back(s.text):
        return 0
    if c.hit.article_id == best.hit.article_id and s.position - 1 == best.sentence.position:
        return 0
    return len(c.previous.text.split()) if c.previous is not None else reply.UNSEEN_WORDS
