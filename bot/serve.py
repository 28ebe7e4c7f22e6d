"""``qabot serve``: run the Telegram bot by long polling, or behind a webhook.

The event loop is ours (not ``run_polling``'s), so that the engine is opened before the bot
starts and closed after it stops, and SIGINT/SIGTERM stop both cleanly. Secrets come from
the environment or the config file only, and every log line is stripped of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import InvalidToken, TelegramError

from bot.engine import Engine
from bot.i18n import for_locale, translation
from bot.settings import Redact, Settings, SettingsError
from bot.telegram import build_application

log = logging.getLogger("qabot.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    t = for_locale()
    parser.add_argument(
        "--webhook-url",
        metavar="URL",
        help=t.gettext(
            "receive updates by webhook at this public https URL (default: long polling); "
            "needs the secret in $TELEGRAM_WEBHOOK_SECRET or secret_token in --config"
        ),
    )
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        default=None,
        help=t.gettext("where the webhook server listens (default: 127.0.0.1:8443)"),
    )
    # Refused: every local user would see the secret in `ps`. Hidden from --help.
    parser.add_argument("--secret-token", help=argparse.SUPPRESS)
    parser.add_argument(
        "--bot-api-url",
        metavar="URL",
        help=t.gettext(
            "a self-hosted Bot API server (default: $TELEGRAM_BOT_API_URL or Telegram's)"
        ),
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help=t.gettext("a TOML settings file")
    )
    parser.add_argument(
        "--admins",
        metavar="IDS",
        help=t.gettext("admin user ids, comma-separated (default: $QABOT_ADMINS)"),
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help=t.gettext("log every question and command handled"),
    )


def main(args: argparse.Namespace) -> int:
    """Read the settings, then serve until interrupted; 2 for a configuration error."""
    t = for_locale()
    error = t.gettext("error: {message}")
    if args.secret_token is not None:
        message = t.gettext(
            "--secret-token is not accepted (any local user could read it with ps): "
            "set TELEGRAM_WEBHOOK_SECRET or secret_token in the --config file"
        )
        print(error.format(message=message), file=sys.stderr)
        return 2
    try:
        settings = (
            Settings.from_env(args.config)
            .with_options(
                admins=args.admins,
                bot_api_url=args.bot_api_url,
                webhook_url=args.webhook_url,
                listen=args.listen,
                db=getattr(args, "db", None),
            )
            .checked()
        )
    except SettingsError as e:
        print(error.format(message=e), file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact = Redact([settings.token, settings.secret_token])
    for handler in logging.getLogger().handlers:  # our loggers too, and any other
        handler.addFilter(redact)
    if args.verbose:
        logging.getLogger("bot").setLevel(logging.DEBUG)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(serve(settings))
    except InvalidToken:
        message = t.gettext("Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN")
        print(error.format(message=message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Open the engine, run the bot until ``stop`` is set or a signal arrives, close both."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    engine = await Engine.open(settings.db)
    engine.start_indexing()  # scale-out mode: this replica indexes too (claims never shared)
    try:
        app = build_application(settings, engine)
        async with app:  # initialize() and shutdown(); post_init is ours to call here
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            assert app.updater is not None
            if settings.webhook_url:
                host, port = settings.listen
                await app.updater.start_webhook(
                    listen=host,
                    port=port,
                    url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                    webhook_url=settings.webhook_url,
                    secret_token=settings.secret_token,
                )
                log.info("answering by webhook, listening on %s:%d", host, port)
            else:
                await app.updater.start_polling(timeout=20, bootstrap_retries=-1)
                log.info("answering as @%s by long polling", app.bot.username)
            count, admins = await engine.store.count_articles(), len(settings.admins)
            en = translation("en")  # the log is in English, with English plurals
            log.info(
                "%s; %s; Ctrl-C to stop",
                en.ngettext("{n} article", "{n} articles", count).format(n=count),
                en.ngettext("{n} admin", "{n} admins", admins).format(n=admins),
            )
            await stop.wait()
            log.info("stopping")
            await app.updater.stop()
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
    except TelegramError as e:
        if isinstance(e, InvalidToken):
            raise
        t = for_locale()
        message = t.gettext("cannot reach the Bot API: {error}").format(error=e)
        print(t.gettext("error: {message}").format(message=message), file=sys.stderr)
        return 1
    finally:
        await engine.close()
    return 0
