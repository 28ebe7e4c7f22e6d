"""The verdict's thresholds per language family (issue 27): a question is judged sure,
closest or none by the thresholds fitted for its script, English keeping its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.engine import Engine, EngineSettings
from index.answer import AnswerSettings
from index.answer.families import ARABIC, CJK, CYRILLIC, ENGLISH, LATIN, OTHER, family_of
from index.answer.fitted import FITTED
from index.models import NONE, SURE

MARKET = """The weekly farmers' market

The weekly farmers' market beside the library is run by Lena Hoffmann, who started it in \
2019. Growers from the valley sell vegetables there every Saturday.
"""
MARKT = """Der Wochenmarkt

Der Wochenmarkt neben der Bibliothek wird von Lena Hoffmann geleitet, die ihn 2019 \
gegründet hat. Bauern aus dem Tal verkaufen dort jeden Samstag Gemüse.
"""


@pytest.mark.parametrize(
    ("language", "family"),
    [
        ("en", ENGLISH),
        ("de", LATIN),
        ("es", LATIN),
        ("ru", CYRILLIC),
        ("uk", CYRILLIC),
        ("ar", ARABIC),
        ("fa", ARABIC),
        ("zh", CJK),
        ("ja", CJK),
        ("el", OTHER),
        ("hi", OTHER),
    ],
)
def test_a_language_belongs_to_the_family_of_its_script(language: str, family: str) -> None:
    assert family_of(language) == family


def fitted_with(folder: Path, families: dict[str, dict[str, float]]) -> Path:
    data = json.loads(FITTED.read_text(encoding="utf-8"))
    data["rerank"]["families"] = families
    path = folder / "answerer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


async def engine_with(folder: Path, families: dict[str, dict[str, float]]) -> Engine:
    """An engine with an English and a German article, and these families' thresholds."""
    settings = EngineSettings(answer=AnswerSettings(fitted=fitted_with(folder, families)))
    engine = await Engine.open(folder / "qa.db", settings)
    await engine.add_text(MARKET, "test")
    await engine.add_text(MARKT, "test")
    return engine


async def test_a_german_question_is_judged_by_the_latin_familys_thresholds(
    tmp_path: Path,
) -> None:
    # by English's thresholds this question gets "closest" (confidence about 0.4)
    always_sure = {LATIN: {"threshold": 0.0, "closest": 0.0}}
    async with await engine_with(tmp_path, always_sure) as engine:
        answer = await engine.ask("Wer leitet den Wochenmarkt?")
    assert answer.verdict == SURE
    assert "Lena Hoffmann" in answer.quotes[0].text


async def test_an_english_question_keeps_englishs_thresholds(tmp_path: Path) -> None:
    never_sure = {LATIN: {"threshold": 1.01, "closest": 1.01}}
    async with await engine_with(tmp_path, never_sure) as engine:
        answer = await engine.ask("Who runs the weekly farmers' market?")
        german = await engine.ask("Wer leitet den Wochenmarkt?")
    assert answer.verdict == SURE
    assert german.verdict == NONE


async def test_thresholds_set_by_the_operator_hold_for_every_language(tmp_path: Path) -> None:
    path = fitted_with(tmp_path, {LATIN: {"threshold": 0.9, "closest": 0.3}})
    settings = EngineSettings(answer=AnswerSettings(fitted=path, threshold=0.5, closest=0.1))
    async with await Engine.open(tmp_path / "qa.db", settings) as engine:
        assert engine.answerer.thresholds("de") == (0.5, 0.1)
        assert engine.answerer.thresholds("en") == (0.5, 0.1)


async def test_a_script_no_family_holds_gets_the_strictest_sure_threshold(tmp_path: Path) -> None:
    families = {LATIN: {"threshold": 0.95, "closest": 0.3}, CJK: {"threshold": 0.9, "closest": 0.2}}
    settings = EngineSettings(answer=AnswerSettings(fitted=fitted_with(tmp_path, families)))
    async with await Engine.open(tmp_path / "qa.db", settings) as engine:
        english_sure, english_closest = engine.answerer.thresholds("en")
        assert engine.answerer.thresholds("el") == (max(0.95, english_sure), english_closest)
        assert engine.answerer.thresholds("zh") == (0.9, 0.2)
