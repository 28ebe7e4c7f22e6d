"""The Telegram bot: questions answered in chat with citations.

In a private chat any text is a question; in a group, ``/ask``, a mention of the bot or a
reply to one of its messages. Admin commands live in :mod:`bot.telegram_admin`. Updates are
handled concurrently, so a slow add never holds up answers to others.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import telegram_admin
from bot.answer_memory import memory_for
from bot.engine import Engine
from bot.i18n import LANGUAGES, N_, Translations, translation
from bot.render import more_html, render_html, sources_html, uncited_articles
from bot.settings import Settings, redact_library_logs
from bot.telegram_state import (
    App,
    BotState,
    QuestionLimiter,
    reply_html,
    send_html,
    state,
    tr,
)
from bot.telegram_text import command_rest, escape
from corpus.errors import QabotError
from index.models import Answer, Source
from index.search.languages import speaking
from index.search.solr.client import SearchUnavailable

log = logging.getLogger(__name__)

MAX_QUESTION = 4096
ADD_HINT = N_("An admin can add them with /add.")
SEARCH_UNAVAILABLE = N_("Search is unavailable right now; please try again shortly.")
NEW_MESSAGES = filters.UpdateType.MESSAGE  # edits and channel posts are not questions
COMMANDS = [
    ("ask", N_("ask a question (in groups)")),
    ("sources", N_("the sources of the last answer here")),
    ("help", N_("what I know and how to ask")),
]


def commands(t: Translations) -> list[BotCommand]:
    """The command menu, described in ``t``'s language."""
    return [BotCommand(name, t.gettext(about)) for name, about in COMMANDS]


def build_application(settings: Settings, engine: Engine) -> App:
    """The bot, wired: rate limiter, concurrent updates, handlers, error handler."""
    for name in ("httpx", "httpcore"):  # their request logs show URLs, and so the token
        logging.getLogger(name).setLevel(logging.WARNING)
    redact_library_logs([settings.token, settings.secret_token])  # at any level
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.flood_rate, max_retries=3))
        .concurrent_updates(64)
        .connect_timeout(10)
        .read_timeout(20)
        .write_timeout(30)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.bot_api_url:
        builder = builder.base_url(f"{settings.bot_api_url}/bot").base_file_url(
            f"{settings.bot_api_url}/file/bot"
        )
    app = builder.build()
    app.bot_data["qabot"] = BotState(
        engine,
        settings,
        QuestionLimiter(settings.questions_per_minute),
        memory_for(engine.store),  # on PostgreSQL, shared by the replicas
    )
    app.add_handler(CommandHandler(["start", "help"], help_command, filters=NEW_MESSAGES))
    app.add_handler(CommandHandler("ask", ask_command, filters=NEW_MESSAGES))
    app.add_handler(CommandHandler("sources", sources_command, filters=NEW_MESSAGES))
    telegram_admin.add_handlers(app)
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(more|src):\d+$"))
    app.add_handler(MessageHandler(NEW_MESSAGES & filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(
        MessageHandler(NEW_MESSAGES & filters.ChatType.PRIVATE & filters.COMMAND, on_unknown)
    )
    app.add_handler(MessageHandler(NEW_MESSAGES & filters.ChatType.PRIVATE, on_other))
    app.add_error_handler(on_error)
    return app


async def _post_init(app: App) -> None:
    """Register the command menu: in English for everyone, and in each language with a
    catalog for the users whose Telegram is in it."""
    try:
        await app.bot.set_my_commands(commands(translation("en")))
        for language in LANGUAGES:
            await app.bot.set_my_commands(commands(translation(language)), language_code=language)
    except TelegramError as e:
        log.warning("could not register the command menu: %s", e)


async def _post_shutdown(app: App) -> None:
    """Cancel adds still running in the background."""
    st = app.bot_data.get("qabot")
    if isinstance(st, BotState):
        for task in list(st.background):
            task.cancel()
        await asyncio.gather(*st.background, return_exceptions=True)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the bot knows and how to ask it."""
    st, t = state(context), tr(update)
    count = await st.engine.store.count_articles()
    name = escape(context.bot.username or "me")
    lines = [
        t.ngettext(
            "I answer questions with sentences quoted from <b>{n}</b> article, "
            "with numbered sources.",
            "I answer questions with sentences quoted from <b>{n}</b> articles, "
            "with numbered sources.",
            count,
        ).format(n=count),
        "",
        "• " + t.gettext("In a private chat, just send me your question."),
        "• "
        + t.gettext(
            "In a group: <code>/ask your question</code>, mention @{bot}, "
            "or reply to one of my messages."
        ).format(bot=name),
        "• " + t.gettext("/sources repeats the sources of my last answer in the chat."),
    ]
    user = update.effective_user
    if st.is_admin(user.id if user else None):
        admin = t.gettext("Admin")
        lines += ["", f"<b>{admin}</b>", *telegram_admin.help_lines(t)]
    await reply_html(update, context, "\n".join(lines))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the text after /ask, or the message /ask replies to."""
    message = update.effective_message
    if message is None:
        return
    question = command_rest(message.text or "")
    if not question and message.reply_to_message is not None:
        question = message.reply_to_message.text or message.reply_to_message.caption or ""
    if not question.strip():
        await reply_html(
            update, context, tr(update).gettext("Ask me something: <code>/ask your question</code>")
        )
        return
    await answer_question(update, context, question)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a private message, or a group message that mentions or replies to the bot."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or message.text is None:
        return
    if chat.type == ChatType.PRIVATE:
        await answer_question(update, context, message.text)
        return
    question = addressed_question(message, context.bot.id, context.bot.username)
    if question is not None:
        await answer_question(update, context, question)


def addressed_question(message: Message, bot_id: int, username: str | None) -> str | None:
    """The question in a group message meant for the bot, else ``None``."""
    text = message.text or ""
    mention = f"@{username}".lower() if username else None
    for entity, value in message.parse_entities(
        [MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION]
    ).items():
        if (mention and value.lower() == mention) or (entity.user and entity.user.id == bot_id):
            return text.replace(value, " ").strip() or text
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == bot_id:
        return text
    return None


async def answer_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
) -> None:
    """Show "typing", ask the engine, reply with the cited answer and its buttons."""
    st, t = state(context), tr(update)
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return
    wait = st.limiter.check(user.id if user else chat.id)
    if wait:
        seconds = int(wait) + 1
        await reply_html(
            update,
            context,
            t.ngettext(
                "You're asking faster than I can read. Please wait {n} second and ask again.",
                "You're asking faster than I can read. Please wait {n} seconds and ask again.",
                seconds,
            ).format(n=seconds),
        )
        return
    log.debug("question in chat %d: %.80r", chat.id, question)
    typing = await _start_typing(context, chat.id)
    try:
        # a question too short to tell its language is taken in the asker's (Telegram's)
        with speaking(user.language_code if user else None):
            answer = await st.engine.ask(question.strip()[:MAX_QUESTION])
    except SearchUnavailable as e:  # no Solr node answers (the scale-out mode)
        log.warning("a question in chat %d was not answered: %s", chat.id, e)
        await reply_html(update, context, escape(t.gettext(SEARCH_UNAVAILABLE)))
        return
    finally:
        typing.cancel()
    try:
        key: int | None = await st.remember(chat.id, answer)
    except QabotError as e:  # the database that keeps answers does not answer
        log.warning("an answer in chat %d goes without its buttons: %s", chat.id, e)
        key = None
    await send_html(
        context.bot,
        chat.id,
        render_html(answer, t.gettext(ADD_HINT), t),
        message.message_id,
        None if key is None else answer_buttons(key, answer, t),
    )


async def _start_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> asyncio.Task[None]:
    """Send "typing" now and every 4.5 s until the returned task is cancelled."""

    async def typing() -> None:
        while True:
            try:
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as e:
                log.debug("typing action failed: %s", e)
            await asyncio.sleep(4.5)

    task = asyncio.get_running_loop().create_task(typing())
    await asyncio.sleep(0)  # let the first action go out before the answer
    return task


def answer_buttons(key: int, answer: Answer, t: Translations) -> InlineKeyboardMarkup | None:
    row = []
    if answer.more:
        row.append(InlineKeyboardButton(t.gettext("More"), callback_data=f"more:{key}"))
    if answer.sources:
        row.append(InlineKeyboardButton(t.gettext("Sources"), callback_data=f"src:{key}"))
    return InlineKeyboardMarkup([row]) if row else None


async def sources_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeat the full sources of the last answer in this chat."""
    chat, t = update.effective_chat, tr(update)
    answer = await state(context).last_answer(chat.id) if chat else None
    if answer is None:
        await reply_html(
            update, context, t.gettext("I haven't answered anything in this chat yet.")
        )
        return
    await reply_html(update, context, sources_html(answer, t))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the next best sentences ("More") or the sources of an earlier answer."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    t = tr(update)
    kind, _, key = query.data.partition(":")
    answer = await state(context).answer(int(key))
    if answer is None:
        await query.answer(t.gettext("That answer is too old. Please ask again."))
        return
    await query.answer()
    if kind == "more":
        text = more_html(answer, await _other_sources(state(context).engine, answer), t)
    else:
        text = sources_html(answer, t)
    await _reply_to_query(query, context, text)


async def _other_sources(engine: Engine, answer: Answer) -> list[Source]:
    """Sources for the articles quoted in "More" that the answer does not cite (numbered
    by :func:`more_html`); a removed article has none."""
    sources = []
    for article_id in uncited_articles(answer):
        article = await engine.get(article_id)
        if article is not None:
            sources.append(
                Source(0, article.id, article.title, article.url, article.published, article.source)
            )
    return sources


async def _reply_to_query(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, text: str
) -> None:
    message = query.message
    if message is None:
        return
    await send_html(context.bot, message.chat.id, text, reply_to=message.message_id)


async def on_unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help for a command the bot does not have."""
    await reply_html(
        update,
        context,
        tr(update).gettext("I don't know that command. Send /help to see what I can do."),
    )


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer stickers, photos and the like in a private chat politely (documents go to
    :func:`bot.telegram_admin.document_message`, registered before this handler)."""
    await reply_html(
        update,
        context,
        tr(update).gettext("I can only read text. Send me your question as a message."),
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and tell the user, if there is one, that something went wrong."""
    unavailable = isinstance(context.error, SearchUnavailable)  # e.g. More, in a Solr outage
    if unavailable:
        log.warning("search is unavailable: %s", context.error)
    else:
        log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        t = tr(update)
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                t.gettext(SEARCH_UNAVAILABLE)
                if unavailable
                else t.gettext(
                    "Sorry, something went wrong on my side. Please try again in a moment."
                ),
            )
        except TelegramError as e:
            log.warning("could not tell the user about the error: %s", e)
