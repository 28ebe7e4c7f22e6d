"""``qabot repl``: ask questions at a prompt, with the same answers the bot gives."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs

from bot.engine import Engine
from bot.i18n import N_, Translations, for_locale, locale_tag, translation
from bot.render import outcome_line, render_text, source_text
from index.models import Answer
from index.search.languages import speaking

HELP_INTRO = N_("Type a question and press Enter. Commands:")
HELP = [
    (":add PATH|URL", N_("add an article (a file, a folder or a web address)")),
    (":sources", N_("the full sources of the last answer")),
    (":list", N_("the stored articles, newest first")),
    (":stats", N_("how many articles, passages and sentences")),
    (":help", N_("this help")),
    (":quit", N_("leave (or Ctrl-D)")),
]
EMPTY = N_("No articles yet. Add some with :add PATH|URL (or `qabot add`), or start with --demo.")


def help_text(t: Translations) -> str:
    """The REPL's commands, described in ``t``'s language."""
    return "\n".join(
        [t.gettext(HELP_INTRO), *(f"  {name:<15} {t.gettext(about)}" for name, about in HELP)]
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help=for_locale().gettext(
            "use a demo collection (qabot's own guide) in its own database, unless --db is given"
        ),
    )


def main(args: argparse.Namespace) -> int:
    db = args.db
    if args.demo and db is None:
        db = Path(platformdirs.user_data_dir("qabot", appauthor=False)) / "demo.db"
    t = getattr(args, "t", None) or for_locale()
    return asyncio.run(_session(db, demo=args.demo, t=t))


async def _session(db: Path | None, demo: bool, t: Translations) -> int:
    async with await Engine.open(db, progress=True) as engine:
        if demo:
            await _load_demo(engine, t)
        tty = sys.stdin.isatty() and sys.stdout.isatty()
        reader = _Reader(tty)
        repl = Repl(engine, color=tty, t=t)
        count = await engine.store.count_articles()
        greeting = t.ngettext(
            "qabot: {n} article. Ask a question, or :help.",
            "qabot: {n} articles. Ask a question, or :help.",
            count,
        )
        print(greeting.format(n=count) if count else t.gettext(EMPTY))
        while True:
            line = await reader.read()
            if line is None or not await repl.handle(line):
                return 0


async def _load_demo(engine: Engine, t: Translations) -> None:
    folder = resources.files("bot") / "demo"
    with resources.as_file(folder) as path:
        outcomes = await engine.add_source(str(path), "demo")
    added = sum(o.status == "added" for o in outcomes)
    if added:
        loaded = t.ngettext(
            "Loaded {n} demo article (qabot's own guide). Try: How do I add an article?",
            "Loaded {n} demo articles (qabot's own guide). Try: How do I add an article?",
            added,
        )
        print(loaded.format(n=added))


class Repl:
    """Turns one typed line into output; knows nothing of terminals."""

    def __init__(self, engine: Engine, color: bool = False, t: Translations | None = None) -> None:
        self.engine = engine
        self.color = color
        self.t = t or translation("en")
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
            print(
                self.t.gettext("Unknown command :{command}. Type :help for the list.").format(
                    command=command
                )
            )
        else:
            await action(rest.strip())
        return True

    async def ask(self, question: str) -> None:
        if await self.engine.store.count_articles() == 0:
            print(self.t.gettext(EMPTY))
            return
        with speaking(locale_tag()):  # a question too short to tell is in the locale's
            self.last = await self.engine.ask(question)
        print(render_text(self.last, color=self.color, t=self.t))
        print()

    async def add(self, source: str) -> None:
        if not source:
            print(self.t.gettext("Usage: :add PATH|URL"))
            return
        for outcome in await self.engine.add_source(source, "repl"):
            print(outcome_line(outcome, t=self.t, shell=True))

    async def sources(self, _: str) -> None:
        if self.last is None:
            print(self.t.gettext("No answer yet: ask a question first."))
            return
        for s in self.last.sources:
            print(source_text(s))

    async def list(self, _: str) -> None:
        articles = await self.engine.list_articles(50)
        if not articles:
            print(self.t.gettext(EMPTY))
        for a in articles:
            passages = self.t.ngettext("{n} passage", "{n} passages", a.passages)
            print(f"#{a.id:<5} {a.title}  ({passages.format(n=a.passages)})")

    async def stats(self, _: str) -> None:
        s, t = await self.engine.stats(), self.t
        print(
            t.gettext(", ").join(
                (
                    t.ngettext("{n} article", "{n} articles", s.articles).format(n=s.articles),
                    t.ngettext("{n} passage", "{n} passages", s.passages).format(n=s.passages),
                    t.ngettext("{n} sentence", "{n} sentences", s.sentences).format(n=s.sentences),
                )
            )
        )

    async def help(self, _: str) -> None:
        print(help_text(self.t))


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
