"""The Telegram bot's settings: environment variables over an optional TOML file.

Environment: ``TELEGRAM_BOT_TOKEN`` (required), ``QABOT_ADMINS`` (comma-separated user ids),
``QABOT_DB``, ``TELEGRAM_BOT_API_URL``, ``QABOT_QUESTIONS_PER_MINUTE`` and
``TELEGRAM_WEBHOOK_SECRET``. The TOML file takes the same settings in lower case without
prefix (``token``, ``admins``, ``db``, ``bot_api_url``, ``questions_per_minute``,
``webhook_url``, ``listen``, ``secret_token``), optionally inside a ``[telegram]`` table.
Secrets (the token, the webhook secret) come only from these two, never from the command
line where ``ps`` shows them, and are never part of a repr or a message.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bot.i18n import N_, for_locale
from bot.paths import db_location
from corpus.errors import QabotError

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore")  # they log URLs, and so the token


class SettingsError(QabotError):
    """The bot cannot start with this configuration; the message says what to fix, in the
    language of the locale of whoever starts the bot."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str = field(repr=False)
    admins: frozenset[int] = frozenset()
    # a SQLite file or a postgresql:// URL, whose password no repr shows
    db: Path | str | None = field(default=None, repr=False)
    bot_api_url: str | None = None
    questions_per_minute: int = 12
    webhook_url: str | None = None
    listen: tuple[str, int] = ("127.0.0.1", 8443)
    secret_token: str | None = field(default=None, repr=False)
    max_upload_bytes: int = 20 * 1024 * 1024
    flood_rate: float = 30.0  # messages per second in all, Telegram's limit for a bot

    @classmethod
    def from_env(
        cls, config_path: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        """Read the TOML file if given, then let the environment override it."""
        env = os.environ if env is None else env
        conf = _read_toml(config_path) if config_path is not None else {}
        token = env.get("TELEGRAM_BOT_TOKEN") or conf.get("token")
        admins = env.get("QABOT_ADMINS") or conf.get("admins")
        db = env.get("QABOT_DB") or conf.get("db")
        api = env.get("TELEGRAM_BOT_API_URL") or conf.get("bot_api_url")
        rate = env.get("QABOT_QUESTIONS_PER_MINUTE") or conf.get("questions_per_minute")
        secret = env.get("TELEGRAM_WEBHOOK_SECRET") or conf.get("secret_token")
        settings = cls(
            token=check_token(token),
            admins=parse_admins(admins),
            db=db_location(str(db)) if db else None,
            bot_api_url=check_url(str(api), "bot API URL") if api else None,
            questions_per_minute=_positive_int(rate, "questions_per_minute", 12),
            secret_token=check_secret(secret) if secret else None,
        )
        return settings.with_options(webhook_url=conf.get("webhook_url"), listen=conf.get("listen"))

    def with_options(
        self,
        *,
        admins: str | None = None,
        bot_api_url: str | None = None,
        webhook_url: str | None = None,
        listen: str | None = None,
        db: Path | str | None = None,
    ) -> Settings:
        """Apply command-line options; ``None`` keeps the current value."""
        changes: dict[str, Any] = {}
        if admins is not None:
            changes["admins"] = parse_admins(admins)
        if bot_api_url is not None:
            changes["bot_api_url"] = check_url(bot_api_url, "bot API URL")
        if webhook_url is not None:
            changes["webhook_url"] = check_url(webhook_url, "webhook URL")
        if listen is not None:
            changes["listen"] = parse_listen(listen)
        if db is not None:
            changes["db"] = db
        return replace(self, **changes) if changes else self

    def checked(self) -> Settings:
        """These settings if the bot can serve with them: a webhook needs its secret."""
        if self.webhook_url and not self.secret_token:
            raise SettingsError(
                for_locale().gettext(
                    "a webhook needs a secret: set TELEGRAM_WEBHOOK_SECRET (e.g. to the output "
                    "of `openssl rand -hex 32`) or secret_token in the config file"
                )
            )
        return self


def check_token(token: object) -> str:
    t = for_locale()
    if not token:
        raise SettingsError(
            t.gettext(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token"
            )
        )
    if not isinstance(token, str) or not TOKEN_RE.match(token.strip()):
        raise SettingsError(
            t.gettext(
                "TELEGRAM_BOT_TOKEN is malformed: expected digits, a colon and at least 30 "
                "characters of A-Z, a-z, 0-9, _ and -, as @BotFather gives it"
            )
        )
    return token.strip()


def check_secret(secret: object) -> str:
    if not isinstance(secret, str) or not SECRET_RE.match(secret):
        raise SettingsError(
            for_locale().gettext(
                "the webhook secret (TELEGRAM_WEBHOOK_SECRET or secret_token) must be 1-256 "
                "characters of A-Z, a-z, 0-9, _ and -"
            )
        )
    return secret


def parse_admins(value: object) -> frozenset[int]:
    """``"1, 2"``, ``[1, 2]`` or nothing; anything else is an error naming the bad item."""
    if value is None or value == "":
        return frozenset()
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    admins: set[int] = set()
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            admins.add(int(text))
        except ValueError:
            message = for_locale().gettext(
                "QABOT_ADMINS must be Telegram user ids separated by commas, not {value}"
            )
            raise SettingsError(message.format(value=repr(text))) from None
    return frozenset(admins)


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        message = for_locale().gettext("--listen must be HOST:PORT, not {value}")
        raise SettingsError(message.format(value=repr(value)))
    return host.strip("[]"), int(port)


URL_ERRORS = {
    "bot API URL": N_("the bot API URL must start with http:// or https://, not {value}"),
    "webhook URL": N_("the webhook URL must start with http:// or https://, not {value}"),
}


def check_url(value: str, what: str) -> str:
    """``value`` without a trailing slash if it is an http(s) URL; ``what`` names it, one of
    :data:`URL_ERRORS`' keys."""
    if not re.match(r"^https?://[^\s/]+", value):
        message = for_locale().gettext(URL_ERRORS[what])
        raise SettingsError(message.format(value=repr(value)))
    return value.rstrip("/")


def _positive_int(value: object, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number <= 0:
        message = for_locale().gettext("{name} must be a positive whole number, not {value}")
        raise SettingsError(message.format(name=name, value=repr(value)))
    return number


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        message = for_locale().gettext("cannot read the config file {path}: {reason}")
        raise SettingsError(message.format(path=path, reason=e.strerror)) from None
    except tomllib.TOMLDecodeError as e:
        message = for_locale().gettext("the config file {path} is not valid TOML: {error}")
        raise SettingsError(message.format(path=path, error=e)) from None
    table = data.get("telegram", data)
    if not isinstance(table, dict):
        message = for_locale().gettext("[telegram] in {path} must be a table")
        raise SettingsError(message.format(path=path))
    return table


class Redact(logging.Filter):
    """Replace secrets in log records (message, arguments and traceback) by ``[redacted]``.

    Put on handlers, it covers every logger, the libraries' included."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            record.msg, record.args = self._clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def redact_library_logs(secrets: Iterable[str | None]) -> None:
    """Put a :class:`Redact` on every logger of python-telegram-bot and httpx (replacing the
    one put before), so their records lose the secrets before any handler sees them."""
    redact = Redact(secrets)
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LIBRARY_LOGGERS:
            for old in [f for f in logger.filters if isinstance(f, Redact)]:
                logger.removeFilter(old)
            logger.addFilter(redact)
