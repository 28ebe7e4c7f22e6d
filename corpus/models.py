"""The records that flow from ingestion to the store: drafts, articles, sentences, passages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Draft:
    """An article as a loader read it, before cleaning, splitting and storing."""

    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: str | None = None
    external_id: str | None = None
    language: str | None = None  # an admin's override (ISO 639-1); detected when None


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its place in the article and its character span in the cleaned text."""

    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Passage:
    """A window of whole sentences, the unit that the index retrieves."""

    position: int
    first_sentence: int
    last_sentence: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A draft cleaned and split, ready to be stored in one transaction."""

    title: str
    text: str
    original: str
    url: str | None
    source: str | None
    published: str | None
    external_id: str | None
    content_hash: str
    sentences: tuple[Sentence, ...]
    passages: tuple[Passage, ...]
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article."""

    id: int
    title: str
    url: str | None
    source: str | None
    published: str | None
    text: str
    original: str
    added_by: str
    added_at: str
    content_hash: str
    external_id: str | None = None
    passages: int = 0
    sentences: int = 0
    language: str = "en"


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article's metadata without its text, for listings."""

    id: int
    title: str
    url: str | None
    published: str | None
    passages: int
    added_at: str
    source: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPassage:
    """A passage as stored: its id, its article and its sentences with their spans."""

    id: int
    article_id: int
    position: int
    text: str
    start: int
    sentences: tuple[Sentence, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What the index reads of a passage: its text under its article's title, the texts of
    its sentences, and its article's language (ISO 639-1)."""

    id: int
    title: str
    text: str
    sentences: tuple[str, ...]
    language: str = "en"


@dataclass(frozen=True, slots=True)
class AddResult:
    """What adding one article did: the stored article, or the article it duplicates."""

    article: Article
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    passages: int
    sentences: int
    db_bytes: int
