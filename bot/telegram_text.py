"""Telegram's message length, as Telegram counts it, and splitting HTML messages to fit.

Telegram limits a message to 4,096 characters *after entity parsing*: tags cost nothing,
``&amp;`` costs one, and characters are counted in UTF-16 code units (an emoji outside the
Basic Multilingual Plane costs two). :func:`split_html` cuts a long message at a blank line,
else a line break, else a space, else anywhere outside a character reference, and closes
the tags open at the cut and reopens them in the next part. :func:`message_parts` also
bounds a reply to :data:`MAX_PARTS` messages, ending a cut reply with an ellipsis.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_MESSAGE = 4096
MAX_PARTS = 3  # the most messages one reply may take

_TAG_RE = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_TOKEN_RE = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|\n|[^\S\n]+|[^\s<&]+|&")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def plain_text(message: str) -> str:
    """The text Telegram shows for an HTML message: tags dropped, references resolved."""
    return html.unescape(_TAG_RE.sub("", message))


def visible_len(message: str) -> int:
    """The length Telegram checks against its limit for an HTML message."""
    return utf16_len(plain_text(message))


def escape(text: str) -> str:
    """Escape a dynamic string for HTML parse mode (``<``, ``>``, ``&`` and quotes)."""
    return html.escape(text, quote=True)


@dataclass(slots=True)
class _Token:
    text: str
    width: int
    kind: str  # "open", "close", "nl", "space", "word"
    name: str = ""


def _tokens(message: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(message):
        t = m.group()
        if t.startswith("<"):
            tag = _TAG_RE.match(t)
            if tag is None:  # a stray "<" followed by ">" is not valid HTML anyway
                tokens.append(_Token(t, utf16_len(html.unescape(t)), "word"))
            else:
                kind = "close" if tag.group(1) else "open"
                tokens.append(_Token(t, 0, kind, tag.group(2).lower()))
        elif t == "\n":
            tokens.append(_Token(t, 1, "nl"))
        elif t.isspace():
            tokens.append(_Token(t, utf16_len(t), "space"))
        else:
            tokens.append(_Token(t, utf16_len(html.unescape(t)), "word"))
    return tokens


def _split_word(token: _Token, limit: int) -> list[_Token]:
    """A word too long for one message, cut between characters or character references."""
    pieces: list[_Token] = []
    current, width = "", 0
    for m in re.finditer(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.", token.text, re.DOTALL):
        unit = m.group()
        w = utf16_len(html.unescape(unit))
        if width + w > limit and current:
            pieces.append(_Token(current, width, "word"))
            current, width = "", 0
        current += unit
        width += w
    if current:
        pieces.append(_Token(current, width, "word"))
    return pieces


def split_html(message: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Parts of an HTML message, each within ``limit`` after entity parsing and well formed."""
    if visible_len(message) <= limit:
        return [message]
    tokens: list[_Token] = []
    for token in _tokens(message):
        tokens.extend(_split_word(token, limit) if token.width > limit else [token])
    parts: list[str] = []
    stack: list[_Token] = []  # tags open at the start of the current part
    start = 0
    while start < len(tokens):
        end = _cut(tokens, start, limit)
        body = tokens[start:end]
        opened = list(stack)
        for t in body:
            if t.kind == "open":
                stack.append(t)
            elif t.kind == "close" and stack and stack[-1].name == t.name:
                stack.pop()
        text = "".join(t.text for t in opened) + "".join(t.text for t in body)
        text += "".join(f"</{t.name}>" for t in reversed(stack))
        if plain_text(text).strip():
            parts.append(text.strip())
        start = end
        while start < len(tokens) and tokens[start].kind in ("nl", "space"):
            start += 1
    return parts


def message_parts(message: str, limit: int = MAX_MESSAGE, most: int = MAX_PARTS) -> list[str]:
    """The messages to send for an HTML reply: at most ``most``, each within ``limit``.

    What does not fit is left out, and the last message then ends with an ellipsis."""
    parts = split_html(message, limit)
    if len(parts) <= most:
        return parts
    last = split_html(parts[most - 1], limit - 2)[0]
    return [*parts[: most - 1], last + "\n…"]


def _cut(tokens: list[_Token], start: int, limit: int) -> int:
    """Where the part that begins at ``start`` should end (exclusive)."""
    width = 0
    best: dict[str, int] = {}
    i = start
    while i < len(tokens):
        t = tokens[i]
        if width + t.width > limit:
            break
        width += t.width
        i += 1
        if t.kind == "nl":
            prev_nl = i >= start + 2 and tokens[i - 2].kind == "nl"
            best["para" if prev_nl else "line"] = i
        elif t.kind == "space":
            best["space"] = i
    else:
        return len(tokens)
    half = start + (i - start) // 2
    for kind in ("para", "line", "space"):
        if best.get(kind, 0) > half:
            return best[kind]
    for kind in ("para", "line", "space"):
        if kind in best:
            return best[kind]
    return max(i, start + 1)


def command_rest(text: str) -> str:
    """The text after a leading ``/command`` (or ``/command@bot``), newlines kept."""
    m = re.match(r"/\S+[ \t]*\n?(.*)", text, re.DOTALL)
    return m.group(1).strip() if m else text.strip()
