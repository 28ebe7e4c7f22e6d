"""The answerer's parameters, fitted offline by ``bench/fit_answerer.py`` into ``answerer.json``
beside this module: the ranker's trees, and per mode the confidence and the reply."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.answer.confidence import Confidence
from index.answer.reply import Reply
from index.answer.trees import Forest

FITTED = Path(__file__).with_name("answerer.json")


@dataclass(frozen=True, slots=True)
class Mode:
    """What was fitted for one way of scoring: the confidence and the reply."""

    confidence: Confidence
    reply: Reply
    cosine: float = 0.0


@dataclass(frozen=True, slots=True)
class Fitted:
    """The answerer's parameters, fitted offline by ``bench/fit_answerer.py``."""

    ranker: Forest
    lexical: Mode
    semantic: Mode | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fitted:
        def mode(d: dict[str, Any]) -> Mode:
            c = d["confidence"]
            return Mode(
                Confidence(Forest.from_dict(c["forest"]), float(c["threshold"])),
                Reply.from_dict(d["reply"]),
                float(d.get("cosine", 0.0)),
            )

        semantic = mode(data["semantic"]) if "semantic" in data else None
        return cls(Forest.from_dict(data["ranker"]), mode(data), semantic)


@functools.cache
def fitted() -> Fitted:
    """The parameters shipped with qabot, read once."""
    return Fitted.from_dict(json.loads(FITTED.read_text(encoding="utf-8")))
