"""The language of a text: an article's when it is added, a question's when it is asked.

py3langid (a naive Bayes model over byte n-grams, 140 languages, shipped inside the
package: nothing is downloaded) chosen by measurement (``python -m bench.language_detection``:
every XQuAD article right in English, German, Russian, Chinese and Arabic; 97% of the
questions, 4.6 MB, 0.2 ms a question). Languages are ISO 639-1 codes ("en", "de", "zh");
the model's regional varieties of one written language count as that language (Wu and
Cantonese as Chinese, Egyptian and Moroccan Arabic as Arabic), since their texts are
analyzed alike.

A question is short, and the languages nearest to its own (Russian and Bulgarian, German
and Luxembourgish) may outscore it: the languages the collection holds and the chat's
language are therefore given a higher prior, and a question the model is still unsure of
takes the ``fallback`` (the chat's language, then the collection's main language).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

DEFAULT = "en"
ARTICLE_CHARS = 5_000  # an article's language is read from its beginning
# The prior of a language the collection holds (or the chat speaks) over any other.
KNOWN_PRIOR = 20.0
# Below this posterior a question takes the fallback language, when one is given.
SURE = 0.5

# Regional varieties and scripts of one written language, as the model names them.
SAME_LANGUAGE = {
    "wuu": "zh",
    "yue": "zh",
    "arz": "ar",
    "ary": "ar",
    "uzs": "uz",
    "nn": "no",
    "hbo": "he",
}
NOT_A_LANGUAGE = frozenset({"zxx"})


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def normalize_code(code: str | None) -> str | None:
    """An ISO 639-1 code from a user's or Telegram's tag ("de-AT", "pt_BR", "ZH"), or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    if not base.isalpha() or not 2 <= len(base) <= 3:
        return None
    return SAME_LANGUAGE.get(base, base)


def _script_language(text: str) -> str | None:
    """The language that a script alone tells: kana is Japanese, Hangul Korean, Han without
    kana Chinese, Thai Thai; only when that script holds most of the letters."""
    counts = {"han": 0, "kana": 0, "hangul": 0, "thai": 0}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        o = ord(ch)
        if o < 0x0E00:
            continue
        if 0x3040 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF:
            counts["kana"] += 1
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            counts["hangul"] += 1
        elif 0x0E00 <= o <= 0x0E7F:
            counts["thai"] += 1
        elif o < 0x3400:
            continue
        elif o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F:
            counts["han"] += 1
    if not letters:
        return None
    if counts["kana"] and (counts["kana"] + counts["han"]) * 2 > letters:
        return "ja"
    if counts["hangul"] * 2 > letters:
        return "ko"
    if counts["thai"] * 2 > letters:
        return "th"
    if counts["han"] * 2 > letters:
        return "zh"
    return None


def ranked(text: str) -> list[tuple[str, float]]:
    """Languages by probability, best first, varieties merged into their language."""
    merged: dict[str, float] = {}
    for code, p in _identifier().rank(text):
        code = SAME_LANGUAGE.get(code, code)
        if code not in NOT_A_LANGUAGE:
            merged[code] = merged.get(code, 0.0) + float(p)
    return sorted(merged.items(), key=lambda x: -x[1])


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def detect_article(text: str, default: str = DEFAULT) -> str:
    """The language of an article (read from its first ARTICLE_CHARS characters);
    ``default`` when the text has no letters to tell by."""
    head = text[:ARTICLE_CHARS]
    if not _has_letters(head):
        return default
    by_script = _script_language(head)
    if by_script is not None:
        return by_script
    return ranked(head)[0][0]


def detect_question(
    text: str, fallback: str | None = None, known: Iterable[str] = (), default: str = DEFAULT
) -> str:
    """The language of a question.

    ``known``: the languages of the collection; they and ``fallback`` (the chat's
    language, else the collection's main one) weigh KNOWN_PRIOR times more than others.
    A question still unsure (posterior below SURE) or without letters takes ``fallback``,
    else ``default``.
    """
    fallback = normalize_code(fallback)
    if not _has_letters(text):
        return fallback or default
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    boosted = {c for c in (normalize_code(k) for k in known) if c}
    if fallback:
        boosted.add(fallback)
    scores = [(code, p * (KNOWN_PRIOR if code in boosted else 1.0)) for code, p in ranked(text)]
    total = math.fsum(s for _, s in scores) or 1.0
    best, score = max(scores, key=lambda x: x[1])
    if score / total < SURE and fallback:
        return fallback
    return best
