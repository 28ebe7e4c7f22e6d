"""The REPL, typed at through a pseudo-terminal as a person would."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    """A child process on a pseudo-terminal: type lines, wait for text on the screen."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.screen = ""

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, ANSI.sub("", self.screen)):
                return ANSI.sub("", self.screen)
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} never appeared; screen:\n{ANSI.sub('', self.screen)}")

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=30)
        finally:
            os.close(self.master)


# The locale the prompt speaks in, unless a test says otherwise.
ENGLISH = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}


@pytest.fixture
def terminal(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "QABOT_DB": "",
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "COLUMNS": "200",
        **ENGLISH,
    }
    term = Terminal([sys.executable, "-m", "bot.cli", "repl", "--demo"], env)
    yield term
    if term.proc.poll() is None:
        term.proc.kill()


def test_the_demo_answers_how_to_add_an_article(terminal: Terminal) -> None:
    terminal.wait_for(r"qabot>")
    terminal.type("How do I add an article?\r")
    screen = terminal.wait_for(r"\[1\] Adding articles to qabot")
    assert "qabot add" in screen


def test_sources_repeats_the_last_answers_sources(terminal: Terminal) -> None:
    terminal.wait_for(r"qabot>")
    terminal.type("How do I remove an article?\r")
    terminal.wait_for(r"\[1\] ")
    terminal.type(":sources\r")
    screen = terminal.wait_for(r"(?s):sources.*\[1\] Managing the article collection")
    assert screen.count("Managing the article collection") >= 2


def test_stats_and_quit(terminal: Terminal) -> None:
    terminal.wait_for(r"qabot>")
    terminal.type(":stats\r")
    terminal.wait_for(r"5 articles")
    terminal.type(":quit\r")
    assert terminal.close() == 0


def test_an_unanswerable_question_says_so(terminal: Terminal) -> None:
    terminal.wait_for(r"qabot>")
    terminal.type("What is the boiling point of tungsten?\r")
    terminal.wait_for(r"couldn't find that in the articles")


def test_a_closest_reply_says_it_is_not_sure(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "QABOT_DB": "",
        "QABOT_SURE_CONFIDENCE": "1",
        "QABOT_CLOSEST_CONFIDENCE": "0",
        **ENGLISH,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "repl", "--demo"],
        input="How do I add an article?\n:quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "I'm not sure this answers it; the closest I found:" in result.stdout
    assert "[1] " in result.stdout


def test_an_empty_store_says_how_to_add_articles(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--db", str(tmp_path / "q.db"), "repl"],
        input="anything?\n:quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **ENGLISH},
    )
    assert "No articles yet" in result.stdout
    assert ":add PATH|URL" in result.stdout


def test_the_prompt_speaks_the_locales_language_with_its_plurals(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "repl", "--demo"],
        input=":stats\n:help\n:quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            **ENGLISH,
            "LANG": "ru_RU.UTF-8",
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "QABOT_DB": "",
        },
    )
    assert "Загружено 5 демо-статей" in result.stdout
    assert "5 статей, " in result.stdout
    assert ":add PATH|URL   добавить статью" in result.stdout


async def test_a_short_question_at_the_prompt_falls_back_on_the_locales_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.engine import Engine
    from bot.repl import Repl
    from index.models import Answer
    from index.search.languages import chat_language

    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    heard: list[str | None] = []
    async with await Engine.open(tmp_path / "q.db", answers=False) as engine:
        await engine.add_text("Bridge\n\nThe bridge opens in June.", "test")
        ask = engine.ask

        async def spy(question: str) -> Answer:
            heard.append(chat_language())
            return await ask(question)

        monkeypatch.setattr(engine, "ask", spy)
        await Repl(engine).handle("Pont ?")
    assert heard == ["fr"]
