"""What the Telegram handlers share: the engine, the settings, recent answers and limits,
and one way to send HTML that fits Telegram's limits and survives its transient errors."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes

from bot.answer_memory import AnswerMemory, LocalAnswers
from bot.engine import Engine
from bot.i18n import Translations, for_user
from bot.settings import Settings
from bot.telegram_text import message_parts, split_html
from index.models import Answer

log = logging.getLogger(__name__)
T = TypeVar("T")
App = Application[Any, Any, Any, Any, Any, Any]


class QuestionLimiter:
    """At most ``per_minute`` questions per user in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}

    def check(self, user_id: int) -> float:
        """0 and count the question if allowed, else the seconds until one is allowed."""
        now = self.clock()
        times = self._asked.setdefault(user_id, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return 60 - (now - times[0])
        times.append(now)
        if len(self._asked) > 10_000:  # forget users with nothing in their window
            for uid in [u for u, t in self._asked.items() if not t]:
                del self._asked[uid]
        return 0.0


@dataclass
class BotState:
    """Held in ``application.bot_data["qabot"]``."""

    engine: Engine
    settings: Settings
    limiter: QuestionLimiter
    # the answers kept for their buttons and /sources: this process's (the embedded
    # default) or, on PostgreSQL, the database's, shared by replicas (bot.answer_memory)
    memory: AnswerMemory = field(default_factory=LocalAnswers)
    background: set[asyncio.Task[None]] = field(default_factory=set)

    async def remember(self, chat_id: int, answer: Answer) -> int:
        """Keep an answer for its buttons and /sources; returns its key."""
        return await self.memory.remember(chat_id, answer)

    async def answer(self, key: int) -> Answer | None:
        """The answer kept under ``key``, if still kept."""
        return await self.memory.get(key)

    async def last_answer(self, chat_id: int) -> Answer | None:
        return await self.memory.last(chat_id)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admins

    def run_in_background(self, work: Awaitable[None]) -> None:
        """Run ``work`` as a task that is kept alive until done and logged if it fails."""

        async def wrapped() -> None:
            try:
                await work
            except Exception:
                log.exception("background work failed")

        task = asyncio.get_running_loop().create_task(wrapped())
        self.background.add(task)
        task.add_done_callback(self.background.discard)


def state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    st = context.bot_data["qabot"]
    assert isinstance(st, BotState)
    return st


def tr(update: object) -> Translations:
    """The catalog of the language the update's sender uses Telegram in (English when
    there is no sender, no language or no catalog for it)."""
    user = update.effective_user if isinstance(update, Update) else None
    return for_user(user.language_code if user else None)


def retry_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def retrying(call: Callable[[], Awaitable[T]], attempts: int = 4) -> T:
    """Await ``call()``, again after flood waits, time-outs and network errors."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except RetryAfter as e:
            if attempt == attempts:
                raise
            await asyncio.sleep(retry_seconds(e) + 0.1)
        except NetworkError as e:
            if attempt == attempts:
                raise
            log.warning("retrying after a network error: %s", e)
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send HTML in as many messages as it takes, up to ``MAX_PARTS`` (the rest is cut);
    the buttons go with the last one."""
    parts = message_parts(text)
    sent: Message | None = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        reply = (
            ReplyParameters(reply_to, allow_sending_without_reply=True)
            if reply_to is not None and i == 0
            else None
        )

        def call(
            part: str = part, last: bool = last, reply: ReplyParameters | None = reply
        ) -> Awaitable[Message]:
            return bot.send_message(
                chat_id,
                part,
                parse_mode=ParseMode.HTML,
                reply_parameters=reply,
                reply_markup=markup if last else None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )

        sent = await retrying(call)
    assert sent is not None
    return sent


async def reply_html(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """Answer the update's message with HTML, in its chat."""
    chat, message = update.effective_chat, update.effective_message
    if chat is not None:
        await send_html(context.bot, chat.id, text, message.message_id if message else None)


async def edit_html(
    bot: Bot, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Replace a message's text (shortened to one message if it has grown too long)."""
    part = split_html(text)[0]
    try:
        await retrying(
            lambda: bot.edit_message_text(
                part,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    except BadRequest as e:
        if "not modified" not in str(e).lower():
            raise
