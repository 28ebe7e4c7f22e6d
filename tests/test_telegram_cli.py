"""``qabot serve`` as a process: answers through a Bot API at --bot-api-url, stops cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from botapi import TOKEN, FakeBotApi, Sent

from bot.engine import Engine

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 60.0  # seconds for the process to import everything and answer


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "qabot.db"
    async with await Engine.open(path) as engine:
        record = {
            "title": "Sea otters",
            "url": "https://example.org/otters",
            "text": "Sea otters use rocks as tools to crack open shellfish. "
            "They live along the coasts of the North Pacific Ocean.",
        }
        await engine.add_bytes("seed.jsonl", json.dumps(record).encode(), "test")
    return path


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


async def serve(
    db: Path, *args: str, token: str | None = TOKEN, **more_env: str
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QABOT_"))}
    env |= {"QABOT_DB": str(db), "QABOT_ADMINS": "42", "PYTHONUNBUFFERED": "1"}
    env |= {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", **more_env}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(proc: asyncio.subprocess.Process, sig: int | None = None) -> tuple[int, str]:
    """Signal the process (if ``sig``), wait for it, return its exit code and stderr."""
    if sig is not None:
        proc.send_signal(sig)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, err.decode()


async def logged(proc: asyncio.subprocess.Process, text: str) -> None:
    """Wait until the process logs a line containing ``text``."""
    assert proc.stderr is not None
    while line := await proc.stderr.readline():
        if text in line.decode():
            return
    raise AssertionError(f"the process ended without logging {text!r}")


async def answered(api: FakeBotApi, chat_id: int) -> Sent:
    api.message(chat_id, "What do sea otters use to crack open shellfish?")
    sent: list[Sent] = await api.wait_sent(chat_id, timeout=STARTUP)
    return sent[0]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_serve_answers_then_stops_cleanly_on_a_signal(
    api: FakeBotApi, db: Path, sig: int
) -> None:
    proc = await serve(db, "--bot-api-url", api.url)
    try:
        reply = await answered(api, 201)
    except BaseException:
        proc.kill()
        raise
    assert "rocks as tools" in reply.plain
    assert '<a href="https://example.org/otters">Sea otters</a>' in reply.text
    code, err = await finish(proc, sig)
    assert code == 0, err
    assert "Traceback" not in err
    assert TOKEN not in err
    assert api.sent("setMyCommands")


async def test_serve_by_webhook(api: FakeBotApi, db: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = f"http://127.0.0.1:{port}/hook"
    proc = await serve(
        db, "--bot-api-url", api.url, "--webhook-url", hook, "--listen", f"127.0.0.1:{port}",
        TELEGRAM_WEBHOOK_SECRET="s3cret",
    )  # fmt: skip
    try:
        await asyncio.wait_for(logged(proc, "answering by webhook"), STARTUP)
        assert api.webhook is not None
        assert api.webhook["url"] == hook
        assert api.webhook["secret_token"] == "s3cret"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1, "date": 0, "text": "What do sea otters use as tools?",
                "chat": {"id": 202, "type": "private"},
                "from": {"id": 202, "is_bot": False, "first_name": "U"},
            },
        }  # fmt: skip
        async with aiohttp.ClientSession() as session:
            headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with session.post(hook, json=update, headers=headers) as r:
                assert r.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            async with session.post(hook, json=update, headers=headers) as r:
                assert r.status == 200
        reply = (await api.wait_sent(202, timeout=STARTUP))[0]
        assert "rocks as tools" in reply.plain
    finally:
        code, err = await finish(proc, signal.SIGTERM)
    assert code == 0, err


async def test_verbose_logs_never_show_the_token(api: FakeBotApi, db: Path) -> None:
    proc = await serve(db, "--bot-api-url", api.url, "--verbose")
    try:
        reply = await answered(api, 203)
    except BaseException:
        proc.kill()
        raise
    assert "rocks as tools" in reply.plain
    code, err = await finish(proc, signal.SIGTERM)
    assert code == 0, err
    assert "question in chat 203" in err  # verbose indeed
    assert TOKEN not in err


async def test_a_webhook_without_a_secret_is_refused(api: FakeBotApi, db: Path) -> None:
    hook = "https://bot.example.org/hook"
    code, err = await finish(await serve(db, "--bot-api-url", api.url, "--webhook-url", hook))
    assert code == 2
    assert err.startswith("error: a webhook needs a secret: set TELEGRAM_WEBHOOK_SECRET")
    assert api.webhook is None


async def test_a_secret_on_the_command_line_is_refused(api: FakeBotApi, db: Path) -> None:
    code, err = await finish(
        await serve(db, "--bot-api-url", api.url, "--secret-token", "s3cret"),
    )
    assert code == 2
    assert "--secret-token is not accepted" in err
    assert "TELEGRAM_WEBHOOK_SECRET" in err
    assert not api.calls


async def test_a_configuration_error_is_told_in_the_locales_language(db: Path) -> None:
    code, err = await finish(await serve(db, token=None, LANG="ru_RU.UTF-8"))
    assert code == 2
    assert err.startswith("ошибка: TELEGRAM_BOT_TOKEN не задан: создайте бота через @BotFather")


@pytest.mark.parametrize("token", [None, "", "12345", "abc:" + "x" * 40, "123:short"])
async def test_a_missing_or_malformed_token_is_a_clear_error(db: Path, token: str | None) -> None:
    code, err = await finish(await serve(db, "--bot-api-url", "http://127.0.0.1:9", token=token))
    assert code == 2
    assert err.startswith("error: TELEGRAM_BOT_TOKEN is ")
    assert len(err.strip().splitlines()) == 1
    if token:
        assert token not in err


async def test_a_token_the_server_rejects_is_a_clear_error(api: FakeBotApi, db: Path) -> None:
    wrong = "654321:" + "B" * 35
    code, err = await finish(await serve(db, "--bot-api-url", api.url, token=wrong))
    assert code == 2
    assert "rejected the bot token" in err
    assert "Traceback" not in err
    assert wrong not in err
