"""``qabot repl``: ask questions at a prompt, with the same answers the bot gives."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

from bot.engine import Engine
from bot.render import outcome_line, render_text, source_text
from index.models import Answer

HELP = """\
Type a question and press Enter. Commands:
  :add PATH|URL   add an article (a file, a folder or a web address)
  :sources        the full sources of the last answer
  :list           the stored articles, newest first
  :stats          how many articles, passages and sentences
  :help           this help
  :quit           leave (or Ctrl-D)"""

EMPTY = "No articles yet. Add some with :add PATH|URL (or `qabot add`), or start with --demo."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use a demo collection (qabot's own guide) in its own database, unless --db is given",
    )


def main(args: argparse.Namespace) -> int:
    db = args.db
    if args.demo and db is None:
        db = Path(platformdirs.user_data_dir("qabot", appauthor=False)) / "demo.db"
    return asyncio.run(_session(db, demo=args.demo))


async def _session(db: Path | None, demo: bool) -> int:
    async with await Engine.open(db, progress=True) as engine:
        if demo:
            await _load_demo(engine)
        tty = sys.stdin.isatty() and sys.stdout.isatty()
        reader = _Reader(tty)
        repl = Repl(engine, color=tty)
        count = await engine.store.count_articles()
        print(f"qabot: {count} articles. Ask a question, or :help." if count else EMPTY)
        while True:
            line = await reader.read()
            if line is None or not await repl.handle(line):
                return 0


async def _load_demo(engine: Engine) -> None:
    folder = resources.files("bot") / "demo"
    with resources.as_file(folder) as path:
        outcomes = await engine.add_source(str(path), "demo")
    added = sum(o.status == "added" for o in outcomes)
    if added:
        print(f"Loaded {added} demo articles (qabot's own guide). Try: How do I add an article?")


class Repl:
    """Turns one typed line into output; knows nothing of terminals."""

    def __init__(self, engine: Engine, color: bool = False) -> None:
        self.engine = engine
        self.color = color
        self.last: Answer | None = None

    async def handle(self, line: str) -> bool:
        """Act on one line; False when the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith(":"):
            await self.ask(line)
            return True
        command, _, rest = line[1:].partition(" ")
        if command in ("q", "quit", "exit"):
            return False
        action = {
            "add": self.add,
            "sources": self.sources,
            "list": self.list,
            "stats": self.stats,
            "help": self.help,
        }.get(command)
        if action is None:
            print(f"Unknown command :{command}. Type :help for the list.")
        else:
            await action(rest.strip())
        return True

    async def ask(self, question: str) -> None:
        if await self.engine.store.count_articles() == 0:
            print(EMPTY)
            return
        self.last = await self.engine.ask(question)
        print(render_text(self.last, color=self.color))
        print()

    async def add(self, source: str) -> None:
        if not source:
            print("Usage: :add PATH|URL")
            return
        for outcome in await self.engine.add_source(source, "repl"):
            print(outcome_line(outcome))

    async def sources(self, _: str) -> None:
        if self.last is None:
            print("No answer yet: ask a question first.")
            return
        for s in self.last.sources:
            print(source_text(s))

    async def list(self, _: str) -> None:
        articles = await self.engine.list_articles(50)
        if not articles:
            print(EMPTY)
        for a in articles:
            print(f"#{a.id:<5} {a.title}  ({a.passages} passages)")

    async def stats(self, _: str) -> None:
        stats = asdict(await self.engine.stats())
        print(", ".join(f"{v} {k}" for k, v in stats.items() if k != "db_bytes"))

    async def help(self, _: str) -> None:
        print(HELP)


class _Reader:
    """Lines from a prompt with history and line editing on a terminal, else from stdin."""

    def __init__(self, tty: bool) -> None:
        self.session: Any = None
        if tty:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory

            history = Path(platformdirs.user_state_dir("qabot", appauthor=False)) / "history"
            history.parent.mkdir(parents=True, exist_ok=True)
            self.session = PromptSession(history=FileHistory(str(history)))

    async def read(self) -> str | None:
        if self.session is not None:
            try:
                return str(await self.session.prompt_async("qabot> "))
            except (EOFError, KeyboardInterrupt):
                return None
        print("qabot> ", end="", flush=True)
        line = await asyncio.to_thread(sys.stdin.readline)
        return line if line else None
