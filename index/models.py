"""What the retriever and the answerer hand to the adapters."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.models import Sentence


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved passage with its score, its article's metadata and its sentences;
    ``terms`` holds each sentence's index terms (None where not known), or is empty."""

    passage_id: int
    article_id: int
    score: float
    title: str
    url: str | None
    published: str | None
    source: str | None
    text: str
    start: int
    sentences: tuple[Sentence, ...]
    terms: tuple[tuple[str, ...] | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """A cited article; ``n`` is the number the answer cites it by."""

    n: int
    article_id: int
    title: str
    url: str | None
    published: str | None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A sentence quoted in an answer, with the citation number of its source.

    ``highlight`` is the character span of the short answer inside ``text``, if any.
    """

    text: str
    citation: int
    article_id: int
    passage_id: int
    position: int
    score: float
    highlight: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to a question: quotes in reading order, or an honest "not found"."""

    question: str
    answered: bool
    confidence: float
    short_answer: str | None
    quotes: tuple[Quote, ...]
    sources: tuple[Source, ...]
    more: tuple[Quote, ...] = ()
    took_ms: float = 0.0
    passages: tuple[int, ...] = ()  # the retrieved passage ids, reranked by their best sentence
