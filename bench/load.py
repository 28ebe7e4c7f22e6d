"""Load benchmark: the real Telegram bot answering a steady stream of questions while an
admin adds articles, against the local fake Bot API server, as one JSON object.

    python -m bench.load --db ~/.cache/qabot/load-100k.db [--passages 100000] [--chats 20]
        [--rate 4] [--seconds 30] [--admin-every 5] [--find-rate [--rates 2,4,8,16,32]]

The collection (about ``--passages`` passages of ~120 words) recombines the sentences of
``../shared/eval`` SQuAD articles into articles of ~``--article-words`` words, seeded, or
uses seeded synthetic text when that data is absent (``--source synthetic`` forces it). It
is built once, in a subprocess (so that its memory is not this process's), into ``--db``
when given and reused on later runs; the run itself works on a copy in a temporary
directory, so the cache never changes. Without ``--db`` it is built in the temporary
directory and thrown away.

The run starts the fake server of ``tests/botapi.py`` (in its own thread and event loop,
with the question and admin schedule) and the bot of ``bot.telegram.build_application`` in
the main loop, as ``qabot serve`` runs it, with the per-user question limit and (unless
``--flood-rate`` is given) Telegram's flood limit lifted. ``--chats`` private chats ask
``--rate`` questions per second in all, round robin, for ``--seconds``; the admin adds an
article every ``--admin-every`` seconds, alternating ``/add`` with pasted text and an
uploaded .txt document. Then it waits up to ``--drain`` seconds for what is missing.

Reported: replies/s (replies received while asking, per second) against the rate offered,
p50/p95/p99 reply latency (question pushed to the server -> the bot's reply, the first
``sendMessage`` replying to it, received by the server), messages lost (questions with no
reply after the drain), adds completed (and failed, with their messages), errors (logged by
the bot or returned by the server, by message and count) and the peak RSS of this process
(``ru_maxrss``: the bot, the fake server and the driver). ``--find-rate`` steps the rate up
and reports the highest rate whose p95 stayed under ``--p95-limit-ms`` with nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import logging
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.engine import Engine
from bot.settings import Settings
from bot.telegram import build_application
from tests.botapi import TOKEN, FakeBotApi, Sent

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
ADMIN = 42
FIRST_CHAT = 100_000
BATCH_ARTICLES = 500
PASTE_CHARS = 3900  # a pasted /add must fit in one Telegram message (4,096)
DOC_WORDS = 1500
log = logging.getLogger("bench.load")


# --- text: SQuAD sentences recombined, or synthetic -------------------------------------


@dataclass(frozen=True)
class Text:
    sentences: list[str]
    questions: list[str]
    note: str


def load_text(source: str, eval_dir: Path, seed: int) -> Text:
    if source == "squad" or (source == "auto" and eval_dir.is_dir()):
        from bench.retrieval import eval_questions, eval_sentences

        sentences = eval_sentences(eval_dir)
        questions = eval_questions(eval_dir, 5000, seed)
        return Text(sentences, questions, f"SQuAD sentences of {eval_dir}, recombined (seeded)")
    return synthetic_text(seed)


def synthetic_text(seed: int, sentences: int = 20_000, questions: int = 2000) -> Text:
    """Sentences of made-up words drawn with Zipf-like weights; questions from their words."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
    vocab = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(6000)})
    rng.shuffle(vocab)
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocab))]
    cum = list(itertools.accumulate(weights))
    out = []
    for _ in range(sentences):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(6, 24))
        out.append(" ".join([words[0].capitalize(), *words[1:]]) + ".")
    asked = []
    for _ in range(questions):
        words = rng.choice(out).rstrip(".").split()
        start = rng.randint(0, max(0, len(words) - 5))
        asked.append("What about " + " ".join(w.lower() for w in words[start : start + 5]) + "?")
    return Text(out, asked, f"synthetic sentences (seed {seed}) of {len(vocab)} made-up words")


def article_text(rng: random.Random, sentences: Sequence[str], words: int) -> str:
    """Paragraphs of 3-6 random sentences, ~``words`` words in all."""
    paragraphs: list[str] = []
    count = 0
    while count < words:
        paragraph = [rng.choice(sentences) for _ in range(rng.randint(3, 6))]
        count += sum(len(s.split()) for s in paragraph)
        paragraphs.append(" ".join(paragraph))
    return "\n\n".join(paragraphs)


# --- building the collection (in a subprocess) -------------------------------------------


async def build(db: Path, passages: int, text: Text, seed: int, words: int) -> dict[str, Any]:
    """Add articles to ``db`` until it holds at least ``passages`` passages."""
    started = time.perf_counter()
    rng = random.Random(seed)
    async with await Engine.open(db) as engine:
        stats = await engine.stats()
        before = stats.passages
        per_article = max(1.0, words / 100)
        number = stats.articles
        with tempfile.TemporaryDirectory() as tmp:
            while stats.passages < passages:
                if stats.articles > 0:
                    per_article = max(1.0, stats.passages / stats.articles)
                count = min(BATCH_ARTICLES, int((passages - stats.passages) / per_article) + 1)
                path = Path(tmp) / f"batch{number}.jsonl"
                with open(path, "w") as f:
                    for _ in range(count):
                        number += 1
                        body = article_text(rng, text.sentences, words)
                        record = {"id": f"load-{seed}-{number}", "title": f"Article {number}"}
                        f.write(json.dumps({**record, "text": body}) + "\n")
                outcomes = await engine.add_source(str(path), "bench")
                failed = [o.error for o in outcomes if o.error]
                if failed:
                    raise SystemExit(f"build: {len(failed)} articles failed, e.g. {failed[0]}")
                path.unlink()
                stats = await engine.stats()
                print(f"build: {stats.passages} passages", file=sys.stderr, flush=True)
    return {
        "passages": stats.passages,
        "articles": stats.articles,
        "built_passages": stats.passages - before,
        "build_s": round(time.perf_counter() - started, 1),
        "db_mb": round(stats.db_bytes / 2**20, 1),
        "text": text.note,
    }


def build_in_subprocess(args: argparse.Namespace, db: Path) -> dict[str, Any]:
    cmd = [
        sys.executable, "-m", "bench.load", "--build-only", "--db", str(db),
        "--passages", str(args.passages), "--source", args.source, "--eval", str(args.eval),
        "--seed", str(args.seed), "--article-words", str(args.article_words),
    ]  # fmt: skip
    out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    sidecar(db).write_text(json.dumps(result))
    return result


def sidecar(db: Path) -> Path:
    return db.with_name(db.name + ".bench.json")


def copy_collection(db: Path, into: Path) -> Path:
    """Copy the database with its WAL and index files (all named after it)."""
    for path in db.parent.glob(db.name + "*"):
        target = into / path.name
        if path.is_dir():
            shutil.copytree(path, target, ignore=shutil.ignore_patterns("lock"))
        else:
            shutil.copy2(path, target)
    return into / db.name


# --- the fake server and the schedule, in their own thread ------------------------------


class ServerThread:
    """An event loop in a thread for the fake Bot API server and the driver."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-bot-api")

    def start(self) -> None:
        self.thread.start()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` in the server's loop and wait for it from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@dataclass
class Add:
    kind: str  # "text" or "document"
    pushed: float
    done: float | None = None
    outcome: str = ""


@dataclass
class Driver:
    """Pushes questions and admin adds at their times; matches the bot's replies to them."""

    api: FakeBotApi
    text: Text
    chats: int
    seed: int
    article_words: int
    asked: dict[int, float] = field(default_factory=dict)
    replied: dict[int, float] = field(default_factory=dict)
    not_found: set[int] = field(default_factory=set)
    adds: dict[int, Add] = field(default_factory=dict)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    lag: list[float] = field(default_factory=list)
    _scanned: int = 0
    _count: int = 0
    _adds: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed + 1)

    def ask(self) -> int:
        chat = FIRST_CHAT + self._count % self.chats
        self._count += 1
        message = self.api.message(chat, self.rng.choice(self.text.questions))
        self.asked[message["message_id"]] = time.monotonic()
        return int(message["message_id"])

    def add(self) -> int:
        self._adds += 1
        title = f"Load added {self.seed}-{self._adds}"
        if self._adds % 2:
            body = article_text(self.rng, self.text.sentences, PASTE_CHARS // 6)
            message = self.api.message(ADMIN, f"/add {title}\n\n{body}"[:PASTE_CHARS])
            kind = "text"
        else:
            body = article_text(self.rng, self.text.sentences, DOC_WORDS)
            document = self.api.add_file(f"added-{self._adds}.txt", f"{title}\n\n{body}".encode())
            message = self.api.message(ADMIN, document=document)
            kind = "document"
        self.adds[message["message_id"]] = Add(kind, time.monotonic())
        return int(message["message_id"])

    def scan(self) -> None:
        """Read the calls the server received since the last scan."""
        calls = self.api.calls
        for call in calls[self._scanned :]:
            self._match(call)
        self._scanned = len(calls)

    def _match(self, call: Sent) -> None:
        if call.method.endswith("!failed"):
            self.errors[f"server refused {call.method.removesuffix('!failed')}"] += 1
            return
        if call.method != "sendMessage":
            return
        text = call.plain
        if text.startswith("Sorry, something went wrong"):
            self.errors["the bot replied: Sorry, something went wrong"] += 1
        reply = call.params.get("reply_parameters") or {}
        to = reply.get("message_id") if isinstance(reply, dict) else None
        if to in self.asked:
            if to not in self.replied and text.startswith("I couldn't find"):
                self.not_found.add(to)
            self.replied.setdefault(to, call.at)
        elif to in self.adds:
            add = self.adds[to]
            if add.done is None and not text.startswith("Adding "):
                add.done, add.outcome = call.at, text
                if not text.startswith(("Added #", "Already have")):
                    self.errors[f"add: {text[:200]}"] += 1

    async def step(
        self, rate: float, seconds: float, admin_every: float, drain: float
    ) -> dict[str, Any]:
        """Ask at ``rate`` for ``seconds`` while adding; wait for the replies; measure."""
        first_q, first_add = len(self.asked), len(self.adds)
        errors_before = collections.Counter(self.errors)
        lag: list[float] = []
        start = time.monotonic()
        admin = asyncio.create_task(self._admin(start, seconds, admin_every))
        for i in range(int(rate * seconds)):
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            lag.append(time.monotonic() - due)
            self.ask()
            if i % 16 == 0:
                self.scan()
        await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
        await admin
        end = time.monotonic()
        questions = list(self.asked)[first_q:]
        added = list(self.adds)[first_add:]
        deadline = end + drain
        while time.monotonic() < deadline:
            self.scan()
            if all(q in self.replied for q in questions) and all(
                self.adds[a].done is not None for a in added
            ):
                break
            await asyncio.sleep(0.05)
        self.scan()
        times = sorted(
            1000 * (self.replied[q] - self.asked[q]) for q in questions if q in self.replied
        )
        in_window = sum(1 for q in questions if self.replied.get(q, end + 1) <= end)
        adds = [self.adds[a] for a in added]
        done = [a for a in adds if a.done is not None]
        ok = [a for a in done if a.outcome.startswith(("Added #", "Already have"))]
        add_ms = sorted(1000 * (a.done - a.pushed) for a in done if a.done is not None)
        return {
            "rate": rate,
            "seconds": seconds,
            "chats": self.chats,
            "questions": len(questions),
            "replies": len(times),
            "lost": len(questions) - len(times),
            "replies_not_found": sum(1 for q in questions if q in self.not_found),
            "offered_per_s": round(len(questions) / (end - start), 2),
            "replies_per_s": round(in_window / (end - start), 2),
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "p99_ms": percentile(times, 99),
            "max_ms": round(times[-1]) if times else None,
            "push_lag_max_ms": round(1000 * max(lag, default=0.0), 1),
            "adds_sent": len(adds),
            "adds_completed": len(ok),
            "adds_failed": len(done) - len(ok),
            "adds_unfinished": len(adds) - len(done),
            "add_p50_ms": percentile(add_ms, 50),
            "add_max_ms": round(add_ms[-1]) if add_ms else None,
            "errors": dict(self.errors - errors_before),
        }

    async def _admin(self, start: float, seconds: float, every: float) -> None:
        if every <= 0:
            return
        due = start + every / 2
        while due < start + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.add()
            due += every

    async def warm_up(self, timeout: float) -> None:
        """A few questions (not counted) so that lazy loading is out of the way."""
        ids = [self.ask() for _ in range(3)]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(i in self.replied for i in ids):
            await asyncio.sleep(0.05)
            self.scan()
        for i in ids:
            self.asked.pop(i, None)


def percentile(sorted_values: Sequence[float], p: float) -> int | None:
    """Nearest-rank percentile, in whole milliseconds."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * p // 100))
    return round(sorted_values[int(rank) - 1])


class ErrorLog(logging.Handler):
    """Counts the warnings and errors the bot and python-telegram-bot log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            e = record.exc_info[1]
            message = f"{message}: {type(e).__name__}: {e}{where(e)}"
        self.counts[f"{record.levelname} {record.name}: {message[:300]}"] += 1


def where(e: BaseException) -> str:
    """Where the project's own code raised ``e``: ' at FILE:LINE' (innermost), or ''."""
    found = ""
    for frame, line in traceback.walk_tb(e.__traceback__):
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(ROOT) and ".venv" not in path.parts:
            found = f" at {path.relative_to(ROOT)}:{line}"
    return found


# --- the run -----------------------------------------------------------------------------


async def run(db: Path, args: argparse.Namespace, text: Text, rates: list[float]) -> dict[str, Any]:
    server = ServerThread()
    server.start()
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    engine = await Engine.open(db)
    steps: list[dict[str, Any]] = []
    try:
        api = await server.run(start_api())
        driver = Driver(api, text, args.chats, args.seed, args.article_words)
        settings = Settings(
            token=TOKEN,
            admins=frozenset({ADMIN}),
            bot_api_url=api.url,
            questions_per_minute=10**6,
            flood_rate=args.flood_rate,
        )
        app = build_application(settings, engine)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                await server.run(driver.warm_up(60))
                for rate in rates:
                    logged = collections.Counter(errors.counts)
                    result = await server.run(
                        driver.step(rate, args.seconds, args.admin_every, args.drain)
                    )
                    result["errors"].update(errors.counts - logged)
                    result["peak_rss_mb"] = peak_rss_mb()
                    steps.append(result)
                    print(f"step: {json.dumps(result)}", file=sys.stderr, flush=True)
                    if not passed(result, args.p95_limit_ms):
                        break
            finally:
                await app.updater.stop()
                await app.stop()
        await server.run(api.stop())
    finally:
        await engine.close()
        server.stop()
        logging.getLogger().removeHandler(errors)
    stats_engine = await Engine.open(db)
    try:
        stats = await stats_engine.stats()
    finally:
        await stats_engine.close()
    return {"steps": steps, "passages_after": stats.passages, "articles_after": stats.articles}


async def start_api() -> FakeBotApi:
    return await FakeBotApi().start()


def passed(step: dict[str, Any], p95_limit_ms: float) -> bool:
    return step["lost"] == 0 and step["p95_ms"] is not None and step["p95_ms"] < p95_limit_ms


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--passages", type=int, default=100_000, help="collection size (default 100000)")
    p.add_argument("--db", type=Path, help="the collection cache: built if missing, then reused")
    p.add_argument("--chats", type=int, default=20, help="private chats asking (default 20)")
    p.add_argument("--rate", type=float, default=4.0, help="questions per second in all")
    p.add_argument("--seconds", type=float, default=30.0, help="how long to ask (per step)")
    p.add_argument("--admin-every", type=float, default=5.0, help="seconds between adds; 0: none")
    p.add_argument("--drain", type=float, default=30.0, help="seconds to wait for late replies")
    p.add_argument("--find-rate", action="store_true", help="step the rate up (see --rates)")
    p.add_argument("--rates", default="2,4,8,16,32", help="the rates --find-rate tries, in order")
    p.add_argument("--p95-limit-ms", type=float, default=1000.0, help="--find-rate's bound")
    p.add_argument(
        "--flood-rate",
        type=float,
        default=1000.0,
        help="the bot's overall messages/s limit (default 1000: lifted; Telegram's is 30)",
    )
    p.add_argument("--source", choices=("auto", "squad", "synthetic"), default="auto")
    p.add_argument("--eval", type=Path, default=EVAL, help="the SQuAD JSONL directory")
    p.add_argument("--article-words", type=int, default=1200, help="words per built article")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.ERROR)  # warnings are counted in the JSON, not printed
    text = load_text(args.source, args.eval, args.seed)
    if args.build_only:
        built = asyncio.run(build(args.db, args.passages, text, args.seed, args.article_words))
        print(json.dumps(built))
        return 0
    rates = [float(r) for r in args.rates.split(",")] if args.find_rate else [args.rate]
    with tempfile.TemporaryDirectory(prefix="qabot-load-") as tmp:
        if args.db is None:
            collection = build_in_subprocess(args, Path(tmp) / "load.db")
            db = Path(tmp) / "load.db"
        else:
            args.db = args.db.expanduser().resolve()
            cached = json.loads(sidecar(args.db).read_text()) if sidecar(args.db).exists() else {}
            if args.db.exists() and cached.get("passages", 0) >= args.passages:
                collection = {**cached, "reused": str(args.db)}
            else:
                collection = build_in_subprocess(args, args.db)
            (work := Path(tmp) / "work").mkdir()
            db = copy_collection(args.db, work)
        result = asyncio.run(run(db, args, text, rates))
    steps = result.pop("steps")
    report: dict[str, Any] = {
        "collection": {**collection, **result},
        "chats": args.chats,
        "admin_every_s": args.admin_every,
        "flood_rate": args.flood_rate,
    }
    if args.find_rate:
        good = [s["rate"] for s in steps if passed(s, args.p95_limit_ms)]
        report["max_rate_p95_under_limit"] = max(good, default=None)
        report["p95_limit_ms"] = args.p95_limit_ms
        report["steps"] = steps
        report["lost"] = sum(s["lost"] for s in steps)
    else:
        report.update(steps[0])
    report["peak_rss_mb"] = peak_rss_mb()
    report["notes"] = [
        "latency: question pushed to the fake server -> first sendMessage replying to it "
        "received by the server; replies_per_s: replies received while asking, per second; "
        "replies_not_found: replies saying the articles do not answer",
        "peak_rss_mb: ru_maxrss of this process (bot + fake server + driver; the "
        "collection is built in a subprocess)",
        f"{text.note}; questions: {len(text.questions)}",
    ]
    print(json.dumps(report, indent=2))
    return 0 if report["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
