"""Admin commands: /add, /remove, /list and /stats. Everyone else gets a polite refusal.

``/add`` takes text after the command, a reply to a message or a document, an uploaded
document (with or without the caption ``/add``), or http(s) URLs. Downloads and large files
are added in the background and the admin is told when they are done.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import render
from bot.engine import AddOutcome, failed, tally
from bot.i18n import N_, Translations
from bot.telegram_state import App, BotState, edit_html, reply_html, send_html, state, tr
from bot.telegram_text import command_rest, escape
from corpus.errors import QabotError

log = logging.getLogger(__name__)

PAGE = 10
SHOW_OUTCOMES = 15
URL_RE = re.compile(r"^https?://\S+$")
FIELD_CHARS = 300
REFUSAL = N_("Sorry, only the bot's admins can do that. You can still ask me anything!")
HELP = [
    N_("/add text, a URL or a file (or reply /add to a message) adds an article"),
    N_("/remove ID removes one"),
    N_("/list shows the articles, newest first"),
    N_("/stats counts articles and passages"),
]
NEW = filters.UpdateType.MESSAGE


def help_lines(t: Translations) -> list[str]:
    """The admin commands for /help, in ``t``'s language."""
    return [t.gettext(line) for line in HELP]


def add_handlers(app: App) -> None:
    """Register the admin commands, document uploads and /list page buttons."""
    app.add_handler(CommandHandler("add", add_command, filters=NEW))
    app.add_handler(CommandHandler("remove", remove_command, filters=NEW))
    app.add_handler(CommandHandler("list", list_command, filters=NEW))
    app.add_handler(CommandHandler("stats", stats_command, filters=NEW))
    app.add_handler(CallbackQueryHandler(list_page, pattern=r"^list:\d+$"))
    uploads = (
        NEW
        & filters.Document.ALL
        & (filters.ChatType.PRIVATE | filters.CaptionRegex(r"^/add(@\w+)?(\s|$)"))
    )
    app.add_handler(MessageHandler(uploads, document_message))


async def _refuse_unless_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True if the sender is an admin; otherwise reply with a refusal."""
    user = update.effective_user
    if state(context).is_admin(user.id if user else None):
        return False
    await reply_html(update, context, tr(update).gettext(REFUSAL))
    return True


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add the text, URL, reply or document that comes with /add."""
    message = update.effective_message
    if message is None or await _refuse_unless_admin(update, context):
        return
    rest = command_rest(message.text or "")
    reply = message.reply_to_message
    t = tr(update)
    if rest and all(URL_RE.match(word) for word in rest.split()):
        engine = state(context).engine
        for url in rest.split():
            work = partial(engine.add_source, url, _added_by(update))
            await _add_in_background(update, context, url, work)
    elif rest:
        outcome = await state(context).engine.add_text(rest, _added_by(update))
        await reply_html(update, context, outcome_line(outcome, t))
    elif reply is not None and reply.document is not None:
        await _add_document(update, context, reply.document)
    elif reply is not None and (reply.text or reply.caption):
        text = reply.text or reply.caption or ""
        outcome = await state(context).engine.add_text(text, _added_by(update))
        await reply_html(update, context, outcome_line(outcome, t))
    else:
        await reply_html(
            update,
            context,
            t.gettext(
                "Send <code>/add</code> followed by the text (its first line is the title) or "
                "a URL, send a file (.txt, .md, .html, .pdf, .jsonl), or reply /add to a "
                "message."
            ),
        )


async def document_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add an uploaded document (in private chats, or with the caption /add)."""
    message = update.effective_message
    if message is None or message.document is None:
        return
    if await _refuse_unless_admin(update, context):
        return
    await _add_document(update, context, message.document)


async def _add_document(
    update: Update, context: ContextTypes.DEFAULT_TYPE, document: Document
) -> None:
    name = document.file_name or "upload.txt"
    limit = state(context).settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        await reply_html(
            update,
            context,
            tr(update)
            .gettext("{name} is {size} MB; the limit is {limit} MB. Split it and send the parts.")
            .format(
                name=_field(name),
                size=document.file_size // 1_000_000,
                limit=limit // 1_000_000,
            ),
        )
        return

    async def work() -> list[AddOutcome]:
        tg_file = await context.bot.get_file(document.file_id)
        data = bytes(await tg_file.download_as_bytearray())
        return await state(context).engine.add_bytes(name, data, _added_by(update))

    await _add_in_background(update, context, name, work)


async def _add_in_background(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    work: Callable[[], Awaitable[list[AddOutcome]]],
) -> None:
    """Say that the add has started, run it without blocking, report when done: whatever
    goes wrong, the admin hears of it (an unexpected error as "internal error", logged)."""
    t = tr(update)
    await reply_html(
        update,
        context,
        t.gettext("Adding {name}… I'll tell you when it's done.").format(name=_field(name)),
    )
    st = state(context)

    async def run() -> None:
        try:
            outcomes = await work()
        except (TelegramError, QabotError) as e:
            log.warning("could not add %s: %s", name, e)
            reason = render.failure_reason(failed(name, e), t)
            line = t.gettext("Couldn't add {name}: {reason}")
            await reply_html(update, context, line.format(name=_field(name), reason=_field(reason)))
            return
        except Exception:
            log.exception("could not add %s", name)
            line = t.gettext("Couldn't add {name}: {reason}")
            reason = t.gettext("internal error (logged)")
            await reply_html(update, context, line.format(name=_field(name), reason=_field(reason)))
            return
        await reply_html(update, context, outcomes_text(outcomes, t))

    st.run_in_background(run())


def _field(text: str) -> str:
    """A name, title or error for a message: cut if very long, escaped."""
    return escape(render.clip(text, FIELD_CHARS))


def outcome_line(outcome: AddOutcome, t: Translations) -> str:
    return render.outcome_line(outcome, _field, t)


def outcomes_text(outcomes: list[AddOutcome], t: Translations) -> str:
    if not outcomes:
        return t.gettext("Found nothing to add there.")
    lines = [outcome_line(o, t) for o in outcomes[:SHOW_OUTCOMES]]
    if len(outcomes) > SHOW_OUTCOMES:
        counts = tally(outcomes)
        more = len(outcomes) - SHOW_OUTCOMES
        lines.append(
            t.ngettext("… and {n} more.", "… and {n} more.", more).format(n=more)
            + " "
            + t.gettext(
                "In all: {added} added, {duplicate} already there, {failed} failed."
            ).format(**counts)
        )
    return "\n".join(lines)


async def remove_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove the article with the given id."""
    message = update.effective_message
    if message is None or await _refuse_unless_admin(update, context):
        return
    t = tr(update)
    arg = command_rest(message.text or "").lstrip("#")
    if not arg.isdigit():
        which = t.gettext("Which one? <code>/remove ID</code> (see /list).")
        await reply_html(update, context, which)
        return
    article = await state(context).engine.remove(int(arg))
    if article is None:
        await reply_html(
            update, context, t.gettext("There is no article #{id}.").format(id=int(arg))
        )
    else:
        line = t.gettext("Removed #{id}: {title}")
        await reply_html(update, context, line.format(id=article.id, title=_field(article.title)))


async def list_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the first page of articles, newest first."""
    chat = update.effective_chat
    if chat is None or await _refuse_unless_admin(update, context):
        return
    text, markup = await _page(state(context), 0, tr(update))
    message = update.effective_message
    await send_html(context.bot, chat.id, text, message.message_id if message else None, markup)


async def list_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn a /list message to another page."""
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return
    user = update.effective_user
    st, t = state(context), tr(update)
    if not st.is_admin(user.id if user else None):
        await query.answer(t.gettext(REFUSAL))
        return
    await query.answer()
    text, markup = await _page(st, int(query.data.partition(":")[2]), t)
    await edit_html(context.bot, query.message.chat.id, query.message.message_id, text, markup)


async def _page(
    st: BotState, offset: int, t: Translations
) -> tuple[str, InlineKeyboardMarkup | None]:
    total = await st.engine.store.count_articles()
    if total == 0:
        return t.gettext("No articles yet. Add one with /add."), None
    offset = min(offset, (total - 1) // PAGE * PAGE)
    rows = await st.engine.list_articles(PAGE, offset)
    heading = t.ngettext(
        "<b>Articles</b> {first}–{last} of {n}, newest first:",
        "<b>Articles</b> {first}–{last} of {n}, newest first:",
        total,
    )
    lines = [heading.format(first=offset + 1, last=offset + len(rows), n=total)]
    for a in rows:
        date = f" · {_field(a.published)}" if a.published else ""
        title = escape(render.clip(a.title, render.TITLE_CHARS))
        passages = t.ngettext("{n} passage", "{n} passages", a.passages).format(n=a.passages)
        lines.append(f"#{a.id} {title}{date} ({passages})")
    buttons = []
    if offset > 0:
        newer = t.gettext("‹ Newer")
        buttons.append(InlineKeyboardButton(newer, callback_data=f"list:{offset - PAGE}"))
    if offset + PAGE < total:
        older = t.gettext("Older ›")
        buttons.append(InlineKeyboardButton(older, callback_data=f"list:{offset + PAGE}"))
    return "\n".join(lines), InlineKeyboardMarkup([buttons]) if buttons else None


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count articles, passages and sentences."""
    if await _refuse_unless_admin(update, context):
        return
    s, t = await state(context).engine.stats(), tr(update)
    counts = [
        t.ngettext("<b>{n}</b> article", "<b>{n}</b> articles", s.articles).format(n=s.articles),
        t.ngettext("{n} passage", "{n} passages", s.passages).format(n=s.passages),
        t.ngettext("{n} sentence", "{n} sentences", s.sentences).format(n=s.sentences),
    ]
    size = f"{s.db_bytes / 1_000_000:.1f}"
    text = t.gettext("{counts}; database {size} MB.").format(
        counts=t.gettext(", ").join(counts), size=size
    )
    lag = await state(context).engine.index_lag()  # the scale-out mode: Solr behind the store
    if lag is not None:
        line = t.gettext(
            "search index: {pending} waiting, {claimed} being indexed, the oldest for {age} s"
        )
        age = f"{lag.oldest_seconds:.0f}"
        text += "\n" + escape(line.format(pending=lag.pending, claimed=lag.claimed, age=age))
    await reply_html(update, context, text)


def _added_by(update: Update) -> str:
    user = update.effective_user
    return f"telegram:{user.id}" if user else "telegram"
