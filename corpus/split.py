"""Sentence splitting with NLTK Punkt built from our own parameters: no downloaded data.

Paragraphs (blank-line separated) are split first, so a sentence never crosses one; then
line breaks that end a sentence without punctuation (``corpus.lines``: lists, headlines);
then Punkt; then over-long sentences are cut (``corpus.cut``), so sizes stay bounded.
Run ``python -m corpus.split --accuracy`` to measure the splitter on the curated cases.

Other languages (``language``, ISO 639-1) end sentences with their own punctuation: Punkt
for a language written with spaces, with the stops of its script (Arabic ``؟``, the
Devanagari danda ``।``, Greek ``;`` as a question mark, Armenian, Ethiopic) and initials
of any alphabet as abbreviations; a language written without spaces (Chinese, Japanese,
Thai...) is cut after ``。！？`` (and ``!?``, the Burmese and Khmer stops) with any closing
quote. English keeps its curated abbreviations and is split exactly as before.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from itertools import pairwise

from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer

from corpus.cut import cut_long
from corpus.lines import line_breaks
from corpus.models import Sentence

TITLES = (
    "dr mr mrs ms messrs prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon"
    " pres supt det insp"
)
BUSINESS = "inc corp co ltd llc plc bros dept univ assn approx vs etc e.g i.e a.m p.m"
OTHERS = "cf al ave blvd rd ft mt"
MONTHS = "jan feb mar apr jun jul aug sep sept oct nov dec"
STATES = (
    "ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont"
    " neb nev okla ore pa tenn tex va vt wash wis wyo"
)
DOTTED = "u.s u.s.a u.k u.n e.u d.c ph.d m.d b.a m.a b.sc m.sc"
INITIALS = " ".join("abcdefghijklmnopqrstuvwxyz")
ABBREVIATIONS: frozenset[str] = frozenset(
    " ".join((TITLES, BUSINESS, OTHERS, MONTHS, STATES, DOTTED, INITIALS)).split()
)
# "No. 4", "Fig. 2", "Vol. 3" need no entry: a piece starting with a digit is re-joined.
# After an abbreviation, a capitalised word from this list starts a new sentence ("the U.S. She").
STARTERS = """the he she it its they their them we our you your his her this that these those there
    but and so yet however meanwhile still also instead then now today yesterday tomorrow
    in on at after before when while if as for with from by since during although though
    many most some all both each few several nobody everyone someone what who why how where
    later earlier officials police experts critics"""
SENTENCE_STARTERS: frozenset[str] = frozenset(STARTERS.split())

_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.DOTALL)
_INNER_BREAK = re.compile(r"[.?!]\S*\s")
_CHUNK_END = re.compile(r"[.?!][\"')\]]*\s")
PUNKT_CHUNK = 100_000
_CONTINUATION = re.compile(r"[\W_]*[a-z0-9]")
_ATTRIBUTION = re.compile(
    r"^(?:—|–|-{1,2}|―)\s*[^\n]{1,80}?(?:\(@\w{1,30}\)|@\w{1,30})[^\n]{0,40}$"
    r"|^(?:—|–|-{1,2}|―)\s*[^\n]{1,80}?\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[a-z]*\.?\s+\d{1,2},\s+\d{4}$"
)


def _build_tokenizer() -> PunktSentenceTokenizer:
    """Make the Punkt tokenizer once, from the curated abbreviation list."""
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    params.sent_starters = set(SENTENCE_STARTERS)
    return PunktSentenceTokenizer(params)


_TOKENIZER = _build_tokenizer()

ENGLISH = "en"
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "dz"})
# Sentence stops of scripts written with spaces, besides . ? !
_STOPS: dict[str, str] = {
    "ar": "؟",
    "fa": "؟",
    "ur": "؟۔",
    "ps": "؟",
    "ug": "؟",
    "hi": "।॥",
    "mr": "।॥",
    "ne": "।॥",
    "sa": "।॥",
    "bn": "।॥",
    "as": "।॥",
    "pa": "।॥",
    "el": ";",
    "hy": "։",
    "am": "።፧፨",
    "ti": "።፧፨",
}
_UNSPACED_END = re.compile(r"[。！？!?．｡။។]+[\"'”’»)\]」』）〉》]*")
_LETTERS = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяαβγδεζηθικλμνξοπρστυφχψω"
# Titles and short forms common to many European languages ("Dr. Müller", "Prof. Petrow").
_COMMON = "dr prof st nr bzw usw ca vgl evtl ggf inkl mio mrd jh hrsg sr sra dra av mme mlle etc"


class _Vars(PunktLanguageVars):  # type: ignore[misc]
    """Punkt's word rules with a script's own sentence stops."""

    def __init__(self, stops: str) -> None:
        self.sent_end_chars = (".", "?", "!", *stops)
        super().__init__()


@functools.cache
def _tokenizer_for(language: str) -> PunktSentenceTokenizer:
    """Punkt for a language other than English: its stops, single letters as initials."""
    params = PunktParameters()
    params.abbrev_types = set(_LETTERS) | set(_COMMON.split())
    return PunktSentenceTokenizer(params, lang_vars=_Vars(_STOPS.get(language, "")))


@functools.cache
def _inner_break(language: str) -> re.Pattern[str]:
    stops = re.escape("".join(_STOPS.get(language, "")))
    return re.compile(rf"[.?!{stops}]\S*\s")


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Yield the span of each blank-line separated paragraph, stripped."""
    for match in _PARAGRAPH.finditer(text):
        yield match.start(), match.end()


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The stripped, non-empty lines of text[start:end] as spans."""
    spans: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        stop = text.find("\n", pos, end)
        stop = end if stop < 0 else stop
        raw = text[pos:stop]
        stripped = raw.strip()
        if stripped:
            first = pos + len(raw) - len(raw.lstrip())
            spans.append((first, first + len(stripped)))
        pos = stop + 1
    return spans


def _blocks(text: str, start: int, end: int, top: bool) -> list[tuple[int, int]]:
    """Split a paragraph at the line breaks that end a sentence (see corpus.lines)."""
    if text.find("\n", start, end) < 0:
        return [(start, end)]
    lines = _lines(text, start, end)
    ends = line_breaks([text[s:e] for s, e in lines], top)
    blocks: list[tuple[int, int]] = []
    first = lines[0][0]
    for ((_, e), (s, _)), cut in zip(pairwise(lines), ends, strict=True):
        if cut:
            blocks.append((first, e))
            first = s
    blocks.append((first, lines[-1][1]))
    return blocks


def _chunk_end(text: str, start: int) -> int:
    """Where to cut a chunk of at most PUNKT_CHUNK chars: a sentence end, else a space."""
    limit = start + PUNKT_CHUNK
    cut = -1
    for match in _CHUNK_END.finditer(text, limit - PUNKT_CHUNK // 2, limit):
        cut = match.end()
    if cut < 0:
        cut = max(text.rfind(" ", start + 1, limit), text.rfind("\n", start + 1, limit))
    return cut if cut > start else limit


def _chunks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a huge block into stripped pieces that Punkt splits in bounded time."""
    while end - start > PUNKT_CHUNK:
        cut = _chunk_end(text, start)
        stop = cut
        while text[stop - 1].isspace():
            stop -= 1
        yield start, stop
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def _punkt(text: str, start: int, end: int, language: str = ENGLISH) -> Iterator[tuple[int, int]]:
    """Punkt's sentence spans in text[start:end] (no split without an inner sentence end)."""
    english = language == ENGLISH
    inner = _INNER_BREAK if english else _inner_break(language)
    tokenizer = _TOKENIZER if english else _tokenizer_for(language)
    for s, e in _chunks(text, start, end):
        if not inner.search(text, s, e):
            yield s, e
            continue
        for ps, pe in tokenizer.span_tokenize(text[s:e]):
            yield s + ps, s + pe


def _unspaced(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentences of a text written without spaces: cut after each stop and its closers."""
    for s, e in _chunks(text, start, end):
        first = s
        for match in _UNSPACED_END.finditer(text, s, e):
            stop = match.end()
            if stop < e and text[stop].isdigit() and text[match.start()] in ".．":
                continue  # a decimal point
            piece = text[first:stop].strip()
            if piece:
                lead = len(text[first:stop]) - len(text[first:stop].lstrip())
                yield first + lead, first + lead + len(piece)
            first = stop
        piece = text[first:e].strip()
        if piece:
            lead = len(text[first:e]) - len(text[first:e].lstrip())
            yield first + lead, first + lead + len(piece)


def _continues(text: str, start: int, english: bool) -> bool:
    """Whether a piece cannot start a sentence: it starts in lowercase or with a digit."""
    if english:
        return bool(_CONTINUATION.match(text, start))
    for ch in text[start : start + 40]:
        if ch.isalnum():
            return ch.islower() or ch.isdigit()
    return False


def _split_block(text: str, start: int, end: int, language: str = ENGLISH) -> list[tuple[int, int]]:
    """Split one block with Punkt, then re-join pieces that cannot start a sentence."""
    if language in UNSPACED:
        return list(_unspaced(text, start, end))
    english = language == ENGLISH
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in _punkt(text, start, end, language):
        if spans and _continues(text, piece_start, english):
            spans[-1] = (spans[-1][0], piece_end)
        else:
            spans.append((piece_start, piece_end))
    return spans


def split_sentences(text: str, language: str = ENGLISH) -> list[tuple[int, int]]:
    """Return the character span of every sentence in text, never crossing a paragraph;
    ``language`` (ISO 639-1) chooses the sentence stops and rules."""
    spans: list[tuple[int, int]] = []
    for number, (start, end) in enumerate(_paragraphs(text)):
        for block_start, block_end in _blocks(text, start, end, top=number == 0):
            for s, e in _split_block(text, block_start, block_end, language):
                spans.extend(cut_long(text, s, e))
    return spans


def sentences(text: str, language: str = ENGLISH) -> list[Sentence]:
    """Split text (in ``language``, ISO 639-1) into Sentence records whose spans point into
    text."""
    return [
        Sentence(position=i, start=s, end=e, text=text[s:e])
        for i, (s, e) in enumerate(split_sentences(text, language))
    ]


def is_attribution(sentence: str) -> bool:
    """Tell whether a line credits an embedded social post ("— Jane Doe (@jdoe) May 5, 2025")."""
    return bool(_ATTRIBUTION.match(sentence.strip()))


def accuracy() -> tuple[int, int]:
    """Count the curated cases the splitter gets exactly right: (right, total)."""
    from corpus.split_cases import CASES

    right = sum(1 for text, expected in CASES if _texts(text) == list(expected))
    return right, len(CASES)


def _texts(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def main(argv: list[str]) -> int:
    """Print the splitter's accuracy on the curated cases, and the ones it misses."""
    if "--accuracy" not in argv:
        print("usage: python -m corpus.split --accuracy")
        return 2
    from corpus.split_cases import CASES

    for text, expected in CASES:
        if _texts(text) != list(expected):
            print(f"MISS {text!r}\n  got {_texts(text)!r}")
    right, total = accuracy()
    print(f"sentence splitter: {right}/{total} cases right ({100 * right / total:.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
