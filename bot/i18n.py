"""The bot's own words in the user's language, from gettext catalogs.

Each language's catalog is a ``.po`` file in ``bot/locale/`` (``de.po``, ``ru.po``, …); the
English words are the message ids themselves. The catalogs ship as ``.po`` only and are read
at run time by :func:`parse_po`, which builds the binary ``.mo`` image in memory and hands it
to the standard library's :class:`gettext.GNUTranslations`, which applies each catalog's
``Plural-Forms``. So neither ``msgfmt`` nor Babel is needed to build, install or run qabot,
no compiled file can drift from its source, and an editable install sees an edited catalog
at once.

Telegram says which language a user's app is in (``language_code``, an IETF tag such as
``de`` or ``pt-br``); the command line follows the locale (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``). A language without a catalog falls back to its base language
(``pt-br`` to ``pt``), then to English. Quotes from articles are never translated.

Code marks a message for the catalogs by passing a string literal to ``t.gettext``,
``t.ngettext`` or, for a constant used later, :func:`N_`; ``tests/test_i18n.py`` finds every
one of them and fails when a catalog lacks it.
"""

from __future__ import annotations

import gettext
import io
import os
import re
import struct
from collections.abc import Mapping
from functools import cache
from importlib import resources

Translations = gettext.NullTranslations

ENGLISH = "en"
# The languages with a catalog in bot/locale/, besides English.
LANGUAGES = ("es", "de", "ru", "ar", "zh")
ENV_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_ESCAPE_RE = re.compile(r"\\(.)")


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (it is translated later)."""
    return message


class PoError(ValueError):
    """A catalog that cannot be read."""


def _unquote(token: str, where: str) -> str:
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise PoError(f"{where}: expected a quoted string, not {token!r}")

    def unescape(m: re.Match[str]) -> str:
        if m.group(1) not in _ESCAPES:
            raise PoError(f"{where}: unknown escape \\{m.group(1)}")
        return _ESCAPES[m.group(1)]

    return _ESCAPE_RE.sub(unescape, token[1:-1])


def parse_po(text: str, name: str = "catalog") -> dict[str, str]:
    """The messages of a ``.po`` file as the keys and values of a ``.mo`` file.

    A plural message is keyed ``msgid NUL msgid_plural`` with its forms joined by NUL, a
    message with a context ``msgctxt EOT msgid``; the header is the message with the empty
    id. Entries marked fuzzy, obsolete (``#~``) or untranslated are left out, as ``msgfmt``
    leaves them out."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    fuzzy = False
    field: str | None = None

    def finish() -> None:
        nonlocal entry, fuzzy, field
        if "msgid" in entry:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\0" + entry["msgid_plural"]
                numbers = sorted(int(k[7:-1]) for k in entry if k.startswith("msgstr["))
                forms = [entry[f"msgstr[{i}]"] for i in numbers]
                value = "\0".join(forms)
                translated = bool(forms) and all(forms)
            else:
                value = entry.get("msgstr", "")
                translated = bool(value)
            if "msgctxt" in entry:
                key = entry["msgctxt"] + "\x04" + key
            if translated and (not fuzzy or key == ""):
                messages[key] = value
        entry, fuzzy, field = {}, False, None

    for number, raw in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
            if line.startswith("#,") and "fuzzy" in (w.strip() for w in line[2:].split(",")):
                fuzzy = True
            field = None
        elif line.startswith('"'):
            if field is None:
                raise PoError(f"{where}: a string that continues nothing")
            entry[field] += _unquote(line, where)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword == "msgid_plural" or keyword.startswith("msgstr"):
                if "msgid" not in entry:
                    raise PoError(f"{where}: {keyword} without a msgid")
            elif keyword in ("msgctxt", "msgid"):
                if "msgid" in entry:
                    finish()
            else:
                raise PoError(f"{where}: unknown keyword {keyword!r}")
            if keyword in entry:
                raise PoError(f"{where}: {keyword} given twice")
            field = keyword
            entry[field] = _unquote(rest.strip(), where)
    finish()
    return messages


def mo_image(messages: Mapping[str, str]) -> bytes:
    """The binary ``.mo`` file holding ``messages`` (as :func:`parse_po` returns them)."""
    keys = sorted(messages, key=lambda k: k.encode())
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    count = len(keys)
    start = 7 * 4 + 16 * count  # the header, then both tables of (length, offset)
    offsets, blob = [], b""
    for data in (*ids, *strs):
        offsets.append((len(data), start + len(blob)))
        blob += data + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, 0)
    table = b"".join(struct.pack("<2I", n, at) for n, at in offsets)
    return header + table + blob


def language_of(tag: str | None) -> str:
    """The shipped language for a language tag or locale name: ``pt-BR``, ``de_DE.UTF-8``,
    ``zh-hans`` or ``ar``; English when there is no catalog for it or its base language."""
    if not tag:
        return ENGLISH
    full = re.split(r"[.@]", tag.strip().lower().replace("-", "_"), maxsplit=1)[0]
    for candidate in (full, full.split("_")[0]):
        if candidate in LANGUAGES:
            return candidate
    return ENGLISH


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for, as gettext reads it: the first language of
    ``LANGUAGE`` that has a catalog, else that of the first of ``LC_ALL``, ``LC_MESSAGES``
    and ``LANG`` that is set; ``C`` and ``POSIX`` are English."""
    env = os.environ if environ is None else environ
    locale = next((env[v] for v in ENV_VARS if env.get(v)), "")
    if locale.split(".")[0] in ("C", "POSIX", ""):
        return ENGLISH
    for tag in env.get("LANGUAGE", "").split(":"):
        if language_of(tag) != ENGLISH or tag.lower().startswith("en"):
            return language_of(tag)
    return language_of(locale)


def locale_tag(environ: Mapping[str, str] | None = None) -> str | None:
    """The language code of the locale (``de`` for ``de_DE.UTF-8``), whether or not qabot
    has a catalog for it; ``None`` when the locale is unset, ``C`` or ``POSIX``. The
    question-language fallback of the command line and the REPL."""
    env = os.environ if environ is None else environ
    locale = next((env[v] for v in ENV_VARS if env.get(v)), "")
    if locale.split(".")[0] in ("C", "POSIX", ""):
        return None
    return re.split(r"[-_.@]", locale.lower(), maxsplit=1)[0] or None


@cache
def translation(language: str) -> Translations:
    """The catalog of a language tag, English (the message ids) when none is shipped."""
    lang = language_of(language)
    if lang == ENGLISH:
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(mo_image(catalog(lang))))


def for_user(language_code: str | None) -> Translations:
    """The catalog for a Telegram user's ``language_code``."""
    return translation(language_of(language_code))


def for_locale(environ: Mapping[str, str] | None = None) -> Translations:
    """The catalog the locale asks for (see :func:`locale_language`)."""
    return translation(locale_language(environ))


def catalog(language: str) -> dict[str, str]:
    """The messages of a shipped catalog, as :func:`parse_po` gives them."""
    name = f"{language}.po"
    text = (resources.files("bot") / "locale" / name).read_text(encoding="utf-8")
    return parse_po(text, name)


def plural_forms(messages: Mapping[str, str]) -> tuple[int, str]:
    """``nplurals`` and the ``plural`` expression of a catalog's header."""
    m = re.search(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;\n]+)", messages.get("", ""))
    if m is None:
        raise PoError("the header has no Plural-Forms")
    return int(m.group(1)), m.group(2).strip()
