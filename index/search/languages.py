"""Analysis per language: one interface (text -> terms), one implementation per family.

- English: ``index.search.analyze.Analyzer`` exactly as it always was (our stopword list,
  Snowball), so English terms, and English answers, do not change.
- Languages written with spaces between words (``SpacedAnalyzer``): Unicode words
  (letters with their combining marks, so Devanagari words stay whole; the optional vowel
  marks of Arabic and Hebrew dropped), casefolded, the language's stopwords (the
  ``stop-words`` package, shipped as files in it), NLTK's Snowball stemmer where one
  exists for the language (code, no data). A run of Chinese or Japanese characters inside
  such a text is cut as below.
- Languages written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese:
  ``UnspacedAnalyzer``): each character of a run of those scripts and each two adjacent
  ones make terms (Lucene's CJK bigrams with unigrams kept); words in other scripts
  (names, numbers) are casefolded, unstemmed. Chosen over bigrams alone and over jieba's
  dictionary segmentation by measurement on XQuAD zh (docs/languages.md).

``analyzer_for(code)`` gives the analyzer of an ISO 639-1 code (an unknown language gets
the spaced family without stemmer or stopwords); ``Analyzers`` keeps one of each, and
analyzes a text in the language of the question being answered (``question_language``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import chain, zip_longest
from typing import Protocol

import regex
from nltk.stem.snowball import SnowballStemmer

from index.search.analyze import Analyzer, AnalyzerConfig

ENGLISH = "en"
VERSION = "lang3"  # part of the index key: bump when any language's terms change

# ISO 639-1 -> NLTK's Snowball stemmer (code only, no downloaded data).
SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "hu": "hungarian",
    "it": "italian",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "es": "spanish",
    "sv": "swedish",
}
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz"})

# Scripts written without spaces: their runs become character bigrams.
_UNSPACED_CHAR = (
    r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
    r"\u30fc\u3005"  # the prolonged sound mark and the ideographic iteration mark
)
_UNSPACED_RUN = regex.compile(rf"[{_UNSPACED_CHAR}][{_UNSPACED_CHAR}\p{{M}}]*")
# A word: letters and digits with their combining marks, joined by inner hyphens, dots
# ("u.s", "3.5") or apostrophes; thousands separators kept apart as in English.
_WORD = regex.compile(
    rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?"
    rf"|[{_UNSPACED_CHAR}][{_UNSPACED_CHAR}\p{{M}}]*"
    rf"|(?:(?![{_UNSPACED_CHAR}])[\p{{L}}\p{{N}}])(?:(?![{_UNSPACED_CHAR}])[\p{{L}}\p{{M}}\p{{N}}])*"
    rf"(?:[-.'’](?:(?![{_UNSPACED_CHAR}])[\p{{L}}\p{{N}}])"
    rf"(?:(?![{_UNSPACED_CHAR}])[\p{{L}}\p{{M}}\p{{N}}])*)*",
)
# Marks that are optional in writing (Arabic harakat and tatweel, Hebrew niqqud): dropped, so
# a vowelled word and the same word unvowelled are one term.
_OPTIONAL_MARKS = regex.compile(
    r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"
)
OPTIONAL_MARKS = frozenset({"ar", "fa", "ur", "ps", "ku", "ug", "sd", "he", "yi"})
_CHUNK_CACHE_CHARS = 40  # longer chunks (a sentence of Chinese) are not memoized
_CACHE_LIMIT = 2_000_000


class TextAnalyzer(Protocol):
    """What every analyzer does: a text to its index terms, in order, repeats kept."""

    def __call__(self, text: str) -> list[str]: ...


def stopwords_of(code: str) -> frozenset[str]:
    """The language's stopwords from the ``stop-words`` package, casefolded; none if it has
    no list for the language."""
    from stop_words import LANGUAGE_MAPPING, StopWordError, get_stop_words

    if code not in LANGUAGE_MAPPING:
        return frozenset()
    try:
        return frozenset(w.casefold() for w in get_stop_words(code))
    except StopWordError:
        return frozenset()


def unigrams_and_bigrams(run: str) -> Iterator[str]:
    """The terms of a run of unspaced-script characters, as Lucene's CJK bigram filter gives
    them with its unigrams kept: each character, then it with the next one. Combining marks
    stay with their character."""
    chars = regex.findall(r"\X", run)
    for c, after in zip_longest(chars, chars[1:]):
        yield c
        if after is not None:
            yield c + after


@dataclass(slots=True)
class SpacedAnalyzer:
    """Words of a language written with spaces: casefolded, stopwords out, stemmed."""

    code: str
    stopwords: frozenset[str]
    stem: Callable[[str], str] | None
    strip_marks: bool = False
    _chunks: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, text: str) -> list[str]:
        return list(chain.from_iterable(map(self._chunk_terms, text.casefold().split())))

    def _chunk_terms(self, chunk: str) -> tuple[str, ...]:
        terms = self._chunks.get(chunk)
        if terms is None:
            bare = _OPTIONAL_MARKS.sub("", chunk) if self.strip_marks else chunk
            terms = tuple(t for token in _WORD.findall(bare) for t in self.terms_of(token))
            if len(chunk) <= _CHUNK_CACHE_CHARS and len(self._chunks) < _CACHE_LIMIT:
                self._chunks[chunk] = terms
        return terms

    def terms_of(self, token: str) -> tuple[str, ...]:
        """The terms one casefolded token stands for (none for a stopword)."""
        if _UNSPACED_RUN.fullmatch(token):
            return tuple(unigrams_and_bigrams(token))
        terms = self._words.get(token)
        if terms is None:
            terms = self._analyze_token(token.replace("’", "'"))
            if len(self._words) < _CACHE_LIMIT:
                self._words[token] = terms
        return terms

    def _analyze_token(self, token: str) -> tuple[str, ...]:
        if token[0].isdigit() and "," in token:
            return (token.replace(",", ""),)
        if "'" in token:  # elisions and clitics ("l'homme", "dell'arte"): their parts
            return tuple(t for part in token.split("'") if part for t in self._analyze_token(part))
        if "-" in token:
            parts = [p for p in token.split("-") if p]
            whole = "-".join(self._one(p) or p for p in parts)
            return (whole, *(t for t in map(self._one, parts) if t))
        one = self._one(token)
        return (one,) if one else ()

    def _one(self, word: str) -> str:
        if word in self.stopwords:
            return ""
        if self.stem is None or "." in word or word[0].isdigit():
            return word
        return str(self.stem(word))


@dataclass(slots=True)
class UnspacedAnalyzer:
    """A language written without spaces: characters and bigrams of its runs; other words
    casefolded and unstemmed (``words``), its stopwords left to BM25's idf."""

    code: str
    words: SpacedAnalyzer

    def __call__(self, text: str) -> list[str]:
        return self.words(text)


@functools.cache
def analyzer_for(code: str | None) -> TextAnalyzer:
    """The analyzer of a language (ISO 639-1), one per process; English when unknown."""
    code = (code or ENGLISH).lower()
    if code == ENGLISH:
        return Analyzer(AnalyzerConfig())
    if code in UNSPACED:
        return UnspacedAnalyzer(code, SpacedAnalyzer(code, frozenset(), None))
    name = SNOWBALL.get(code)
    stem = SnowballStemmer(name).stem if name else None
    return SpacedAnalyzer(code, stopwords_of(code), stem, strip_marks=code in OPTIONAL_MARKS)


# The language of the question this task is answering: set by ``Retriever.search``, read
# by the answerer's analysis of the question's words and candidates (through ``Analyzers``).
_QUESTION: ContextVar[str | None] = ContextVar("qabot_question_language", default=None)
# The language of the chat asking (Telegram's language_code), a fallback for short questions.
_CHAT: ContextVar[str | None] = ContextVar("qabot_chat_language", default=None)


def question_language() -> str | None:
    """The language of the question being answered in this task, once it is known."""
    return _QUESTION.get()


def set_question_language(code: str | None) -> None:
    """Record the language of the question this task answers (``Retriever.search`` does)."""
    _QUESTION.set(code)


def chat_language() -> str | None:
    return _CHAT.get()


@contextmanager
def speaking(code: str | None) -> Iterator[None]:
    """Questions asked inside fall back on this language (the chat's) when too short to tell::

    with speaking(update.effective_user.language_code):
        answer = await engine.ask(text)
    """
    token = _CHAT.set(code)
    try:
        yield
    finally:
        _CHAT.reset(token)


class Analyzers:
    """One analyzer per language, and a default for text in no known language.

    Called on a text, it analyzes it in the language of the question being answered in
    this task (``question_language``), else in ``default``: the answerer analyzes the
    question's words and its candidates through it.
    """

    def __init__(self, config: AnalyzerConfig | None = None, default: str = ENGLISH) -> None:
        self.config = config or AnalyzerConfig()
        self.default = default

    def key(self) -> str:
        """What an index built with these analyzers records, to be rebuilt when it changes."""
        return f"{self.config.key()}:{VERSION}"

    def of(self, code: str | None) -> TextAnalyzer:
        """The analyzer of language ``code`` (the default's when None)."""
        code = code or self.default
        if code == ENGLISH:
            return self._english
        return analyzer_for(code)

    @functools.cached_property
    def _english(self) -> Analyzer:
        return Analyzer(self.config)

    @property
    def language(self) -> str:
        """The language a call analyzes in now."""
        return question_language() or self.default

    def __call__(self, text: str) -> list[str]:
        return self.of(self.language)(text)
