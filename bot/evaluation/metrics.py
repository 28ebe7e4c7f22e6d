"""SQuAD's answer normalization and the scores built on it: containment, exact match, F1."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = frozenset(string.punctuation)


def normalize(text: str) -> str:
    """Lowercase, drop punctuation and the articles a/an/the, collapse white space."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, answers: Iterable[str]) -> bool:
    """Whether the normalized text holds any normalized, non-empty answer as a substring."""
    norm = normalize(text)
    return any(a and a in norm for a in map(normalize, answers))


def exact_match(prediction: str, answers: Iterable[str]) -> float:
    norm = normalize(prediction)
    return float(any(norm == normalize(a) for a in answers))


def f1(prediction: str, answers: Iterable[str]) -> float:
    """The best token-overlap F1 of the prediction against any answer."""
    pred = normalize(prediction).split()
    best = 0.0
    for answer in answers:
        gold = normalize(answer).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            p, r = common / len(pred), common / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
