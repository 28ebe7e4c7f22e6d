"""The analyzer: one function turning passages and questions alike into index terms.

Lowercased Unicode words, our own stopword list, a Snowball (or Porter) stem, memoized
because stemming would otherwise dominate indexing. Numbers keep their decimals
("3.5"), thousands separators are dropped ("1,000" -> "1000"), abbreviations keep their
inner dots ("u.s"), and hyphenated words give the whole word and its parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

from nltk.stem import PorterStemmer, SnowballStemmer

from index.search.stopwords import ENGLISH

TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class AnalyzerConfig:
    """What decides the terms; an index built with one config cannot serve another."""

    language: str = "english"
    stemmer: str = "snowball"

    def key(self) -> str:
        return f"{self.stemmer}:{self.language}:v1"


@dataclass(slots=True)
class Analyzer:
    """Text to terms; keeps a cache of token -> terms shared by every call."""

    config: AnalyzerConfig = field(default_factory=AnalyzerConfig)
    stopwords: frozenset[str] = ENGLISH
    _cache: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _chunks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _stem: Callable[[str], str] = field(init=False)

    def __post_init__(self) -> None:
        if self.config.stemmer == "porter":
            self._stem = PorterStemmer().stem
        elif self.config.stemmer == "snowball":
            self._stem = SnowballStemmer(self.config.language).stem
        else:
            raise ValueError(f"unknown stemmer {self.config.stemmer!r}: use snowball or porter")

    def __call__(self, text: str) -> list[str]:
        """The terms of ``text`` in order, repeats kept (they are term frequencies).

        No token spans white space, so the text is cut at white space (fast, in C) and
        each chunk's terms are memoized: most chunks are seen before, and the regular
        expression then runs only on new ones.
        """
        chunks = text.lower().split()
        try:
            parts = list(map(self._chunks.__getitem__, chunks))
        except KeyError:
            parts = list(map(self._chunk_terms, chunks))
        return list(chain.from_iterable(parts))

    def _chunk_terms(self, chunk: str) -> tuple[str, ...]:
        terms = self._chunks.get(chunk)
        if terms is None:
            terms = tuple(t for token in TOKEN.findall(chunk) for t in self.terms_of(token))
            if len(self._chunks) < 2_000_000:
                self._chunks[chunk] = terms
        return terms

    def terms_of(self, token: str) -> tuple[str, ...]:
        """The index terms one lowercased token stands for (none for a stopword)."""
        terms = self._cache.get(token)
        if terms is None:
            terms = self._analyze_token(token)
            if len(self._cache) < 2_000_000:
                self._cache[token] = terms
        return terms

    def _analyze_token(self, token: str) -> tuple[str, ...]:
        token = token.replace("’", "'")
        if token[0].isdigit() and "," in token:
            return (token.replace(",", ""),)
        if "-" in token:
            parts = [p for p in token.split("-") if p]
            whole = "-".join(self._one(p) or p for p in parts)
            return (whole, *(t for t in map(self._one, parts) if t))
        one = self._one(token)
        return (one,) if one else ()

    def _one(self, word: str) -> str:
        if word in self.stopwords:
            return ""
        if word.endswith("'s"):
            word = word[:-2]
        if "." in word or word[0].isdigit():
            return word
        return str(self._stem(word))
