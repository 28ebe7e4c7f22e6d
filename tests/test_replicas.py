"""Several bot replicas on one PostgreSQL and one SolrCloud, behind nginx (issue 28).

The answers the bot remembers for its buttons are kept in PostgreSQL in the scale-out mode
(``bot.answer_memory``), so "More" and "Sources" work whichever replica the press reaches.

The end-to-end test runs two ``qabot serve --webhook-url … --listen …`` processes behind an
unprivileged nginx (``cluster/nginx/qabot.conf``); the fake Bot API server delivers updates by
POSTing them to nginx, as Telegram does to a webhook. It needs the local cluster
(``eval "$(scripts/local-cluster start)"``) and an nginx binary (Debian: ``apt-get install -y
nginx-light``); without either it skips, unless QABOT_CLUSTER_REQUIRED=1, when it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from botapi import TOKEN, Delivery, FakeBotApi, Sent
from test_scale_out import (
    ADMIN,
    ENGLISH,
    FERRY_Q,
    LATE,
    LATE_Q,
    REQUIRED,
    ROOT,
    Scale,
    cluster,
    scale,  # noqa: F401 - the fixture
)

from bot.answer_memory import LocalAnswers, SharedAnswers, answer_from_json, answer_json
from bot.engine import Engine, EngineSettings
from bot.settings import Settings
from bot.telegram import build_application
from bot.telegram_state import App
from corpus.postgres.errors import StoreUnavailable
from index.models import Answer, Quote, Source

TEMPLATE = ROOT / "cluster" / "nginx" / "qabot.conf"
SECRET = "replica-test-" + uuid.uuid4().hex
WEBHOOK_URL = "https://bot.example.org/telegram"


def an_answer(question: str = "When?") -> Answer:
    quote = Quote("It opened in May.", 1, 3, 30, 0, 2.5, (13, 16))
    more = Quote("Crowds came.", 1, 3, 31, 1, float("-inf"))
    return Answer(
        question,
        True,
        0.9,
        "May",
        (quote,),
        (Source(1, 3, "Opening", "https://example.org/o", "2025-05-01", "news"),),
        (more,),
        12.5,
        (30, 31),
        "sure",
        40,
    )


def test_an_answer_survives_its_json() -> None:
    answer = an_answer()
    assert answer_from_json(answer_json(answer)) == answer
    declined = Answer("Why?", False, 0.1, None, (), (), verdict="none")
    assert answer_from_json(answer_json(declined)) == declined


async def test_local_answers_keep_the_latest() -> None:
    memory = LocalAnswers(keep=2)
    keys = [await memory.remember(chat, an_answer(f"q{chat}")) for chat in (1, 2, 3)]
    assert await memory.get(keys[0]) is None  # the oldest is forgotten
    assert (await memory.get(keys[2])) == an_answer("q3")
    assert (await memory.last(2)) == an_answer("q2")


# -- the database's memory, shared by replicas -------------------------------------------------


@cluster
async def test_an_answer_kept_by_one_replica_is_read_by_another(scale: Scale) -> None:  # noqa: F811
    from corpus.postgres import PostgresStore

    async with (
        await PostgresStore.open(scale.db) as one,
        await PostgresStore.open(scale.db) as other,
    ):
        first, second = SharedAnswers(one), SharedAnswers(other)
        key = await first.remember(5, an_answer("first"))
        later = await second.remember(5, an_answer("second"))
        assert later != key  # keys are unique across replicas
        assert await second.get(key) == an_answer("first")
        assert await first.last(5) == an_answer("second")
        assert await first.last(6) is None and await first.get(later + 100) is None
        brief = SharedAnswers(one, keep_seconds=0.2)
        gone = await brief.remember(6, an_answer("brief"))
        await asyncio.sleep(0.5)
        assert await second.get(gone) is None and await second.last(6) is None


class FakeSharedStore:
    """The database's side of ``SharedAnswers``, in memory: JSON strings, as stored."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[int, str]] = {}
        self.down = False

    async def remember_answer(self, chat_id: int, answer: str, keep_seconds: float) -> int:
        if self.down:
            raise StoreUnavailable("the article database at test does not answer")
        key = len(self.rows) + 1
        self.rows[key] = (chat_id, answer)
        return key

    async def remembered_answer(self, key: int) -> str | None:
        row = self.rows.get(key)
        return None if row is None else row[1]

    async def last_remembered_answer(self, chat_id: int) -> str | None:
        mine = [key for key, (chat, _) in self.rows.items() if chat == chat_id]
        return self.rows[max(mine)][1] if mine else None


async def test_bots_sharing_answers_serve_each_others_buttons(tmp_path: Path) -> None:
    """Two bots (as two replicas) with one shared answer memory, each behind its own webhook:
    "More" and /sources on an answer one gave are served by the other; with the memory's
    database away, an answer goes out without buttons. No cluster needed."""
    shared = FakeSharedStore()
    engine = await Engine.open(tmp_path / "qabot.db", EngineSettings.from_env())
    api = FakeBotApi(secret_token=SECRET)
    await api.start()
    apps: list[App] = []
    ports = [free_port(), free_port()]
    try:
        assert (await engine.add_text(LATE, "test")).status == "added"
        for port in ports:
            settings = Settings(
                token=TOKEN,
                admins=frozenset({ADMIN}),
                bot_api_url=api.url,
                webhook_url=WEBHOOK_URL,
                listen=("127.0.0.1", port),
                secret_token=SECRET,
            )
            app = build_application(settings, engine)
            assert isinstance(app.bot_data["qabot"].memory, LocalAnswers)  # SQLite: its own
            app.bot_data["qabot"].memory = SharedAnswers(shared)
            await app.initialize()
            apps.append(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="telegram",
                webhook_url=WEBHOOK_URL,
                secret_token=SECRET,
            )
        urls = [f"http://127.0.0.1:{p}/telegram" for p in ports]
        api.deliver_to = urls[0]
        answer, _ = await say(api, 8, LATE_Q)
        assert "first of May" in answer.plain
        keys = buttons(answer)
        replies = []
        for url in urls:
            api.deliver_to = url
            sent, _ = await press(api, answer, keys["More"])
            replies.append(sent.plain)
        assert replies[0] == replies[1] and "glassblowers" in replies[0]
        sources, _ = await say(api, 8, "/sources")  # to the second bot
        assert "Glassworks reopens" in sources.plain
        shared.down = True
        unbuttoned, _ = await say(api, 9, LATE_Q)
        assert "first of May" in unbuttoned.plain and not buttons(unbuttoned)
    finally:
        for app in apps:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        await api.stop()
        await engine.close()


# -- two replicas behind nginx --------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        message = "no nginx binary (Debian: apt-get install -y nginx-light)"
        if REQUIRED:
            pytest.fail(f"QABOT_CLUSTER_REQUIRED is set but there is {message}", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def nginx_config(prefix: Path, listen: int, replicas: list[int]) -> Path:
    servers = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in replicas)
    text = (
        TEMPLATE.read_text()
        .replace("@PREFIX@", str(prefix))
        .replace("@LISTEN@", f"127.0.0.1:{listen}")
        .replace("@REPLICAS@", servers)
    )
    assert "@" not in text.replace("$remote_addr", "")  # every placeholder replaced
    config = prefix / "qabot.conf"
    config.write_text(text)
    return config


def start(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, ended as one
        )


def end(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a process started by ``start`` (SIGTERM, then SIGKILL), with its group."""
    if process.poll() is None:
        with_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    with_group(process, signal.SIGKILL)
    process.wait(timeout)


def with_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


async def listening(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Wait until something accepts connections on the port; fail if the process ends."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"{process.args!r} ended ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"nothing listens on {port} after {timeout} s:\n{log.read_text()[-3000:]}"
                )
            await asyncio.sleep(0.3)


def replied_to(message_id: int, start: int) -> Callable[[list[Sent]], Sent | None]:
    def found(calls: list[Sent]) -> Sent | None:
        for c in calls[start:]:
            params = c.params.get("reply_parameters") or {}
            if c.method == "sendMessage" and params.get("message_id") == message_id:
                return c
        return None

    return found


async def say(
    api: FakeBotApi, chat_id: int, text: str, timeout: float = 60
) -> tuple[Sent, Delivery]:
    """Send a message through the webhook; the bot's first reply and the delivery."""
    start = len(api.calls)
    message = api.message(chat_id, text)
    delivery = await api.wait_delivered(api.last_update_id, timeout)
    assert delivery.ok, delivery
    sent: Sent = await api.wait_for(replied_to(message["message_id"], start), timeout)
    return sent, delivery


async def press(
    api: FakeBotApi, answer: Sent, data: str, timeout: float = 60
) -> tuple[Sent, Delivery]:
    """Press a button of an answer through the webhook; the bot's reply and the delivery."""
    start = len(api.calls)
    update_id = api.callback(answer.result, data, user_id=answer.chat_id or 0)
    delivery = await api.wait_delivered(update_id, timeout)
    assert delivery.ok, delivery
    reply = replied_to(answer.result["message_id"], start)

    def reply_or_refusal(calls: list[Sent]) -> Sent | None:
        refused = (c for c in calls[start:] if c.method == "answerCallbackQuery")
        return reply(calls) or next((c for c in refused if c.params.get("text")), None)

    sent: Sent = await api.wait_for(reply_or_refusal, timeout)
    assert sent.method == "sendMessage", sent.params  # not "That answer is too old…"
    return sent, delivery


def replica(delivery: Delivery) -> str:
    """The replica that took the update (after a failover nginx lists each one it tried)."""
    assert delivery.replica, delivery
    return delivery.replica.split(",")[-1].strip()


def buttons(sent: Sent) -> dict[str, str]:
    markup = sent.params.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


@cluster
async def test_two_replicas_behind_nginx_serve_one_bot(scale: Scale, tmp_path: Path) -> None:  # noqa: F811
    nginx = nginx_binary()
    added = scale.qabot("add", str(scale.folder))
    assert added.returncode == 0, added.stderr
    env = {
        **os.environ,
        **ENGLISH,
        **scale.env,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "QABOT_ADMINS": str(ADMIN),
        "QABOT_QUESTIONS_PER_MINUTE": "100",
    }
    api = FakeBotApi(secret_token=SECRET)
    await api.start()
    env["TELEGRAM_BOT_API_URL"] = api.url
    ports = [free_port(), free_port()]
    names = [f"127.0.0.1:{p}" for p in ports]
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"replica{n}.log" for n in (1, 2)]
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    try:
        for port, log in zip(ports, logs, strict=True):
            serve = ["serve", "--webhook-url", WEBHOOK_URL, "--listen", f"127.0.0.1:{port}"]
            processes.append(start([sys.executable, "-m", "bot.cli", *serve], log, env))
        lb_port = free_port()
        config = nginx_config(prefix, lb_port, ports)
        balancer = start(
            [nginx, "-p", str(prefix), "-c", str(config), "-g", "daemon off;"], prefix / "nginx.out"
        )
        processes.append(balancer)
        await listening(lb_port, balancer, prefix / "nginx.out", 30)
        for port, process, log in zip(ports, processes, logs, strict=False):
            await listening(port, process, log, 240)
        assert api.webhook is not None and api.webhook["url"] == WEBHOOK_URL
        api.deliver_to = f"http://127.0.0.1:{lb_port}/telegram"

        # nginx spreads the updates over both replicas, and each answers
        served = set()
        for _ in range(4):
            sent, delivery = await say(api, 7, FERRY_Q)
            assert "forty minutes" in sent.plain, sent.plain
            served.add(replica(delivery))
        assert served == set(names)

        # (a) an article an admin adds through one replica is answered by the other
        sent, delivery = await say(api, ADMIN, "/add " + LATE)
        assert sent.plain.startswith("Added #"), sent.plain
        adder = replica(delivery)
        added_at = time.monotonic()
        while True:
            answer, delivery = await say(api, 8, LATE_Q)
            if "first of May" in answer.plain and replica(delivery) != adder:
                break
            assert time.monotonic() - added_at < 10, "not answered by the other replica in 10 s"
        assert "Glassworks reopens" in answer.plain

        # (b) "More" and "Sources" on that answer, whichever replica the press reaches
        keys = buttons(answer)
        assert set(keys) == {"More", "Sources"}, keys
        for data, expected in ((keys["More"], "glassblowers"), (keys["Sources"], "Glassworks")):
            replies, by = set(), set()
            for _ in range(4):
                sent, delivery = await press(api, answer, data)
                replies.add(sent.plain)
                by.add(replica(delivery))
                if by == set(names):
                    break
            assert by == set(names), by
            assert len(replies) == 1, replies  # the same, from either replica
            assert expected in replies.pop()

        # (c) one replica killed: nginx passes its updates to the other, which keeps answering
        victim = processes[0]
        with_group(victim, signal.SIGKILL)
        victim.wait(20)
        for _ in range(4):
            sent, delivery = await say(api, 9, FERRY_Q)
            assert "forty minutes" in sent.plain, sent.plain
            assert replica(delivery) == names[1], delivery
        sent, delivery = await press(api, answer, keys["More"])  # kept by the database
        assert "glassblowers" in sent.plain and replica(delivery) == names[1]
        assert processes[1].poll() is None
    finally:
        await api.stop()
        for process in processes:
            end(process)
