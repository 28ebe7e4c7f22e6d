"""Language families for the verdict's thresholds: the answerer's confidence is fitted on
English, and reads other scripts less surely, so each family has its own thresholds
(``bench/fit_language_verdicts.py``). A family is a script: what the English-trained
reranker and the word rules can and cannot read follows it more than the language does."""

from __future__ import annotations

ENGLISH, LATIN, CYRILLIC, ARABIC, CJK, OTHER = "en", "latin", "cyrillic", "arabic", "cjk", "other"

_MEMBERS = {
    LATIN: (
        "af az ca cs cy da de eo es et eu fi fr ga gl hr hu id is it lt lv ms mt nb nl nn no pl"
        " pt ro sk sl sq sv sw tl tr vi"
    ),
    CYRILLIC: "be bg kk ky mk mn ru sr tg uk",
    ARABIC: "ar fa ps ug ur",
    CJK: "ja ko zh",
}
_FAMILY = {code: family for family, codes in _MEMBERS.items() for code in codes.split()}


def family_of(language: str) -> str:
    """The family of a language (ISO 639-1): ``en`` for English itself, ``other`` for a
    script none of the families holds (Greek, Hebrew, Devanagari, Thai, …)."""
    if language == ENGLISH:
        return ENGLISH
    return _FAMILY.get(language, OTHER)
