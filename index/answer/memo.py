"""The terms of a text, remembered: the answer path analyzes the same sentences, neighbours
and words for question after question, so each distinct text is analyzed once a process,
and not at all when the index kept its terms from when it was added. Texts are kept per
language: the same words analyze differently for a question in another language
(``index.search.languages.question_language``, set when the question is searched)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.answer.words import words
from index.search.languages import question_language

LIMIT = 200_000  # texts (sentences, words); some 60 MB at most, then it starts afresh


class Terms:
    """``analyze`` with its results kept by text; a caller may change the list it gets."""

    def __init__(self, analyze: Callable[[str], list[str]], limit: int = LIMIT) -> None:
        self._analyze = analyze
        self._limit = limit
        self._known: dict[tuple[str | None, str], tuple[str, ...]] = {}
        self._words: dict[tuple[str | None, str], tuple[tuple[str, ...], ...]] = {}

    def __call__(self, text: str) -> list[str]:
        terms = self._known.get((question_language(), text))
        if terms is None:
            terms = self.know(text, tuple(self._analyze(text)))
        return list(terms)

    def of_words(self, text: str) -> tuple[tuple[str, ...], ...]:
        """The terms of each word of ``text`` (``index.answer.words.words``), in order."""
        key = (question_language(), text)
        found = self._words.get(key)
        if found is None:
            if len(self._words) >= self._limit:
                self._words.clear()
            found = self._words[key] = tuple(tuple(self(w)) for w in words(text))
        return found

    def know(self, text: str, terms: tuple[str, ...]) -> tuple[str, ...]:
        """Remember ``terms`` as what ``text`` analyzes to (as the index analyzed it)."""
        if len(self._known) >= self._limit:
            self._known.clear()
        self._known[(question_language(), text)] = terms
        return terms


def word_terms(analyze: Callable[[str], list[str]], text: str) -> Sequence[tuple[str, ...]]:
    """The terms of each word of ``text``, remembered when ``analyze`` is a ``Terms``: the
    cues that look word by word (the focus, distances) read the same sentences question
    after question."""
    if isinstance(analyze, Terms):
        return analyze.of_words(text)
    return [tuple(analyze(w)) for w in words(text)]
