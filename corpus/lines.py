"""Where a line break ends a sentence: lists, tables, logs and headlines have no full stops.

Punkt only sees punctuation, so without this a pasted price list is one sentence and a
headline is glued to the first sentence. The rule, for a line break inside a paragraph:

- a line starting with a bullet ("- ", "* ", "• ", "1. ", "2) ") starts a sentence;
- otherwise the break ends a sentence only when the line before has no final sentence
  punctuation (those breaks are Punkt's), does not end in a comma, hyphen or joining word
  ("of", "the", "and"), and the next line starts like a sentence (not in lowercase, not a
  chemical subscript as in "H" / "2O");
- and the line before does not look hard-wrapped: prose wrapped mid-sentence keeps
  flowing. It looks wrapped when it is at least WRAP_MIN_CHARS long and the next line's
  first word would not have fitted on it. That guess is overridden when the paragraph is a
  list (at least two such breaks, at most a quarter of them continuing in lowercase) and
  for the first line of the text, so a headline is never glued to the first sentence.
"""

from __future__ import annotations

import re
from itertools import pairwise

WRAP_MIN_CHARS = 40
WRAP_SHARE = 0.85
JOINING_WORDS = frozenset(
    """a an the and or nor but of to in on at by for with from as into onto upon about
    than that which who whose whom is are was were be been being has have had will would
    can could should may might must shall not its their his her our your my""".split()
)

_FINAL = re.compile(r"[.!?…。！？؟।॥][\"'”’»)\]」』）]*$|[\"”’»」』]$")
_BULLET = re.compile(r"(?:[-*•◦▪‣·]|\d{1,3}[.)])\s")
_NOT_A_START = ",;:)]}%.!?"
_FORMULA = re.compile(r"[(\[]?\d*(?:[A-Z][a-z]?\d*|[()\[\]·]\d*)+[+−-]?")
_SUBSCRIPT = re.compile(r"\d{1,2}(?!\d)")


def _first_word(line: str) -> str:
    return line.split(None, 1)[0]


def _last_word(line: str) -> str:
    return line.rsplit(None, 1)[-1]


def _is_subscript(before: str, after: str) -> bool:
    """Tell a chemical formula broken before its subscript ("CO" / "2 emission")."""
    return bool(_SUBSCRIPT.match(after) and _FORMULA.fullmatch(_last_word(before)))


def _continues(before: str) -> bool:
    """Tell whether a line ends where a sentence cannot: a comma, hyphen or joining word."""
    return before[-1] in ",-‐" or _last_word(before).lower() in JOINING_WORDS


def _starts_sentence(line: str) -> bool:
    return not line[0].islower() and line[0] not in _NOT_A_START


def _looks_wrapped(before: str, after: str, width: int) -> bool:
    """Tell whether a line was cut by a line-length limit: the next word would not fit."""
    needed = len(before) + 1 + len(_first_word(after))
    return len(before) >= WRAP_MIN_CHARS and needed > WRAP_SHARE * width


def _candidate(before: str, after: str) -> bool:
    """A break with no punctuation to end a sentence, where a sentence could end."""
    return not (_FINAL.search(before) or _continues(before) or _is_subscript(before, after))


def line_breaks(lines: list[str], top: bool) -> list[bool]:
    """For each break between stripped, non-empty lines: does it end a sentence?

    ``top`` says the first line is the first line of the text (a possible headline).
    """
    pairs = list(pairwise(lines))
    candidates = [_candidate(b, a) for b, a in pairs]
    starts = [_starts_sentence(a) for _, a in pairs]
    unpunctuated = sum(candidates)
    lowercase = sum(c and not s for c, s in zip(candidates, starts, strict=True))
    is_list = unpunctuated >= 2 and 4 * lowercase <= unpunctuated
    width = max(map(len, lines))
    ends: list[bool] = []
    for i, (before, after) in enumerate(pairs):
        if _BULLET.match(after) and not _is_subscript(before, after):
            ends.append(True)
        elif not (candidates[i] and starts[i]):
            ends.append(False)
        else:
            forced = is_list or (top and i == 0)
            ends.append(forced or not _looks_wrapped(before, after, width))
    return ends
