"""One answer, two markups: Telegram HTML and terminal text (with or without colour)."""

from __future__ import annotations

import html
from collections.abc import Callable

from bot.engine import AddOutcome
from index.models import Answer, Quote, Source

NOT_FOUND = "I couldn't find that in the articles."


def render_html(answer: Answer) -> str:
    """The answer as Telegram HTML, every dynamic string escaped."""
    if not answer.answered:
        lines = [NOT_FOUND]
        if answer.sources:
            lines += ["", "<i>Maybe related:</i>", *map(source_html, answer.sources)]
        return "\n".join(lines)
    body = " ".join(f"{_quote_html(q)} [{q.citation}]" for q in answer.quotes)
    return "\n".join([body, "", *map(source_html, answer.sources)])


def source_html(source: Source) -> str:
    title = html.escape(source.title)
    if source.url:
        title = f'<a href="{html.escape(source.url, quote=True)}">{title}</a>'
    extra = " · ".join(html.escape(x) for x in (source.source, source.published) if x)
    return f"[{source.n}] {title}" + (f" · {extra}" if extra and not source.url else "")


def _quote_html(quote: Quote) -> str:
    if quote.highlight is None:
        return html.escape(quote.text)
    a, b = quote.highlight
    t = quote.text
    return f"{html.escape(t[:a])}<b>{html.escape(t[a:b])}</b>{html.escape(t[b:])}"


def render_text(answer: Answer, color: bool = False) -> str:
    """The answer as plain text for a terminal; ANSI colours when ``color``."""
    bold, dim, reset = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    if not answer.answered:
        lines = [NOT_FOUND]
        if answer.sources:
            lines += ["", f"{dim}Maybe related:{reset}", *(source_text(s) for s in answer.sources)]
        return "\n".join(lines)
    quotes = []
    for q in answer.quotes:
        text = q.text
        if q.highlight is not None:
            a, b = q.highlight
            text = f"{text[:a]}{bold}{text[a:b]}{reset}{text[b:]}" if color else text
        quotes.append(f"{text} [{q.citation}]")
    lines = [" ".join(quotes), ""]
    if answer.short_answer:
        lines.insert(0, f"{bold}{answer.short_answer}{reset}")
    lines += [f"{dim}{source_text(s)}{reset}" for s in answer.sources]
    return "\n".join(lines)


def source_text(source: Source) -> str:
    extra = " · ".join(x for x in (source.url or source.source, source.published) if x)
    return f"[{source.n}] {source.title}" + (f" · {extra}" if extra else "")


def more_html(answer: Answer) -> str:
    """The next best sentences of an answer (``answer.more``) as Telegram HTML."""
    if not answer.more:
        return "<i>Nothing more on this in the articles.</i>"
    cited = {q.citation for q in answer.more}
    lines = [f"{_quote_html(q)} [{q.citation}]" for q in answer.more]
    sources = [source_html(s) for s in answer.sources if s.n in cited]
    return "\n\n".join(lines) + ("\n\n" + "\n".join(sources) if sources else "")


def sources_html(answer: Answer) -> str:
    """Every source of an answer, one per line, with title link or title and date."""
    if not answer.sources:
        return "<i>No sources for that answer.</i>"
    return "\n".join(
        [f"<b>Sources</b> for “{html.escape(_short(answer.question, 80))}”:"]
        + [_source_full_html(s) for s in answer.sources]
    )


def _source_full_html(source: Source) -> str:
    line = source_html(source)
    if source.url:
        extra = " · ".join(html.escape(x) for x in (source.source, source.published) if x)
        line += f" · {extra}" if extra else ""
    return line + f" <i>(#{source.article_id})</i>"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def outcome_line(outcome: AddOutcome, escape: Callable[[str], str] = str) -> str:
    """One line saying what became of an added input; ``escape`` for Telegram HTML."""
    article = outcome.article
    if outcome.error is not None or article is None:
        return f"Couldn't add {escape(outcome.name)}: {escape(outcome.error or 'unknown error')}"
    if outcome.duplicate:
        return f"Already have this as #{article.id}: {escape(article.title)}"
    passages = f"{article.passages} passage{'s' if article.passages != 1 else ''}"
    return f"Added #{article.id}: {escape(article.title)} ({passages})"
