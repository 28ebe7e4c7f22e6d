"""The qabot command line, run as a user runs it: a separate process per command."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def qabot(
    db: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "--db", str(db), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        env={**os.environ, "QABOT_DB": "", **ENGLISH, **(env or {})},
    )


# The locale the command line speaks in, unless a test says otherwise.
ENGLISH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of mixed files: two good articles, one nested, one empty, one binary."""
    root = tmp_path / "articles"
    (root / "nested").mkdir(parents=True)
    (root / "harbour.txt").write_text(
        "Harbour report\n\nThe harbour reopened on Monday after repairs. "
        "Fishing boats returned before dawn."
    )
    (root / "nested" / "garden.md").write_text(
        "# Community garden\n\nThe community garden planted forty apple trees. "
        "Volunteers water them every evening."
    )
    (root / "market.jsonl").write_text(
        json.dumps({"title": "Market day", "text": "The market moved to the square."})
        + "\n{not json\n"
    )
    (root / "empty.txt").write_text("")
    (root / "binary.txt").write_bytes(bytes(range(256)) * 4)
    return root


def test_add_reports_each_file_and_the_summary(folder: Path, tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "add", str(folder))
    assert result.returncode == 1
    assert "3 added, 0 duplicate, 3 failed" in result.stdout
    assert "market.jsonl:2" in result.stdout
    assert "empty.txt" in result.stdout and "binary.txt" in result.stdout


def test_a_failed_files_name_is_printed_once(folder: Path, tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "add", str(folder / "empty.txt"))
    assert result.stdout.splitlines()[0].split() == [
        "failed",
        f"{folder}/empty.txt:",
        "the",
        "file",
        "is",
        "empty",
    ]


def test_a_binary_file_is_told_what_qabot_add_takes(folder: Path, tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "add", str(folder / "binary.txt"))
    assert "qabot add takes .txt, .md, .html, .pdf and .jsonl files" in result.stdout
    assert "send" not in result.stdout


def test_add_counts_articles_with_the_right_plural(tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "--progress", "add", "-", stdin="Tea\n\nGreen tea.")
    assert "adding: 1 article " in result.stderr
    assert "(1 passage)" in result.stdout


def test_the_command_line_speaks_german_under_a_german_locale(folder: Path, tmp_path: Path) -> None:
    german = {"LANG": "de_DE.UTF-8"}
    empty = qabot(tmp_path / "q.db", "list", env=german)
    assert empty.stdout.startswith("Noch keine Artikel. Füge welche hinzu mit: qabot add")
    added = qabot(tmp_path / "q.db", "add", str(folder), env=german)
    assert "3 hinzugefügt, 0 doppelt, 3 fehlgeschlagen" in added.stdout
    assert f"{folder}/empty.txt: die Datei ist leer" in added.stdout
    assert "qabot add nimmt .txt-, .md-, .html-, .pdf- und .jsonl-Dateien" in added.stdout
    answer = qabot(tmp_path / "q.db", "ask", "What is the capital of Peru?", env=german)
    assert answer.stdout.startswith("Dazu habe ich in den Artikeln nichts gefunden.")
    missing = qabot(tmp_path / "q.db", "show", "99", env=german)
    assert missing.stderr.strip() == "Fehler: kein Artikel #99 (siehe: qabot list)"


def test_help_and_usage_errors_follow_the_locale(tmp_path: Path) -> None:
    helped = qabot(tmp_path / "q.db", "add", "--help", env={"LANG": "de_DE.UTF-8"})
    assert helped.stdout.startswith("Aufruf: qabot add")
    assert "Artikel aus Dateien, Ordnern, URLs oder - (Standardeingabe) hinzufügen" in (
        helped.stdout
    )
    assert "Positionsargumente:" in helped.stdout and "Optionen:" in helped.stdout
    assert "diese Hilfe zeigen und beenden" in helped.stdout
    wrong = qabot(tmp_path / "q.db", "show", env={"LANG": "de_DE.UTF-8"})
    assert wrong.returncode == 2
    assert "qabot show: Fehler: " in wrong.stderr


@pytest.mark.parametrize("command", ["add", "show", "remove"])
def test_positional_arguments_are_explained_in_help(command: str, tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", command, "--help")
    positional = result.stdout.split("positional arguments:")[1].split("options:")[0]
    assert len(positional.split()) > 3, positional


def test_stats_agree_with_what_was_added(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    stats = json.loads(qabot(db, "stats", "--json").stdout)
    listed = json.loads(qabot(db, "list", "--json").stdout)
    assert stats["articles"] == len(listed) == 3
    assert stats["passages"] == sum(a["passages"] for a in listed)
    assert set(stats) == {"articles", "passages", "sentences", "db_bytes"}
    assert set(listed[0]) == {"id", "title", "url", "published", "passages", "added_at"}


def test_adding_the_same_folder_again_adds_nothing(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    again = qabot(db, "add", str(folder))
    assert "0 added, 3 duplicate" in again.stdout
    assert json.loads(qabot(db, "stats", "--json").stdout)["articles"] == 3


def test_standard_input_is_an_article(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    result = qabot(db, "add", "-", stdin="Night buses\n\nNight buses run until four.")
    assert result.returncode == 0
    assert "Night buses" in qabot(db, "show", "1").stdout


def test_show_and_remove_an_unknown_id_fail_clearly(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    for command in ("show", "remove"):
        result = qabot(db, command, "7")
        assert result.returncode == 1
        assert "no article #7" in result.stderr


def test_search_sees_adds_and_removes_at_once(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    found = json.loads(qabot(db, "search", "apple trees", "--json").stdout)
    assert found["results"][0]["title"] == "Community garden"
    qabot(db, "remove", str(found["results"][0]["article_id"]))
    after = json.loads(qabot(db, "search", "apple trees", "--json").stdout)
    assert all(r["title"] != "Community garden" for r in after["results"])


def test_a_killed_bulk_add_leaves_only_complete_articles(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        body = " ".join(f"Report {i} line {j} tells of event {i * j}." for j in range(40))
        (folder / f"a{i:03}.txt").write_text(f"Bulletin {i}\n\n{body}")
    db = tmp_path / "q.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", str(db), "add", "-q", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _count(db, "articles") < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    added = _count(db, "articles")
    assert 20 <= added < 400
    db_conn = sqlite3.connect(db)
    rows = db_conn.execute(
        "SELECT a.id, (SELECT count(*) FROM passages p WHERE p.article_id = a.id),"
        " (SELECT count(*) FROM sentences s WHERE s.article_id = a.id),"
        " (SELECT max(position) FROM sentences s WHERE s.article_id = a.id) FROM articles a"
    ).fetchall()
    db_conn.close()
    assert all(passages >= 1 and sentences == last + 1 for _, passages, sentences, last in rows)
    resumed = qabot(db, "add", "-q", str(folder))
    assert f"{400 - added} added, {added} duplicate, 0 failed" in resumed.stdout
    hits = json.loads(qabot(db, "search", "Bulletin 399", "--json").stdout)["results"]
    assert hits and hits[0]["title"] == "Bulletin 399"


def _count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def test_ask_json_cites_the_answering_article(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    answer = json.loads(
        qabot(db, "ask", "How many apple trees did the garden plant?", "--json").stdout
    )
    assert set(answer) >= {
        "question",
        "verdict",
        "answered",
        "confidence",
        "short_answer",
        "sentences",
        "sources",
        "took_ms",
    }
    assert answer["answered"] and answer["verdict"] == "sure"
    assert "forty apple trees" in answer["sentences"][0]["text"]
    cited = {s["n"]: s["title"] for s in answer["sources"]}
    assert cited[answer["sentences"][0]["citation"]] == "Community garden"


def test_ask_json_gives_the_closest_verdict_with_its_quote(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    never_sure = {"QABOT_SURE_CONFIDENCE": "1", "QABOT_CLOSEST_CONFIDENCE": "0"}
    result = qabot(db, "ask", "How many apple trees were planted?", "--json", env=never_sure)
    answer = json.loads(result.stdout)
    assert answer["verdict"] == "closest" and not answer["answered"]
    assert answer["short_answer"] is None
    assert "forty apple trees" in answer["sentences"][0]["text"]


def test_ask_prints_closest_as_not_sure(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    never_sure = {"QABOT_SURE_CONFIDENCE": "1", "QABOT_CLOSEST_CONFIDENCE": "0"}
    result = qabot(db, "ask", "How many apple trees were planted?", env=never_sure)
    assert result.stdout.startswith("I'm not sure this answers it; the closest I found:")


def test_ask_json_gives_none_for_what_the_articles_do_not_say(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    answer = json.loads(qabot(db, "ask", "What is the boiling point of tungsten?", "--json").stdout)
    assert answer["verdict"] == "none" and answer["sentences"] == []


def test_ask_on_an_empty_collection_says_there_are_no_articles_yet(tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "ask", "Who opened the harbour?")
    assert result.stdout.strip() == "There are no articles yet. Add some with: qabot add PATH|URL"


def test_an_empty_question_gets_a_prompt(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    assert qabot(db, "ask", " ").stdout.strip() == "Ask me a question about the articles."


def test_a_confidence_setting_out_of_range_is_a_clear_error(tmp_path: Path) -> None:
    result = qabot(tmp_path / "q.db", "ask", "Who?", env={"QABOT_SURE_CONFIDENCE": "high"})
    assert result.returncode != 0
    assert "QABOT_SURE_CONFIDENCE must be a number from 0 to 1" in result.stderr


LOADED_TELEGRAM = (
    "import sys\n"
    "from bot.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('TELEGRAM' if any(m.split('.')[0] == 'telegram' for m in sys.modules) else 'NONE')\n"
)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["ask", "Who opened the harbour?"], ["add", "-"], ["list"]],
    ids=["help", "ask", "add", "list"],
)
def test_commands_other_than_serve_never_load_telegram(tmp_path: Path, args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", LOADED_TELEGRAM, "--db", str(tmp_path / "q.db"), *args],
        capture_output=True,
        text=True,
        input="Harbour\n\nThe harbour reopened on Monday.",
        timeout=120,
    )
    assert out.stdout.strip().splitlines()[-1] == "NONE"


def test_serve_help_describes_its_own_options(tmp_path: Path) -> None:
    out = qabot(tmp_path / "q.db", "serve", "--help")
    assert out.returncode == 0
    assert "--webhook-url" in out.stdout


def test_output_cut_short_by_its_reader_ends_quietly(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    qabot(db, "add", str(folder))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--db", str(db), "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "QABOT_DB": ""},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    errors = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors
