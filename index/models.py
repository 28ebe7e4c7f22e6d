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


SURE, CLOSEST, NONE = "sure", "closest", "none"
VERDICTS = (SURE, CLOSEST, NONE)


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply to a question: quotes in reading order, or an honest "not found".

    ``verdict`` says how far the evidence goes: ``sure`` (the quotes answer it; ``answered``
    is true for this verdict only), ``closest`` (something relevant was found but not enough
    to claim an answer: the quotes are the closest sentences, with no short answer) or
    ``none`` (nothing relevant: no quotes, ``sources`` lists the closest articles).
    ``indexed`` is how many passages the collection held when asked (0: no articles yet).
    """

    question: str
    answered: bool
    confidence: float
    short_answer: str | None
    quotes: tuple[Quote, ...]
    sources: tuple[Source, ...]
    more: tuple[Quote, ...] = ()
    took_ms: float = 0.0
    passages: tuple[int, ...] = ()  # the retrieved passage ids, reranked by their best sentence
    verdict: str = ""  # "" takes it from ``answered``: sure or none
    indexed: int = -1  # -1: not known

    def __post_init__(self) -> None:
        if not self.verdict:
            object.__setattr__(self, "verdict", SURE if self.answered else NONE)
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")
        if self.answered != (self.verdict == SURE):
            raise ValueError("answered is true for the verdict sure only")
