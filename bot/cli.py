"""The ``qabot`` command line: a thin layer over the Engine, one function per command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.paths import default_db_path
from corpus.errors import QabotError

if TYPE_CHECKING:
    from bot.engine import AddOutcome, Engine
    from index.models import Answer

Command = Callable[["Engine", argparse.Namespace], Awaitable[int]]
# Commands whose arguments and entry point live in their own module, imported only when the
# command runs, so that ``qabot --help``, ``add`` and ``ask`` never load Telegram.
PLUGINS = {
    "repl": ("ask questions interactively", "bot.repl"),
    "eval": ("measure answer quality on question-answering data", "bot.evaluation.command"),
    "serve": ("run the Telegram bot", "bot.serve"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    known, _ = build_parser().parse_known_args(argv)
    plugin = getattr(known, "command", None)
    parser = build_parser(plugin if plugin in PLUGINS else None)
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    args.progress = getattr(args, "progress", False)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        if hasattr(args, "entry"):
            code = int(args.entry(args))
        else:
            code = asyncio.run(_run(args.run, args))
        sys.stdout.flush()
        return code
    except QabotError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output left (``qabot list | head``): stop quietly, as Unix tools do."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141


async def _run(command: Command, args: argparse.Namespace) -> int:
    from bot.engine import Engine

    progress = sys.stderr.isatty() or args.progress
    engine = await Engine.open(args.db, progress=progress, answers=command is cmd_ask)
    try:
        return await command(engine, args)
    finally:
        await engine.close()


def build_parser(plugin: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; ``plugin`` names the one plugin command whose module to load
    for its arguments (the others are listed, but take any arguments)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"the SQLite file (default: $QABOT_DB or {default_db_path()})",
    )
    common.add_argument(
        "--progress",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show progress bars even when standard error is not a terminal",
    )
    parser = argparse.ArgumentParser(
        prog="qabot",
        description="Answer questions with sentences quoted from your articles, with citations.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, run: Command | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        if run is not None:
            p.set_defaults(run=run)
        return p

    p = command("add", "add articles from files, folders, URLs or - (standard input)", cmd_add)
    p.add_argument("sources", nargs="+", metavar="PATH|URL|-")
    p.add_argument("--added-by", default=getpass.getuser(), help="who is adding (default: you)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the summary")

    p = command("list", "list the stored articles, newest first", cmd_list)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=int, default=None, help="at most this many")

    p = command("show", "show one article: title, source and cleaned text", cmd_show)
    p.add_argument("id", type=int)

    p = command("remove", "remove an article with its passages", cmd_remove)
    p.add_argument("id", type=int)

    p = command("stats", "count articles, passages and sentences", cmd_stats)
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command("search", "show the passages that best match a query (BM25)", cmd_search)
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
    p.add_argument("--article", type=int, default=None, help="only within this article")
    p.add_argument("--json", action="store_true", help="print JSON")

    command("reindex", "rebuild the search index from the stored articles", cmd_reindex)

    p = command("ask", "answer a question with cited sentences from the articles", cmd_ask)
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print JSON")

    for name, (help, module) in PLUGINS.items():
        if name == plugin:
            _load_plugin(command(name, help), name, module)
        else:
            sub.add_parser(name, help=help, add_help=False)
    return parser


def _load_plugin(p: argparse.ArgumentParser, name: str, module: str) -> None:
    """Give ``p`` the arguments and entry point of the plugin command's module."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        msg = f"qabot {name} is unavailable: {e}"
        p.set_defaults(entry=lambda _args: print(msg, file=sys.stderr) or 1)
        return
    mod.add_arguments(p)
    p.set_defaults(entry=mod.main)


async def cmd_add(engine: Engine, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.engine import tally

    outcomes: list[AddOutcome] = []
    bar = tqdm(desc="adding", unit=" articles", file=sys.stderr, disable=not _bar(args))

    def report(outcome: AddOutcome) -> None:
        bar.update(1)
        if not args.quiet:
            bar.write(_describe(outcome), file=sys.stdout)

    for source in args.sources:
        outcomes += await engine.add_source(source, args.added_by, report)
    bar.close()
    counts = tally(outcomes)
    print(f"{counts['added']} added, {counts['duplicate']} duplicate, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def _bar(args: argparse.Namespace) -> bool:
    return bool(args.progress or sys.stderr.isatty())


def _describe(outcome: AddOutcome) -> str:
    a = outcome.article
    if outcome.error is not None:
        return f"failed     {outcome.name}: {outcome.error}"
    assert a is not None
    if outcome.duplicate:
        return f"duplicate  {outcome.name}: already have this as #{a.id} {a.title!r}"
    return f"added      {outcome.name}: #{a.id} {a.title!r} ({a.passages} passages)"


async def cmd_list(engine: Engine, args: argparse.Namespace) -> int:
    articles = await engine.list_articles(args.limit)
    if args.json:
        keys = ("id", "title", "url", "published", "passages", "added_at")
        _print_json([{k: getattr(a, k) for k in keys} for a in articles])
        return 0
    if not articles:
        print("No articles yet. Add some with: qabot add PATH|URL")
    for a in articles:
        print(f"#{a.id:<5} {a.title}  ({a.passages} passages, {a.published or a.added_at[:10]})")
    return 0


async def cmd_show(engine: Engine, args: argparse.Namespace) -> int:
    a = await engine.get(args.id)
    if a is None:
        return _no_article(args.id)
    print(f"#{a.id} {a.title}")
    for label, value in (("url", a.url), ("source", a.source), ("published", a.published)):
        if value:
            print(f"{label}: {value}")
    print(f"added: {a.added_at} by {a.added_by}; {a.passages} passages, {a.sentences} sentences")
    print()
    print(a.text)
    return 0


async def cmd_remove(engine: Engine, args: argparse.Namespace) -> int:
    a = await engine.remove(args.id)
    if a is None:
        return _no_article(args.id)
    print(f"removed #{a.id} {a.title!r}")
    return 0


async def cmd_stats(engine: Engine, args: argparse.Namespace) -> int:
    stats = await engine.stats()
    if args.json:
        _print_json(asdict(stats))
    else:
        print(
            f"{stats.articles} articles, {stats.passages} passages, {stats.sentences} sentences,"
            f" {stats.db_bytes / 1e6:.1f} MB in {engine.store.path}"
        )
    return 0


async def cmd_search(engine: Engine, args: argparse.Namespace) -> int:
    hits = await engine.search(args.query, args.k, args.article)
    if args.json:
        keys = ("passage_id", "article_id", "title", "score", "text")
        _print_json(
            {"query": args.query, "results": [{k: getattr(h, k) for k in keys} for h in hits]}
        )
        return 0
    if not hits:
        print("No passage matches.")
    for h in hits:
        print(f"{h.score:7.3f}  #{h.article_id} {h.title} (passage {h.passage_id})")
        print(f"         {h.text[:200]}{'…' if len(h.text) > 200 else ''}")
    return 0


async def cmd_reindex(engine: Engine, args: argparse.Namespace) -> int:
    engine.retriever.progress = True
    await engine.reindex()
    print(f"reindexed {len(engine.retriever.index)} passages")
    return 0


async def cmd_ask(engine: Engine, args: argparse.Namespace) -> int:
    from bot.render import render_text

    answer = await engine.ask(args.question)
    if args.json:
        _print_json(answer_json(answer))
    else:
        print(render_text(answer, color=sys.stdout.isatty(), add_hint=ADD_HINT))
    return 0


ADD_HINT = "Add some with: qabot add PATH|URL"


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``--json`` form of an answer: ``verdict`` is sure, closest or none; ``sentences``
    are the quotes (a sure answer's, or the closest ones); ``message`` says why there is no
    answer when there was nothing to ask or no article to answer from."""
    from bot.render import nothing_to_answer

    return {
        "question": answer.question,
        "verdict": answer.verdict,
        "answered": answer.answered,
        "confidence": answer.confidence,
        "short_answer": answer.short_answer,
        "sentences": [
            {
                "text": q.text,
                "citation": q.citation,
                "article_id": q.article_id,
                "passage_id": q.passage_id,
                "score": q.score,
            }
            for q in answer.quotes
        ],
        "sources": [
            {k: getattr(s, k) for k in ("n", "article_id", "title", "url", "published")}
            for s in answer.sources
        ],
        "took_ms": answer.took_ms,
        "message": nothing_to_answer(answer, ADD_HINT),
    }


def _no_article(article_id: int) -> int:
    print(f"error: no article #{article_id} (see: qabot list)", file=sys.stderr)
    return 1


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    sys.exit(main())
