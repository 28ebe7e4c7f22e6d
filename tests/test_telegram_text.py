"""Telegram message lengths, HTML splitting and escaping, and the bot's settings."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from botapi import parse_html

from bot.render import (
    QUOTE_CHARS,
    more_html,
    public_source,
    render_html,
    render_text,
    safe_url,
    source_text,
    sources_html,
)
from bot.settings import Redact, Settings, SettingsError
from bot.telegram_state import QuestionLimiter
from bot.telegram_text import (
    MAX_PARTS,
    command_rest,
    escape,
    message_parts,
    plain_text,
    split_html,
    utf16_len,
    visible_len,
)
from index.models import Answer, Quote, Source

TOKEN = "123456:" + "A" * 35


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings' errors in English, whatever the locale of whoever runs the tests."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


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
    (tmp_path / "bad.toml").write_text("token = ")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings.from_env(tmp_path / "bad.toml", env={})


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a?b=1&c=2#d",
        "http://127.0.0.1:8080/x",
        "HTTPS://Example.org",
        "https://user@example.org/ü",
    ],
)
def test_an_http_url_with_a_host_may_be_a_link(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "javascript:alert(1)",
        "JavaScript://example.org/%0aalert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "https://",
        "https:///path",
        "//example.org/x",
        "https://example.org/a b",
        'https://example.org/"onmouseover="x',
        "https://example.org/'x",
        "https://example.org/<b>",
        "https://example.org/\x00",
        "https://example.org/\n",
        "https://example.org/\u202egnp.exe",
        "https://[::1/x",
        "https://example.org:port/",
        "https://example.org/" + "a" * 3000,
    ],
)
def test_anything_else_is_not_a_link(url: str | None) -> None:
    assert safe_url(url) is None


def test_a_file_path_is_shown_to_chat_users_as_its_file_name() -> None:
    assert public_source("/home/admin/drafts/x.txt") == "x.txt"
    assert public_source("C:\\Users\\admin\\x.md") == "x.md"
    assert public_source("https://example.org/a/b.html") == "https://example.org/a/b.html"
    assert public_source("Example News") == "Example News"
    assert public_source("/") is None
    assert public_source(None) is None


def source(n: int = 1, article_id: int = 1, **kw: str | None) -> Source:
    fields: dict[str, str | None] = {"title": "T", "url": None, "published": None, "source": None}
    fields.update(kw)
    return Source(n, article_id, **fields)  # type: ignore[arg-type]


def answered(*sources: Source, quotes: tuple[Quote, ...] = ()) -> Answer:
    quotes = quotes or (Quote("A sentence.", 1, sources[0].article_id, 1, 0, 1.0),)
    return Answer("Q?", True, 1.0, None, quotes, sources)


def test_telegram_replies_never_show_a_server_path() -> None:
    path = "/home/admin/drafts/x.txt"
    ans = answered(source(source=path), source(2, 2, url="https://e.org/y", source=path))
    for html_text in (render_html(ans), sources_html(ans), more_html(ans)):
        assert "/home/admin" not in html_text
    assert "[1] T · x.txt" in parse_html(render_html(ans))
    assert "x.txt" in parse_html(sources_html(ans)).splitlines()[2]


def test_the_terminal_keeps_the_full_path() -> None:
    assert source_text(source(source="/home/admin/drafts/x.txt")) == (
        "[1] T · /home/admin/drafts/x.txt"
    )


def test_a_javascript_url_is_never_a_link() -> None:
    ans = answered(source(url="javascript:alert(1)", source="x.md"))
    for html_text in (render_html(ans), sources_html(ans)):
        assert "href" not in html_text
        assert "javascript" not in html_text
    assert "[1] T · x.md" in parse_html(render_html(ans))
    assert source_text(ans.sources[0]) == "[1] T · x.md"
    assert "javascript" not in render_text(ans)


def test_more_on_a_declined_answer_cites_its_quotes_by_the_answers_sources() -> None:
    sources = (source(1, 10, title="Otters"), source(2, 20, title="Seals"))
    more = (
        Quote("Seals bark.", 0, 20, 5, 0, 0.5),
        Quote("Otters float.", 0, 10, 6, 0, 0.4),
        Quote("Whales sing.", 0, 30, 7, 0, 0.3),
        Quote("Gone.", 0, 40, 8, 0, 0.2),
    )
    declined = Answer("Q?", False, 0.1, None, (), sources, more=more)
    text = parse_html(more_html(declined, [source(0, 30, title="Whales")]))
    assert "[0]" not in text
    assert text.split("\n\n")[:3] == ["Seals bark. [2]", "Otters float. [1]", "Whales sing. [3]"]
    assert text.splitlines()[-3:] == ["[1] Otters", "[2] Seals", "[3] Whales"]
    assert "Gone." not in text  # its article is unknown (removed): no quote without a source


def test_more_with_no_quote_left_says_so() -> None:
    declined = Answer("Q?", False, 0.1, None, (), (), more=(Quote("Gone.", 0, 40, 8, 0, 0.2),))
    assert "Nothing more" in more_html(declined)


def test_an_over_long_quote_is_cut_with_an_ellipsis() -> None:
    long = Quote("word " * 1000, 1, 1, 1, 0, 1.0, highlight=(4000, 4005))
    text = parse_html(render_html(answered(source(), quotes=(long,))))
    first = text.splitlines()[0]
    assert first.endswith("… [1]")
    assert len(first) <= QUOTE_CHARS + len(" [1]")


def test_a_reply_takes_at_most_max_parts_messages_ending_in_an_ellipsis() -> None:
    parts = message_parts("<b>" + "x &amp; y " * 10_000 + "</b>")
    assert len(parts) == MAX_PARTS
    for part in parts:
        assert utf16_len(parse_html(part)) <= 4096
    assert parse_html(parts[-1]).endswith("\n…")
    assert message_parts("short") == ["short"]


def test_the_webhook_secret_comes_from_the_environment_or_the_config_file(
    tmp_path: Path,
) -> None:
    config = tmp_path / "qabot.toml"
    config.write_text(f'token = "{TOKEN}"\nsecret_token = "from-file"\n')
    assert Settings.from_env(config, env={}).secret_token == "from-file"
    env = {"TELEGRAM_WEBHOOK_SECRET": "from-env"}
    settings = Settings.from_env(config, env=env)
    assert settings.secret_token == "from-env"
    assert "from-env" not in repr(settings)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings.from_env(config, env={"TELEGRAM_WEBHOOK_SECRET": "has spaces"})


def test_a_webhook_without_a_secret_is_refused() -> None:
    settings = Settings(token=TOKEN).with_options(webhook_url="https://b.example/h")
    with pytest.raises(SettingsError, match="a webhook needs a secret"):
        settings.checked()
    assert (
        Settings(token=TOKEN, secret_token="s")
        .with_options(webhook_url="https://b.example/h")
        .checked()
    )


def test_logs_are_stripped_of_the_token_and_the_secret() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact([TOKEN, "s3cret", None]))
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("HTTP Request: POST http://h/bot%s/getMe with %s", TOKEN, "s3cret")
        try:
            raise ValueError(f"bad URL /bot{TOKEN}/x")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert TOKEN not in out and "s3cret" not in out
    assert "/bot[redacted]/getMe" in out
    assert "ValueError: bad URL /bot[redacted]/x" in out
