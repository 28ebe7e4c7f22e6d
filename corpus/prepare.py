"""Turn a Draft into a Prepared article: cleaned text, sentences, passages and a content hash."""

from __future__ import annotations

import hashlib

from corpus.clean import clean_text, clean_title, normalize_unicode
from corpus.errors import EmptyArticle
from corpus.language import detect_article, normalize_code
from corpus.models import Draft, Prepared, Sentence
from corpus.passages import make_passages, spaced_count, word_count
from corpus.split import UNSPACED, is_attribution, sentences

TITLE_WORDS = 8
TITLE_CHARS = 200


def content_hash(text: str) -> str:
    """Hash text so that case, quote style and whitespace differences do not matter."""
    normalized = " ".join(normalize_unicode(text).casefold().split())
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def body_sentences(text: str, language: str = "en") -> list[Sentence]:
    """Split text into sentences, leaving out social-post attribution lines, renumbered."""
    kept = [s for s in sentences(text, language) if not is_attribution(s.text)]
    return [Sentence(i, s.start, s.end, s.text) for i, s in enumerate(kept)]


def make_title(title: str, text: str) -> str:
    """One line without invisible characters, verbatim otherwise; else the text's first words.

    Cut to TITLE_CHARS at a word boundary: a title is shown in every list and citation.
    """
    line = clean_title(title) or " ".join(text.split()[:TITLE_WORDS])
    if len(line) <= TITLE_CHARS:
        return line
    cut = line[: TITLE_CHARS - 1]
    space = cut.rfind(" ", TITLE_CHARS // 2)
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


def prepare(draft: Draft, language: str | None = None) -> Prepared:
    """Clean, split and window a draft; raise EmptyArticle when no text is left.

    Its language (ISO 639-1) is ``language`` (an admin's choice for everything added at
    once), else the draft's own (a JSONL field, front matter), else detected from the text.
    """
    text = clean_text(draft.text)
    language = normalize_code(language) or normalize_code(draft.language) or detect_article(text)
    found = body_sentences(text, language)
    if not found:
        raise EmptyArticle(f"{draft.title or 'article'}: no text left after cleaning")
    return Prepared(
        title=make_title(draft.title, text),
        text=text,
        original=draft.text,
        url=draft.url,
        source=draft.source,
        published=draft.published,
        external_id=draft.external_id,
        content_hash=content_hash(text),
        sentences=tuple(found),
        passages=tuple(
            make_passages(found, text, words=word_count if language in UNSPACED else spaced_count)
        ),
        language=language,
    )
