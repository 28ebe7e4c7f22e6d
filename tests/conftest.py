"""Shared fixtures: a fresh database per test, articles written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.models import Draft, Prepared
from corpus.prepare import prepare

SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "qabot.db"


def article(title: str, text: str, **meta: str) -> Prepared:
    """A prepared article from a title and a text written for the test."""
    return prepare(Draft(title=title, text=text, **meta))
