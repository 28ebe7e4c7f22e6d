"""Question and answer types: what kind of fact a question asks for, and where a sentence has one.

The cues are plain patterns, nothing learned. English's are here: "who" wants a name, "when" or
"what year" a date, "how many", "how much" or "what is the price" a number, "where" a
place. Other languages' are in ``index.answer.cues``; each function takes the language of
the question (ISO 639-1), English by default. A sentence offers an answer of that type when
it holds such a span that the question does not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from index.answer.cues import CUES, Cues
from index.answer.words import upper_class

PERSON, DATE, NUMBER, PLACE, OTHER = "person", "date", "number", "place", "other"

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?"
SEASON = r"(?:spring|summer|autumn|fall|winter)"
# Dates as news writes them: "2024-03-14", "14/03/2024", "on Friday", "last week", "next
# spring", "tomorrow", "at 10 am", "at 3.12 am".
_NEWS_DATE = (
    r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}"
    rf"|(?:(?:last|next|this|coming|on|every)\s+)?{WEEKDAY}"
    rf"|(?:[Ll]ast|[Nn]ext|[Tt]his|[Ee]arly|[Ll]ate)\s+(?:week|month|year|weekend|{SEASON})"
    r"|(?:[Yy]esterday|[Tt]omorrow|[Tt]onight)"
    r"|\d{1,2}(?:[:.]\d{2})?\s*(?:(?:am|pm)\b|a\.m\.|p\.m\.)"
)
_DATE = re.compile(
    rf"\b(?:{_NEWS_DATE}"
    rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{3,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+\d{{3,4}}"
    rf"|{MONTH}\s+\d{{3,4}}|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|{MONTH}"
    r"|(?:the\s+)?(?:early\s+|late\s+|mid-?)?\d{3,4}s"
    r"|\d{1,2}(?:st|nd|rd|th)[\s-]centur(?:y|ies)"
    r"|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    r"|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth"
    r"|twenty-first)[\s-]centur(?:y|ies)"
    r"|(?:1\d{3}|20\d{2}|[1-9]\d{0,2})\s*(?:BC|BCE|AD|CE)\b|\b1\d{3}\b|\b20\d{2}\b)",
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"
    " sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety"
    " hundred hundreds thousand thousands million millions billion billions trillion dozen dozens"
    " half quarter"
)
_UNIT_OF_TIME = (
    r"(?:second|minute|hour|day|night|week|fortnight|month|season|year|decade|century)s?"
)
# How often, as news writes it: "twice a month", "once every ten years", "every Friday".
_FREQUENCY = (
    r"\b(?:once|twice|thrice|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|many)"
    r"\s+times)\s+(?:a|an|per|each|every)\s+(?:\w+\s+)?"
    rf"{_UNIT_OF_TIME}\b"
    rf"|\bevery\s+(?:other\s+|\w+\s+)?(?:{_UNIT_OF_TIME}|{WEEKDAY})\b"
    r"|\b(?:hourly|daily|nightly|weekly|fortnightly|monthly|yearly|annually)\b"
)
_OFTEN = re.compile(_FREQUENCY, re.IGNORECASE)
_OFTEN_WORDS = (
    *("once", "twice", "thrice", "times", "every"),
    *("hourly", "daily", "nightly", "weekly", "monthly", "yearly", "annually"),
)
_NUMBER = re.compile(
    r"(?:[$£€¥]\s?)?\b(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:%|percent|per cent))?"
    r"(?:\s+(?:million|billion|trillion|thousand|hundred))?"
    rf"|\b(?:{'|'.join(_NUMBER_WORDS.split())})\b(?:[\s-]+(?:{'|'.join(_NUMBER_WORDS.split())})\b)*",
    re.IGNORECASE,
)
_CONNECT = r"(?:of|the|de|la|von|van|for|and|&|der|du|di|da|al|el|bin|ibn)"


@functools.cache
def _name_pattern() -> re.Pattern[str]:
    """A run of names (capitals in any script, as ``index.answer.words.is_name``), maybe
    joined by a connecting word ("Gregory of Nyssa"), or initials ("J. R.", "U.S.")."""
    upper = upper_class()
    return re.compile(
        rf"\b[{upper}][\w'’.-]*[\w](?:\s+(?:{_CONNECT}\s+)?[{upper}][\w'’.-]*[\w])*"
        rf"|\b[{upper}]\b(?:\.\s?[{upper}]\.?)+",
    )


_PLACE_LEAD = re.compile(r"\b(?:in|at|from|near|to|into|across|throughout|of)\s+(?:the\s+)?$")
_QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "in",
        "on",
        "at",
        "the",
        "a",
        "an",
        "of",
        "for",
        "is",
        "was",
        "are",
        "were",
        "did",
        "do",
        "does",
        "during",
        "after",
        "before",
    ]
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


def question_type(question: str, language: str = "en") -> str:
    """The kind of answer a question wants: person, date, number, place or other."""
    if language in CUES:
        return CUES[language].kind(question)
    q = " " + " ".join(question.lower().replace("?", " ").split()) + " "
    if re.search(r"\bhow (?:many|much|long|old|far|large|big|tall|high|deep|wide|often|fast)\b", q):
        return NUMBER
    if re.search(
        r"\b(?:what|which|in what|in which) (?:percentage|percent|number|amount|proportion"
        r"|population|size|age|fraction|ratio|temperature|distance|speed)\b",
        q,
    ):
        return NUMBER
    if re.search(
        r"\b(?:what|which) (?:is|was|are|were|will be) (?:the )?(?:price|cost|fee|fare|salary"
        r"|budget|population|percentage|number|amount|size|age|distance|temperature)\b"
        r"|\bwhat (?:does|do|did|will) .+ cost\b",
        q,
    ):
        return NUMBER
    if re.search(
        r"\bwhen\b|\b(?:what|which|in what|in which) (?:year|years|date|century|decade|day|month"
        r"|era|period|time|season)\b|\bwhat time\b|\bhow long ago\b",
        q,
    ):
        return DATE
    if re.search(
        r"\bwhere\b|\b(?:what|which|in what|in which) (?:country|city|state|place"
        r"|region|town|continent|island|location|area|province|county|nation"
        r"|river|mountain|village|street|building|neighborhood|district)\b",
        q,
    ):
        return PLACE
    first = re.search(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", q)
    if (
        (first and first.group() in ("who", "whom", "whose"))
        or re.search(r"\b(?:what|which) (?:is|was|were|are)?\s*(?:the )?names?\b|\bnamed what\b", q)
        or re.search(
            r"\b(?:what|which) (?:person|man|woman|people|group|company|organization|team"
            r"|president|king|queen|leader|author|artist|composer|scientist|architect|player"
            r"|singer|band|director|writer|emperor|general|pope|ruler|family|individual)\b",
            q,
        )
    ):
        return PERSON
    return OTHER


DURATION, MONEY, COUNT = "duration", "money", "count"
_CURRENCY_WORDS = (
    r"(?:euros?|pounds?|dollars?|francs?|yen|yuan|rupees?|kronor|krona|kroner|crowns?|cents?"
    r"|pence|zloty|lira|pesos?|rubles?|roubles?)"
)
_AFTER_NUMBER = re.compile(rf"^[\s-]*(?:{_UNIT_OF_TIME}|(?P<money>{_CURRENCY_WORDS}))\b", re.I)
_CURRENCY_SIGN = re.compile(r"[$£€¥]")


def number_kind(question: str, language: str = "en") -> str:
    """For a number question, which number it wants: a duration ("how long will it be
    shut?"), a sum of money ("how much does it cost?"), a count ("how many staff?"), or
    any ("")."""
    if language in CUES:
        return CUES[language].number_kind(question)
    q = " ".join(question.lower().replace("?", " ").split())
    if re.search(r"\bhow long\b(?! ago)", q):
        return DURATION
    if re.search(r"\bhow many\b", q):
        return COUNT
    if re.search(
        r"\bhow much\b.*\b(?:cost|costs|pay|paid|spend|spent|charge|charged|price|worth|earn"
        r"|earned|make|made|raise|raised|money|fund|funding)\b"
        r"|\b(?:what|which) (?:is|was|are|were|will be) (?:the )?(?:price|cost|fee|fare|salary"
        r"|budget|wage)\b|\bwhat (?:does|do|did|will) .+ cost\b",
        q,
    ):
        return MONEY
    return ""


def number_spans(text: str, want: str, language: str = "en") -> list[Span]:
    """The number spans of ``text`` that fit ``want`` (``number_kind``), a unit of time or a
    currency word after the number taken into the span; numbers inside a date ("June 2",
    "2024") are no count, sum or duration."""
    if language in CUES:
        return _cued_numbers(CUES[language], text, want)
    dates = [(m.start(), m.end()) for m in _DATE.finditer(text)]
    out = []
    for s in spans(text, NUMBER):
        if any(a <= s.start and s.end <= b for a, b in dates):
            continue
        after = _AFTER_NUMBER.match(text[s.end :])
        money = bool(_CURRENCY_SIGN.search(s.text)) or bool(after and after.group("money"))
        time_unit = bool(after) and not money
        if want == DURATION and not time_unit:
            continue
        if want == MONEY and not money:
            continue
        if want == COUNT and money:
            continue
        if after and want in (DURATION, MONEY):
            end = s.end + after.end()
            s = Span(s.start, end, text[s.start : end])
        out.append(s)
    return out


def spans(text: str, kind: str, language: str = "en") -> list[Span]:
    """The spans of ``text`` that could answer a question of this kind, in order."""
    if language in CUES:
        return _cued_spans(CUES[language], text, kind)
    if kind == DATE:
        found = [Span(m.start(), m.end(), m.group()) for m in _DATE.finditer(text)]
    elif kind == NUMBER:
        found = [Span(m.start(), m.end(), m.group().strip()) for m in _NUMBER.finditer(text)]
        found = _with_frequencies(text, [s for s in found if s.text])
    elif kind == PERSON:
        found = [s for s in _names(text) if not _DATE.fullmatch(s.text)]
    elif kind == PLACE:
        found = [
            s for s in _names(text) if _PLACE_LEAD.search(text[max(0, s.start - 20) : s.start])
        ]
    else:
        found = []
    return found


def _cued_spans(cues: Cues, text: str, kind: str) -> list[Span]:
    if kind == DATE:
        return [Span(m.start(), m.end(), m.group()) for m in cues.date_pattern.finditer(text)]
    if kind == NUMBER:
        return [Span(m.start(), m.end(), m.group()) for m in cues.number_pattern.finditer(text)]
    if kind in (PERSON, PLACE) and cues.cased:
        names = [s for s in _names(text) if not cues.date_pattern.fullmatch(s.text)]
        if kind == PERSON:
            return names
        lead = re.compile(cues.place_lead, re.IGNORECASE)
        return [s for s in names if lead.search(text[max(0, s.start - 20) : s.start])]
    return []


def _cued_numbers(cues: Cues, text: str, want: str) -> list[Span]:
    """A language's counts: its numbers outside its dates. Its units and currencies are not
    known, so it offers no duration or sum as a short answer."""
    if want in (DURATION, MONEY):
        return []
    dates = [(m.start(), m.end()) for m in cues.date_pattern.finditer(text)]
    numbers = _cued_spans(cues, text, NUMBER)
    return [s for s in numbers if not any(a <= s.start and s.end <= b for a, b in dates)]


def _with_frequencies(text: str, numbers: list[Span]) -> list[Span]:
    """The numbers, with how-often spans ("twice a month") in place of those inside them. The
    pattern runs only on a text holding one of its words: it costs more than all the rest."""
    lower = text.lower()
    if not any(w in lower for w in _OFTEN_WORDS):
        return numbers
    often = [Span(m.start(), m.end(), m.group()) for m in _OFTEN.finditer(text)]
    if not often:
        return numbers
    inside = [s for s in numbers if not any(o.start <= s.start < o.end for o in often)]
    return sorted(often + inside, key=lambda s: s.start)


def _names(text: str) -> list[Span]:
    out: list[Span] = []
    for m in _name_pattern().finditer(text):
        start, value = m.start(), m.group()
        # A sentence's first word is capitalized anyway: drop it when it is a common word.
        first, _, rest = value.partition(" ")
        at_start = start == 0 or text[max(0, start - 2) : start] in (". ", '" ')
        if at_start and (first.lower() in _QUESTION_WORDS or first.lower() in _COMMON_STARTERS):
            if not rest:
                continue
            start += len(first) + 1
            value = rest
        out.append(Span(start, start + len(value), value))
    return out


_COMMON_STARTERS = frozenset(
    [
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "there",
        "however",
        "but",
        "and",
        "in",
        "on",
        "at",
        "after",
        "before",
        "during",
        "although",
        "though",
        "while",
        "when",
        "as",
        "by",
        "for",
        "from",
        "with",
        "since",
        "many",
        "most",
        "some",
        "all",
        "both",
        "each",
        "several",
        "other",
        "another",
        "one",
        "two",
        "three",
        "a",
        "an",
        "the",
        "later",
        "today",
    ]
)
