"""The plain rank-bm25 pipeline that ``qabot eval --baseline`` measures qabot against.

Passages are the articles' paragraphs, ranked by rank-bm25's own ``BM25Okapi`` over
lowercased, stopword-free, Porter-stemmed words; the answer is the sentence of the top
five passages with the highest idf-weighted overlap with the question, the reply its
best three such sentences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from corpus.split import sentences
from index.search.analyze import Analyzer, AnalyzerConfig

TOP_PASSAGES = 5
REPLY = 3


@dataclass(frozen=True, slots=True)
class BaselineReply:
    passages: list[str]
    sentences: list[str]


class Baseline:
    """BM25Okapi over paragraphs, then idf-weighted overlap over their sentences."""

    def __init__(self, texts: list[str]) -> None:
        self.analyzer = Analyzer(AnalyzerConfig(stemmer="porter"))
        self.paragraphs = [p.strip() for text in texts for p in text.split("\n\n") if p.strip()]
        self.bm25 = BM25Okapi([self.analyzer(p) for p in self.paragraphs])
        self._sentences: dict[int, list[tuple[str, set[str]]]] = {}

    def __len__(self) -> int:
        return len(self.paragraphs)

    def ask(self, question: str, k: int = 20) -> BaselineReply:
        """The top ``k`` paragraphs and the reply sentences, best first."""
        terms = self.analyzer(question)
        if not terms:
            return BaselineReply([], [])
        scores = self.bm25.get_scores(terms)
        top = [int(i) for i in np.argsort(-scores, kind="stable")[:k]]
        q = set(terms)
        idf = self.bm25.idf
        ranked: list[tuple[float, int, str]] = []
        for rank, i in enumerate(top[:TOP_PASSAGES]):
            for text, words in self._split(i):
                overlap = sum(idf.get(t, 0.0) for t in words & q)
                ranked.append((-overlap, rank, text))
        ranked.sort(key=lambda r: (r[0], r[1]))
        return BaselineReply([self.paragraphs[i] for i in top], [r[2] for r in ranked[:REPLY]])

    def _split(self, i: int) -> list[tuple[str, set[str]]]:
        found = self._sentences.get(i)
        if found is None:
            found = [(s.text, set(self.analyzer(s.text))) for s in sentences(self.paragraphs[i])]
            self._sentences[i] = found
        return found
