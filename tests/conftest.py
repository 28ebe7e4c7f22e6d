"""Shared fixtures: a fresh database per test, articles written for the tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine, EngineSettings
from corpus.models import Draft, Prepared
from corpus.prepare import prepare

SHARED_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


@pytest.fixture(autouse=True)
def _embedded_unless_cluster(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test but the cluster tests runs qabot's embedded default, whatever the
    environment: ``scripts/local-cluster start`` exports QABOT_SOLR_URL (CI runs the whole
    suite so), which turns the engine's search to SolrCloud (``bot.scale``)."""
    if request.node.get_closest_marker("cluster") is None:
        monkeypatch.delenv("QABOT_SOLR_URL", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "qabot.db"


def article(title: str, text: str, **meta: str) -> Prepared:
    """A prepared article from a title and a text written for the test."""
    return prepare(Draft(title=title, text=text, **meta))


@asynccontextmanager
async def engine_with(tmp_path: Path, articles: list[dict[str, Any]]) -> AsyncIterator[Engine]:
    """An engine on a fresh database holding these articles (JSONL records)."""
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    async with await Engine.open(tmp_path / "qa.db", EngineSettings()) as engine:
        await engine.add_source(str(source), "test")
        yield engine
