"""The load benchmark's short form: a tiny synthetic collection, two chats, a few seconds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import load

pytestmark = pytest.mark.e2e

KEYS = {
    "collection", "questions", "replies", "lost", "replies_per_s", "offered_per_s", "p50_ms",
    "p95_ms", "p99_ms", "adds_sent", "adds_completed", "adds_failed", "errors", "peak_rss_mb",
}  # fmt: skip


def test_short_load_run_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cache" / "load.db"
    argv = [
        "--db", str(db), "--passages", "300", "--source", "synthetic", "--chats", "2",
        "--rate", "3", "--seconds", "4", "--admin-every", "1.5", "--drain", "60",
    ]  # fmt: skip
    code = load.main(argv)
    report = json.loads(capsys.readouterr().out)
    assert not KEYS - report.keys()
    assert report["lost"] == 0, report
    assert code == 0
    assert report["questions"] == 12 and report["replies"] == 12
    assert report["adds_sent"] >= 2
    assert report["adds_completed"] + report["adds_failed"] == report["adds_sent"], report
    assert report["collection"]["passages"] >= 300
    assert report["collection"]["passages_after"] >= report["collection"]["passages"]

    # the cache is reused, not rebuilt nor changed by the adds of the run
    size = db.stat().st_size
    load.main([*argv, "--seconds", "1", "--admin-every", "0"])
    again = json.loads(capsys.readouterr().out)
    assert again["collection"]["reused"] == str(db.resolve())
    assert again["collection"]["passages"] == report["collection"]["passages"]
    assert again["lost"] == 0
    assert db.stat().st_size == size
