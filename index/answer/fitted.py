"""The answerer's parameters, fitted offline into ``answerer.json`` beside this module: the
ranker's trees, and per mode the confidence and the reply (``bench/fit_answerer.py`` fits the
lexical mode, ``bench/fit_rerank.py`` the reranking one)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.answer.confidence import Confidence
from index.answer.reply import Reply
from index.answer.trees import Forest

FITTED = Path(__file__).with_name("answerer.json")
# A fit with no closest threshold (``bench/fit_verdicts.py`` adds it) offers the closest
# sentences from this share of the sure threshold.
CLOSEST_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The verdict's two thresholds for one language family: sure from ``threshold``,
    closest from ``closest``."""

    threshold: float
    closest: float


@dataclass(frozen=True, slots=True)
class Mode:
    """What was fitted for one way of scoring: the confidence, the reply, and the share of the
    question's weight the best sentence must hold to be quoted; for the reranking mode also
    the weight of the reranker's logit and how many candidates it reads, and the thresholds
    fitted for language families other than English (``index.answer.families``)."""

    confidence: Confidence
    reply: Reply
    min_coverage: float = 0.4
    weight: float = 0.0
    top: int = 0
    reported_on: tuple[str, ...] = ()
    families: dict[str, Thresholds] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fitted:
    """The answerer's parameters, fitted offline by ``bench/fit_answerer.py``."""

    ranker: Forest
    lexical: Mode
    rerank: Mode | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fitted:
        def mode(d: dict[str, Any]) -> Mode:
            c = d["confidence"]
            return Mode(
                Confidence(
                    Forest.from_dict(c["forest"]),
                    float(c["threshold"]),
                    float(c.get("closest", c["threshold"] * CLOSEST_SHARE)),
                ),
                Reply.from_dict(d["reply"]),
                float(d.get("min_coverage", 0.4)),
                float(d.get("weight", 0.0)),
                int(d.get("top", 0)),
                tuple(d.get("reported_on", ())),
                {
                    family: Thresholds(float(t["threshold"]), float(t["closest"]))
                    for family, t in d.get("families", {}).items()
                },
            )

        rerank = mode(data["rerank"]) if "rerank" in data else None
        return cls(Forest.from_dict(data["ranker"]), mode(data), rerank)


@functools.cache
def fitted(path: Path = FITTED) -> Fitted:
    """The parameters shipped with qabot (or another fit's file), read once."""
    return Fitted.from_dict(json.loads(path.read_text(encoding="utf-8")))
