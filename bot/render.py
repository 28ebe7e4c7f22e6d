"""One answer, two markups: Telegram HTML and terminal text (with or without colour).

What reaches Telegram never shows a path on the server: an article added from a file is
cited by its file name. Only http(s) addresses become links, in either markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import PureWindowsPath
from urllib.parse import urlsplit

from bot.engine import AddOutcome
from bot.i18n import N_, Translations, translation
from index.models import CLOSEST, Answer, Quote, Source

# The bot's own words, in English; each reply says them in the reader's language (``t``).
NOT_FOUND = N_("I couldn't find that in the articles.")
NOT_SURE = N_("I'm not sure this answers it; the closest I found:")
NO_ARTICLES = N_("There are no articles yet.")
ASK_SOMETHING = N_("Ask me a question about the articles.")
ENGLISH = translation("en")
QUOTE_CHARS = 700  # a longer quoted sentence is cut, with an ellipsis
TITLE_CHARS = 200
FIELD_CHARS = 100  # a source's name or date
URL_CHARS = 2048

_UNSAFE_URL_CHARS = re.compile(r"[\"'<>`\\]")


def safe_url(url: str | None) -> str | None:
    """``url`` if it may become a link: http(s), with a host, and nothing that could break
    out of an attribute or a terminal line (spaces, quotes, angle brackets, control
    characters); else ``None``."""
    if not url or len(url) > URL_CHARS or _UNSAFE_URL_CHARS.search(url):
        return None
    if any(unicodedata.category(c)[0] in "CZ" for c in url):  # controls, format, spaces
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def public_source(source: str | None) -> str | None:
    """What a chat user may see of an article's source: a web address as it is, a file
    path reduced to its file name (never the server's directories)."""
    if not source:
        return None
    if safe_url(source):
        return source
    name = PureWindowsPath(source).name  # splits at both "/" and "\\"
    return name or None


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def nothing_to_answer(answer: Answer, add_hint: str = "", t: Translations = ENGLISH) -> str | None:
    """What to say instead of an answer when there was nothing to answer: an empty question,
    or a collection with no articles yet (with ``add_hint``: how to add some, already in the
    reader's language)."""
    if not answer.question.strip():
        return t.gettext(ASK_SOMETHING)
    if answer.indexed == 0:
        return f"{t.gettext(NO_ARTICLES)} {add_hint}".strip()
    return None


def render_html(answer: Answer, add_hint: str = "", t: Translations = ENGLISH) -> str:
    """The answer as Telegram HTML, every dynamic string escaped: sure, closest or none;
    the bot's own words in ``t``'s language, the quotes as the articles have them."""
    instead = nothing_to_answer(answer, add_hint, t)
    if instead is not None:
        return html.escape(instead)
    if not answer.quotes:
        lines = [html.escape(t.gettext(NOT_FOUND))]
        if answer.sources:
            related = html.escape(t.gettext("Maybe related:"))
            lines += ["", f"<i>{related}</i>", *map(source_html, answer.sources)]
        return "\n".join(lines)
    body = " ".join(f"{_quote_html(q)} [{q.citation}]" for q in answer.quotes)
    lines = [body, "", *map(source_html, answer.sources)]
    if answer.verdict == CLOSEST:
        lines.insert(0, f"<i>{html.escape(t.gettext(NOT_SURE))}</i>")
    return "\n".join(lines)


def source_html(source: Source) -> str:
    title = html.escape(clip(source.title, TITLE_CHARS))
    url = safe_url(source.url)
    if url:
        title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
    extra = _extras_html(source)
    return f"[{source.n}] {title}" + (f" · {extra}" if extra and not url else "")


def _extras_html(source: Source) -> str:
    fields = (public_source(source.source), source.published)
    return " · ".join(html.escape(clip(x, FIELD_CHARS)) for x in fields if x)


def _quote_html(quote: Quote) -> str:
    t = clip(quote.text, QUOTE_CHARS)
    if quote.highlight is None:
        return html.escape(t)
    a, b = (min(i, len(t)) for i in quote.highlight)
    if a >= b:
        return html.escape(t)
    return f"{html.escape(t[:a])}<b>{html.escape(t[a:b])}</b>{html.escape(t[b:])}"


def render_text(
    answer: Answer, color: bool = False, add_hint: str = "", t: Translations = ENGLISH
) -> str:
    """The answer as plain text for a terminal; ANSI colours when ``color``."""
    bold, dim, reset = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if color else ("", "", "")
    instead = nothing_to_answer(answer, add_hint, t)
    if instead is not None:
        return instead
    if not answer.quotes:
        lines = [t.gettext(NOT_FOUND)]
        if answer.sources:
            related = t.gettext("Maybe related:")
            lines += ["", f"{dim}{related}{reset}", *(source_text(s) for s in answer.sources)]
        return "\n".join(lines)
    quotes = []
    for q in answer.quotes:
        text = q.text
        if q.highlight is not None:
            a, b = q.highlight
            text = f"{text[:a]}{bold}{text[a:b]}{reset}{text[b:]}" if color else text
        quotes.append(f"{text} [{q.citation}]")
    lines = [" ".join(quotes), ""]
    if answer.verdict == CLOSEST:
        lines.insert(0, f"{dim}{t.gettext(NOT_SURE)}{reset}")
    elif answer.short_answer:
        lines.insert(0, f"{bold}{answer.short_answer}{reset}")
    lines += [f"{dim}{source_text(s)}{reset}" for s in answer.sources]
    return "\n".join(lines)


def source_text(source: Source) -> str:
    """A source for the local terminal: its web address (only if http(s)) or its path."""
    extra = " · ".join(x for x in (safe_url(source.url) or source.source, source.published) if x)
    return f"[{source.n}] {source.title}" + (f" · {extra}" if extra else "")


def uncited_articles(answer: Answer) -> list[int]:
    """The articles that quotes in ``answer.more`` come from but the answer's sources lack."""
    known = {s.article_id for s in answer.sources}
    return list(dict.fromkeys(q.article_id for q in answer.more if q.article_id not in known))


def more_html(answer: Answer, others: Iterable[Source] = (), t: Translations = ENGLISH) -> str:
    """The next best sentences of an answer (``answer.more``) as Telegram HTML.

    Each quote is cited by the number of its article among the answer's sources, whatever
    its ``citation`` says (a declined answer's quotes carry 0); ``others`` are the sources
    of the articles the answer does not list (see :func:`uncited_articles`), numbered after
    them. A quote whose article is in neither is left out: no quote goes without a source.
    """
    by_article = {s.article_id: s for s in answer.sources}
    n = max((s.n for s in answer.sources), default=0)
    for s in others:
        if s.article_id not in by_article:
            n += 1
            by_article[s.article_id] = Source(
                n, s.article_id, s.title, s.url, s.published, s.source
            )
    lines, cited = [], {}
    for q in answer.more:
        source = by_article.get(q.article_id)
        if source is not None:
            lines.append(f"{_quote_html(q)} [{source.n}]")
            cited[source.n] = source
    if not lines:
        return f"<i>{html.escape(t.gettext('Nothing more on this in the articles.'))}</i>"
    sources = [source_html(cited[n]) for n in sorted(cited)]
    return "\n\n".join(lines) + "\n\n" + "\n".join(sources)


def sources_html(answer: Answer, t: Translations = ENGLISH) -> str:
    """Every source of an answer, one per line, with title link or title and date."""
    if not answer.sources:
        return f"<i>{html.escape(t.gettext('No sources for that answer.'))}</i>"
    question = html.escape(_short(answer.question, 80))
    return "\n".join(
        [t.gettext("<b>Sources</b> for “{question}”:").format(question=question)]
        + [_source_full_html(s) for s in answer.sources]
    )


def _source_full_html(source: Source) -> str:
    line = source_html(source)
    if safe_url(source.url):
        extra = _extras_html(source)
        line += f" · {extra}" if extra else ""
    return line + f" <i>(#{source.article_id})</i>"


def _short(text: str, limit: int) -> str:
    return clip(" ".join(text.split()), limit)


def outcome_line(
    outcome: AddOutcome,
    escape: Callable[[str], str] = str,
    t: Translations = ENGLISH,
    shell: bool = False,
) -> str:
    """One line saying what became of an added input; ``escape`` for Telegram HTML;
    ``shell`` when the reader adds files from a shell rather than sends them in a chat."""
    article = outcome.article
    if outcome.error is not None or article is None:
        return t.gettext("Couldn't add {name}: {reason}").format(
            name=escape(outcome.name), reason=escape(failure_reason(outcome, t, shell))
        )
    if outcome.duplicate:
        return t.gettext("Already have this as #{id}: {title}").format(
            id=article.id, title=escape(article.title)
        )
    n = article.passages
    added = t.ngettext(
        "Added #{id}: {title} ({n} passage)", "Added #{id}: {title} ({n} passages)", n
    )
    return added.format(id=article.id, title=escape(article.title), n=n)


# Why an input could not be added, as corpus/ words it (in English, after the input's name),
# and how the reader is told it: the same in their language, and where corpus/ says what to
# do, what the reader can do where they are (in a chat, or with ``qabot add`` in a shell).
# A reason none of these patterns matches is shown as corpus/ gives it.
_SEND = N_("send a .txt, .md, .html, .pdf or .jsonl file")
_TAKES = N_("qabot add takes .txt, .md, .html, .pdf and .jsonl files, folders and web addresses")
_REASONS: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(p), chat, shell)
    for p, chat, shell in [
        (r"the file is empty", N_("the file is empty"), None),
        (r"the message is empty", N_("the message is empty"), None),
        (r"no article text found in the page", N_("no article text found in the page"), None),
        (r"no such file, directory or URL", N_("no such file, directory or URL"), None),
        (r"could not be read", N_("could not be read"), None),
        (r"binary data, not text;.*", N_("binary data, not text; {what}"), None),
        (r"binary data, not JSON lines", N_("binary data, not JSON lines"), None),
        (
            r"expected a JSON object with title and text",
            N_("expected a JSON object with title and text"),
            None,
        ),
        (r"no text field, or it is empty", N_("no text field, or it is empty"), None),
        (r"JSON nested too deeply to read", N_("JSON nested too deeply to read"), None),
        (r"(?:.*: )?no text left after cleaning", N_("no text left after cleaning"), None),
        (
            r"unsupported file type (?P<type>\S+);.*",
            N_("unsupported file type {type}; {what}"),
            None,
        ),
        (
            r"the PDF has no text layer.*",
            N_("the PDF has no text layer (a scan?); run OCR on it or paste the text"),
            None,
        ),
        (r"not a readable PDF \((?P<detail>.*)\)", N_("not a readable PDF ({detail})"), None),
        (
            r"not a readable web page \((?P<detail>.*)\)",
            N_("not a readable web page ({detail})"),
            None,
        ),
        (r"not a valid JSON line \((?P<detail>.*)\)", N_("not a valid JSON line ({detail})"), None),
        (
            r"not valid UTF-8 at byte (?P<at>\d+);.*",
            N_("not valid UTF-8 at byte {at}; save the file as UTF-8 and try again"),
            None,
        ),
        (
            r"(?P<size>\d+) bytes is above the limit of (?P<limit>\d+) bytes;.*",
            N_("{size} bytes is above the limit of {limit} bytes; split the file"),
            N_(
                "{size} bytes is above the limit of {limit} bytes; split the file or raise "
                "QABOT_MAX_BYTES"
            ),
        ),
        (
            r"the server answered HTTP (?P<status>\d+)",
            N_("the server answered HTTP {status}"),
            None,
        ),
        (
            r"no answer within (?P<seconds>[\d.]+) seconds;.*",
            N_("no answer within {seconds} seconds; try again later"),
            None,
        ),
        (
            r"could not connect \((?P<detail>.*)\); check the link",
            N_("could not connect ({detail}); check the link"),
            None,
        ),
        (
            r"not an article: content-type (?P<type>\S+);.*",
            N_(
                "not an article: content-type {type}; send a link to a web page, a text file "
                "or a PDF"
            ),
            N_("not an article: content-type {type}; add a web page, a text file or a PDF"),
        ),
    ]
]


def failure_reason(outcome: AddOutcome, t: Translations = ENGLISH, shell: bool = False) -> str:
    """Why ``outcome`` failed, in ``t``'s language where the reason is one corpus/ is known
    to give; what to do instead is what can be done in a chat or (``shell``) in a shell."""
    reason = outcome.error or ""
    for pattern, chat, in_shell in _REASONS:
        m = pattern.fullmatch(reason)
        if m is not None:
            what = t.gettext(_TAKES if shell else _SEND)
            message = t.gettext(in_shell if shell and in_shell else chat)
            return message.format(what=what, **m.groupdict())
    return reason or t.gettext("unknown error")
