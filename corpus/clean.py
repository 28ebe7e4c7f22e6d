"""Text normalisation and removal of web boilerplate lines (share, comment, cookie prompts).

Attribution lines of embedded social posts ("— Jane Doe (@jdoe) May 5, 2025") are kept,
each as its own paragraph; ``corpus.split.is_attribution`` recognises them and
``corpus.prepare`` leaves them out of the sentences used for answers.
"""

from __future__ import annotations

import re
import unicodedata

from corpus.split import is_attribution

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u3000": " ",
        "\t": " ",
        "\u2026": "...",
        "\u2028": "\n",
        "\x85": "\n",
        "\u2029": "\n\n",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)
_INVISIBLE = str.maketrans(
    dict.fromkeys(("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"))
)
# Control characters, bidi embeddings/overrides/isolates (they would reorder the text
# around a quote) and lone surrogates (not encodable, so not storable).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")

_BOILERPLATE = re.compile(
    r"""^(?:
      (?:you\ can\ )?share\ (?:this|the)\ (?:story|article|post|page|video)(?:\ on\ social\ media)?
    | share(?:\ this)?(?:\ on|\ via)?\ ?
      (?:facebook|twitter|x|linkedin|whatsapp|reddit|email|e-mail)?
    | share\ (?:on|via)\ .{1,40}
    | click\ to\ (?:share|print|email).*
    | (?:please\ )?(?:click|tap)\ (?:here|this\ link|the\ link(?:\ below)?)\b.{0,80}
    | (?:tweet|pin\ it|print|email)(?:\ this)?
    | leave\ a\ (?:reply|comment)
    | (?:post\ a\ |add\ a\ |view\ |show\ |hide\ |load\ )?comments?
    | \d[\d,]*\ comments?
    | join\ the\ (?:conversation|discussion)
    | (?:\#[\w-]+[\s,]*)+
    | advertisement | advertising | sponsored(?:\ content)? | ad
    | (?:read\ more|related(?:\ (?:articles?|stories|content|coverage))?|also\ read|see\ also
       |recommended(?:\ for\ you)?|more\ from\ .{1,40}|most\ read)(?::.*)?
    | continue\ reading.*
    | (?:subscribe|sign\ up)\b.{0,100}
    | (?:get|join)\ our\ newsletter.*
    | follow\ us\ on\b.*
    | skip\ to\ (?:main\ )?content
    | (?:image|photo|video)\ (?:credit|source)s?:.*
    )[.!:]?$""",
    re.IGNORECASE | re.VERBOSE,
)
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_PROMPT = re.compile(
    r"\b(?:we use|this (?:site|website) uses|accept|consent|privacy policy|by continuing)\b",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(r"\bnewsletters?\b", re.IGNORECASE)
_NEWSLETTER_PROMPT = re.compile(r"\b(?:sign up|subscribe|inbox|delivered|free)\b", re.IGNORECASE)
_QUOTE_START = re.compile(r"^[\"'(]")


def normalize_unicode(text: str) -> str:
    """NFC, straight quotes, plain spaces, Unix line endings, no control characters.

    NFC comes last: removing a character can put a letter next to its combining accent.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text.translate(_TRANSLATE)))


def clean_title(title: str) -> str:
    """A title on one line, without invisible or control characters; quotes kept as written."""
    visible = _CONTROL.sub("", title.translate(_INVISIBLE))
    return " ".join(unicodedata.normalize("NFC", visible).split())


def is_boilerplate(line: str) -> bool:
    """Tell whether a whole line is a web prompt rather than article text."""
    if not line or _QUOTE_START.match(line) or len(line) > 200:
        return False
    if _COOKIE.search(line) and _COOKIE_PROMPT.search(line):
        return True
    if _NEWSLETTER.search(line) and _NEWSLETTER_PROMPT.search(line):
        return True
    return bool(_BOILERPLATE.match(line))


def clean_text(text: str) -> str:
    """Normalise text and drop boilerplate lines, keeping paragraphs (at most one blank line)."""
    lines: list[str] = []
    for raw in normalize_unicode(text).split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if is_boilerplate(line):
            continue
        if is_attribution(line):
            lines.extend(("", line, ""))
        else:
            lines.append(line)
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
