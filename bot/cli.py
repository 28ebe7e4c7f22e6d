"""The ``qabot`` command line: a thin layer over the Engine, one function per command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, NoReturn

from bot.i18n import N_, Translations, for_locale, locale_tag
from bot.paths import db_location, default_db_path, shown
from corpus.errors import QabotError

if TYPE_CHECKING:
    from bot.engine import AddOutcome, Engine
    from index.models import Answer

Command = Callable[["Engine", argparse.Namespace], Awaitable[int]]
# Commands whose arguments and entry point live in their own module, imported only when the
# command runs, so that ``qabot --help``, ``add`` and ``ask`` never load Telegram.
PLUGINS = {
    "repl": (N_("ask questions interactively"), "bot.repl"),
    "eval": (N_("measure answer quality on question-answering data"), "bot.evaluation.command"),
    "serve": (N_("run the Telegram bot"), "bot.serve"),
    "solr": (N_("set up search on SolrCloud (init, status)"), "index.search.solr.cli"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    t = for_locale()
    known, _ = build_parser().parse_known_args(argv)
    plugin = getattr(known, "command", None)
    parser = build_parser(plugin if plugin in PLUGINS else None)
    args = parser.parse_args(argv)
    args.db = getattr(args, "db", None)
    args.progress = getattr(args, "progress", False)
    args.t = t
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
        print(t.gettext("error: {message}").format(message=e), file=sys.stderr)
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


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with "usage:" in the locale's language."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        if prefix is None:
            prefix = for_locale().gettext("usage: ")
        super().add_usage(usage, actions, groups, prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser whose own words (usage, the titles of its sections, -h and the
    error line) are in the locale's language. What argparse says inside an error (e.g. "the
    following arguments are required") stays in English: argparse reads it from the system's
    gettext catalogs, which qabot does not install."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        add_help = kwargs.get("add_help", True)
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **{**kwargs, "add_help": False})
        t = for_locale()
        # argparse's two default sections, titled in English by argparse itself
        self._positionals.title = t.gettext("positional arguments")
        self._optionals.title = t.gettext("options")
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=t.gettext("show this help message and exit"),
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        line = for_locale().gettext("{prog}: error: {message}")
        self.exit(2, line.format(prog=self.prog, message=message) + "\n")


def build_parser(plugin: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, its help in the locale's language; ``plugin`` names the one
    plugin command whose module to load for its arguments (the others are listed, but take
    any arguments)."""
    t = for_locale()
    common = Parser(add_help=False)
    default_db = shown(default_db_path()).replace("%", "%%")
    common.add_argument(
        "--db",
        type=db_location,  # a postgresql:// URL stays one (a Path makes postgresql:/ of it)
        default=argparse.SUPPRESS,
        help=t.gettext(
            "the SQLite file or a postgresql:// URL (default: $QABOT_DB or {path})"
        ).format(path=default_db),
    )
    common.add_argument(
        "--progress",
        action="store_true",
        default=argparse.SUPPRESS,
        help=t.gettext("show progress bars even when standard error is not a terminal"),
    )
    parser = Parser(
        prog="qabot",
        description=t.gettext(
            "Answer questions with sentences quoted from your articles, with citations."
        ),
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, help: str, run: Command | None = None, aliases: tuple[str, ...] = ()
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name, help=help, description=help, parents=[common], aliases=list(aliases)
        )
        if run is not None:
            p.set_defaults(run=run)
        return p

    json_help = t.gettext("print JSON")
    id_help = t.gettext("the article's number (see: qabot list)")

    p = command(
        "add", t.gettext("add articles from files, folders, URLs or - (standard input)"), cmd_add
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="PATH|URL|-",
        help=t.gettext(
            "a file (.txt, .md, .html, .pdf, .jsonl), a folder (read recursively), "
            "an http(s) address, or - for standard input"
        ),
    )
    p.add_argument(
        "--added-by", default=getpass.getuser(), help=t.gettext("who is adding (default: you)")
    )
    p.add_argument("--quiet", "-q", action="store_true", help=t.gettext("print only the summary"))

    p = command("list", t.gettext("list the stored articles, newest first"), cmd_list)
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument("--limit", type=int, default=None, help=t.gettext("at most this many"))

    p = command("show", t.gettext("show one article: title, source and cleaned text"), cmd_show)
    p.add_argument("id", type=int, metavar="ID", help=id_help)

    p = command("remove", t.gettext("remove an article with its passages"), cmd_remove)
    p.add_argument("id", type=int, metavar="ID", help=id_help)

    p = command(
        "stats", t.gettext("count articles, passages and sentences"), cmd_stats, ("status",)
    )
    p.add_argument("--json", action="store_true", help=json_help)

    p = command("search", t.gettext("show the passages that best match a query (BM25)"), cmd_search)
    p.add_argument("query", help=t.gettext("the words to look for"))
    p.add_argument("-k", type=int, default=10, help=t.gettext("how many passages (default 10)"))
    p.add_argument("--article", type=int, default=None, help=t.gettext("only within this article"))
    p.add_argument("--json", action="store_true", help=json_help)

    command("reindex", t.gettext("rebuild the search index from the stored articles"), cmd_reindex)

    p = command(
        "ask", t.gettext("answer a question with cited sentences from the articles"), cmd_ask
    )
    p.add_argument("question", help=t.gettext("the question, in quotes"))
    p.add_argument("--json", action="store_true", help=json_help)

    for name, (help, module) in PLUGINS.items():
        if name == plugin:
            _load_plugin(command(name, t.gettext(help)), name, module)
        else:
            sub.add_parser(name, help=t.gettext(help), add_help=False)
    return parser


def _load_plugin(p: argparse.ArgumentParser, name: str, module: str) -> None:
    """Give ``p`` the arguments and entry point of the plugin command's module."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        msg = for_locale().gettext("qabot {command} is unavailable: {error}")
        msg = msg.format(command=name, error=e)
        p.set_defaults(entry=lambda _args: print(msg, file=sys.stderr) or 1)
        return
    mod.add_arguments(p)
    p.set_defaults(entry=mod.main)


async def cmd_add(engine: Engine, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.engine import tally

    t: Translations = args.t
    outcomes: list[AddOutcome] = []
    n = 0
    bar = tqdm(
        desc=t.ngettext("adding: {n} article", "adding: {n} articles", n).format(n=n),
        bar_format="{desc} [{elapsed}]",
        file=sys.stderr,
        disable=not _bar(args),
    )

    def report(outcome: AddOutcome) -> None:
        nonlocal n
        n += 1
        bar.update(1)
        bar.set_description_str(
            t.ngettext("adding: {n} article", "adding: {n} articles", n).format(n=n)
        )
        if not args.quiet:
            bar.write(describe(outcome, t), file=sys.stdout)

    for source in args.sources:
        outcomes += await engine.add_source(source, args.added_by, report)
    bar.close()
    counts = tally(outcomes)
    print(t.gettext("{added} added, {duplicate} duplicate, {failed} failed").format(**counts))
    await _waiting_for_search(engine, t)
    return 1 if counts["failed"] else 0


async def _waiting_for_search(engine: Engine, t: Translations) -> None:
    """In the scale-out mode, say on standard error how many articles are stored but not yet
    searchable (Solr did not take them now: an indexer pushes them when it answers)."""
    with contextlib.suppress(QabotError):
        lag = await engine.index_lag()
        if lag is not None and lag.pending:
            message = t.gettext("articles waiting to be indexed for search: {n} (see: qabot stats)")
            print(message.format(n=lag.pending), file=sys.stderr)


def _bar(args: argparse.Namespace) -> bool:
    return bool(args.progress or sys.stderr.isatty())


STATUSES = {"added": N_("added"), "duplicate": N_("duplicate"), "failed": N_("failed")}


def describe(outcome: AddOutcome, t: Translations) -> str:
    """One line of ``qabot add``'s report: the status (in a column as wide as the longest
    status word in the reader's language), the input's name, then what became of it."""
    from bot.render import failure_reason

    width = max(len(t.gettext(s)) for s in STATUSES.values())
    status = t.gettext(STATUSES[outcome.status]).ljust(width)
    a = outcome.article
    if outcome.error is not None or a is None:
        return f"{status} {outcome.name}: {failure_reason(outcome, t, shell=True)}"
    if outcome.duplicate:
        what = t.gettext("already have this as #{id} {title}")
        return f"{status} {outcome.name}: " + what.format(id=a.id, title=repr(a.title))
    what = t.ngettext("#{id} {title} ({n} passage)", "#{id} {title} ({n} passages)", a.passages)
    return f"{status} {outcome.name}: " + what.format(id=a.id, title=repr(a.title), n=a.passages)


async def cmd_list(engine: Engine, args: argparse.Namespace) -> int:
    t: Translations = args.t
    articles = await engine.list_articles(args.limit)
    if args.json:
        keys = ("id", "title", "url", "published", "passages", "added_at")
        _print_json([{k: getattr(a, k) for k in keys} for a in articles])
        return 0
    if not articles:
        print(t.gettext("No articles yet. Add some with: qabot add PATH|URL"))
    for a in articles:
        passages = t.ngettext("{n} passage", "{n} passages", a.passages).format(n=a.passages)
        print(f"#{a.id:<5} {a.title}  ({passages}, {a.published or a.added_at[:10]})")
    return 0


async def cmd_show(engine: Engine, args: argparse.Namespace) -> int:
    t: Translations = args.t
    a = await engine.get(args.id)
    if a is None:
        return _no_article(args.id, t)
    print(f"#{a.id} {a.title}")
    labels = (N_("url: {value}"), N_("source: {value}"), N_("published: {value}"))
    for label, value in zip(labels, (a.url, a.source, a.published), strict=True):
        if value:
            print(t.gettext(label).format(value=value))
    print(
        t.gettext("added: {at} by {who}; {counts}").format(
            at=a.added_at, who=a.added_by, counts=_counts(t, a.passages, a.sentences)
        )
    )
    print()
    print(a.text)
    return 0


async def cmd_remove(engine: Engine, args: argparse.Namespace) -> int:
    t: Translations = args.t
    a = await engine.remove(args.id)
    if a is None:
        return _no_article(args.id, t)
    print(t.gettext("removed #{id} {title}").format(id=a.id, title=repr(a.title)))
    return 0


async def cmd_stats(engine: Engine, args: argparse.Namespace) -> int:
    stats = await engine.stats()
    lag = await engine.index_lag()  # the scale-out mode's: how far Solr is behind
    if args.json:
        more: dict[str, Any] = {}
        if lag is not None:
            more = {"location": engine.location, "index_lag": asdict(lag)}
        _print_json({**asdict(stats), **more})
    else:
        t: Translations = args.t
        articles = t.ngettext("{n} article", "{n} articles", stats.articles)
        counts = [articles.format(n=stats.articles), _counts(t, stats.passages, stats.sentences)]
        size = f"{stats.db_bytes / 1e6:.1f}"
        print(
            t.gettext("{counts}, {size} MB in {path}").format(
                counts=t.gettext(", ").join(counts), size=size, path=engine.location
            )
        )
        if lag is not None:
            line = t.gettext(
                "search index: {pending} waiting, {claimed} being indexed, the oldest for {age} s"
            )
            print(
                line.format(
                    pending=lag.pending, claimed=lag.claimed, age=f"{lag.oldest_seconds:.0f}"
                )
            )
    return 0


def _counts(t: Translations, passages: int, sentences: int) -> str:
    """ "3 passages, 12 sentences" in ``t``'s language and plurals."""
    return t.gettext(", ").join(
        (
            t.ngettext("{n} passage", "{n} passages", passages).format(n=passages),
            t.ngettext("{n} sentence", "{n} sentences", sentences).format(n=sentences),
        )
    )


async def cmd_search(engine: Engine, args: argparse.Namespace) -> int:
    hits = await engine.search(args.query, args.k, args.article)
    if args.json:
        keys = ("passage_id", "article_id", "title", "score", "text")
        _print_json(
            {"query": args.query, "results": [{k: getattr(h, k) for k in keys} for h in hits]}
        )
        return 0
    t: Translations = args.t
    if not hits:
        print(t.gettext("No passage matches."))
    for h in hits:
        passage = t.gettext("passage {id}").format(id=h.passage_id)
        print(f"{h.score:7.3f}  #{h.article_id} {h.title} ({passage})")
        print(f"         {h.text[:200]}{'…' if len(h.text) > 200 else ''}")
    return 0


async def cmd_reindex(engine: Engine, args: argparse.Namespace) -> int:
    engine.retriever.progress = True
    await engine.reindex()
    n = len(engine.retriever.index)
    print(args.t.ngettext("reindexed {n} passage", "reindexed {n} passages", n).format(n=n))
    return 0


async def cmd_ask(engine: Engine, args: argparse.Namespace) -> int:
    from bot.render import render_text
    from index.search.languages import speaking

    t: Translations = args.t
    with speaking(locale_tag()):  # a question too short to tell is in the locale's language
        answer = await engine.ask(args.question)
    if args.json:
        _print_json(answer_json(answer, t))
    else:
        print(render_text(answer, sys.stdout.isatty(), t.gettext(ADD_HINT), t))
    return 0


ADD_HINT = N_("Add some with: qabot add PATH|URL")


def answer_json(answer: Answer, t: Translations | None = None) -> dict[str, Any]:
    """The ``--json`` form of an answer: ``verdict`` is sure, closest or none; ``sentences``
    are the quotes (a sure answer's, or the closest ones); ``message`` says, in ``t``'s
    language, why there is no answer when there was nothing to ask or no article to answer
    from."""
    from bot.i18n import translation
    from bot.render import nothing_to_answer

    t = t or translation("en")
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
        "message": nothing_to_answer(answer, t.gettext(ADD_HINT), t),
    }


def _no_article(article_id: int, t: Translations) -> int:
    message = t.gettext("no article #{id} (see: qabot list)").format(id=article_id)
    print(t.gettext("error: {message}").format(message=message), file=sys.stderr)
    return 1


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    sys.exit(main())
