"""Telegram message lengths, HTML splitting and escaping, and the bot's settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from botapi import parse_html

from bot.render import more_html, render_html, sources_html
from bot.settings import Settings, SettingsError
from bot.telegram_state import QuestionLimiter
from bot.telegram_text import (
    command_rest,
    escape,
    plain_text,
    split_html,
    truncate_text,
    utf16_len,
    visible_len,
)
from index.models import Answer, Quote, Source

TOKEN = "123456:" + "A" * 35


@pytest.mark.parametrize(
    ("text", "units"),
    [("", 0), ("abc", 3), ("é", 1), ("日本", 2), ("😀", 2), ("a😀b", 4), ("👍🏽", 4)],
)
def test_utf16_len_counts_as_telegram_does(text: str, units: int) -> None:
    assert utf16_len(text) == units == len(text.encode("utf-16-le")) // 2


def test_visible_len_is_after_entity_parsing() -> None:
    message = '<b>a &amp; b</b> <a href="https://x.org/?a=1&amp;b=2">link</a> &lt;i&gt; 😀'
    assert plain_text(message) == "a & b link <i> 😀"
    assert visible_len(message) == len("a & b link <i> ") + 2


def test_escape_covers_markup_and_quotes() -> None:
    assert escape("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#x27;"
    assert parse_html(escape("<b>&</b>")) == "<b>&</b>"


def test_a_short_message_is_not_split() -> None:
    assert split_html("<b>hello</b>") == ["<b>hello</b>"]


def check_parts(parts: list[str], limit: int) -> None:
    for part in parts:
        assert visible_len(part) <= limit
        parse_html(part)  # well formed, as the fake server (and Telegram) checks
        assert part == part.strip()


def test_split_prefers_paragraphs_then_lines() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 150 for i in range(12)]
    message = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_html(message)
    check_parts(parts, 4096)
    assert len(parts) > 1
    assert all(p.startswith("Paragraph") for p in parts)
    assert " ".join(plain_text(p) for p in parts).split() == plain_text(message).split()


def test_split_closes_and_reopens_tags() -> None:
    message = "<b>" + "bold words " * 1000 + '</b> <a href="https://x.org/?q=1&amp;r=2">a link</a>'
    parts = split_html(message, 4096)
    check_parts(parts, 4096)
    assert all(p.startswith("<b>") for p in parts[:2])
    assert parts[0].endswith("</b>")
    assert " ".join(plain_text(p) for p in parts).split() == plain_text(message).split()


def test_split_never_cuts_an_entity_or_a_surrogate_pair() -> None:
    message = ("&amp;😀" * 3000) + "x"
    parts = split_html(message, 100)
    check_parts(parts, 100)
    assert "".join(plain_text(p) for p in parts) == plain_text(message)


def test_split_a_long_word() -> None:
    parts = split_html("<i>" + "x" * 9000 + "</i>")
    check_parts(parts, 4096)
    assert [visible_len(p) for p in parts] == [4096, 4096, 808]


def test_truncate_text() -> None:
    assert truncate_text("short", 10) == "short"
    assert truncate_text("a" * 20, 10) == "a" * 9 + "…"
    assert utf16_len(truncate_text("😀" * 20, 10)) <= 10


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("/ask what is it?", "what is it?"),
        ("/ask@qabot_bot  what?", "what?"),
        ("/add Title\n\nBody line", "Title\n\nBody line"),
        ("/add\nTitle\n\nBody", "Title\n\nBody"),
        ("/add", ""),
    ],
)
def test_command_rest(text: str, rest: str) -> None:
    assert command_rest(text) == rest


def answer(quotes: int = 1, title: str = "T <b>&", url: str | None = None) -> Answer:
    source = Source(1, 1, title, url, "2024-01-01", "file.md")
    qs = tuple(Quote(f"Sentence {i} with <tags> & more.", 1, 1, 1, i, 1.0) for i in range(quotes))
    return Answer("Q <x>?", True, 1.0, None, qs, (source,), more=qs)


def test_a_very_long_answer_splits_into_valid_messages() -> None:
    text = render_html(answer(quotes=400, url="https://e.org/?a=1&b=2"))
    parts = split_html(text)
    check_parts(parts, 4096)
    assert len(parts) >= 3
    assert parts[-1].endswith('<a href="https://e.org/?a=1&amp;b=2">T &lt;b&gt;&amp;</a>')


def test_more_and_sources_are_escaped() -> None:
    assert parse_html(more_html(answer())).startswith("Sentence 0 with <tags> & more. [1]")
    src = parse_html(sources_html(answer(url="https://e.org/?a=1&b=2")))
    assert "Q <x>?" in src
    assert "[1] T <b>& · file.md · 2024-01-01 (#1)" in src


def test_question_limiter_slides() -> None:
    now = [0.0]
    limiter = QuestionLimiter(2, clock=lambda: now[0])
    assert limiter.check(1) == 0 and limiter.check(1) == 0
    assert limiter.check(1) == pytest.approx(60)
    assert limiter.check(2) == 0
    now[0] = 30
    assert limiter.check(1) == pytest.approx(30)
    now[0] = 60
    assert limiter.check(1) == 0


def test_settings_from_env_and_toml(tmp_path: Path) -> None:
    config = tmp_path / "qabot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nadmins = [1, 2]\nwebhook_url = "https://b.example/h"\n'
    )
    settings = Settings.from_env(config, env={"QABOT_ADMINS": "3, 4", "QABOT_DB": "/tmp/x.db"})
    assert settings.token == TOKEN
    assert settings.admins == {3, 4}
    assert settings.db == Path("/tmp/x.db")
    assert settings.webhook_url == "https://b.example/h"
    assert TOKEN not in repr(settings)
    assert Settings.from_env(config, env={}).admins == {1, 2}
    opts = settings.with_options(listen="0.0.0.0:8080", bot_api_url="http://127.0.0.1:8081/")
    assert opts.listen == ("0.0.0.0", 8080)
    assert opts.bot_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:abc"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "QABOT_ADMINS": "1,bob"}, "not 'bob'"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_API_URL": "ftp://x"}, "http://"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "QABOT_QUESTIONS_PER_MINUTE": "0"}, "positive"),
    ],
)
def test_settings_errors_say_what_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env=env)


def test_settings_bad_options(tmp_path: Path) -> None:
    settings = Settings.from_env(env={"TELEGRAM_BOT_TOKEN": TOKEN})
    with pytest.raises(SettingsError, match="HOST:PORT"):
        settings.with_options(listen="8443")
    with pytest.raises(SettingsError, match="secret token"):
        settings.with_options(secret_token="has spaces")
    (tmp_path / "bad.toml").write_text("token = ")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings.from_env(tmp_path / "bad.toml", env={})
