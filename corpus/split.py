"""Sentence splitting with NLTK Punkt built from our own parameters: no downloaded data.

Paragraphs (blank-line separated) are split first, so a sentence never crosses one.
Run ``python -m corpus.split --accuracy`` to measure the splitter on the curated cases.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

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


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Yield the span of each blank-line separated paragraph, stripped."""
    for match in _PARAGRAPH.finditer(text):
        yield match.start(), match.end()


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one paragraph with Punkt, then re-join pieces that cannot start a sentence."""
    if not _INNER_BREAK.search(text, start, end):
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    for s, e in _TOKENIZER.span_tokenize(text[start:end]):
        piece_start, piece_end = start + s, start + e
        if spans and _CONTINUATION.match(text, piece_start):
            spans[-1] = (spans[-1][0], piece_end)
        else:
            spans.append((piece_start, piece_end))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the character span of every sentence in text, never crossing a paragraph."""
    spans: list[tuple[int, int]] = []
    for start, end in _paragraphs(text):
        spans.extend(_split_paragraph(text, start, end))
    return spans


def sentences(text: str) -> list[Sentence]:
    """Split text into Sentence records whose spans point into text."""
    return [
        Sentence(position=i, start=s, end=e, text=text[s:e])
        for i, (s, e) in enumerate(split_sentences(text))
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
