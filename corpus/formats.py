"""Readers that turn the bytes of one file into Drafts: text and Markdown, HTML, PDF, JSONL."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import yaml

from corpus.errors import DecodeFailed, EmptyArticle, IngestError, TooLarge, UnsupportedFile
from corpus.models import Draft

TEXT_EXTENSIONS = frozenset({".txt", ".md", ".markdown"})
HTML_EXTENSIONS = frozenset({".html", ".htm"})
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | {".pdf", ".jsonl"}
TITLE_CHARS = 120
FRONT_MATTER_CHARS = 20_000
PDF_MAX_CHARS = 10_000_000
PDF_SECONDS = 60.0

# Every pattern here runs on untrusted text: each attempt stops at a character it cannot
# cross (a newline, the next bracket or asterisk), so matching stays linear in the text.
_HEADING = re.compile(r"^#{1,6}[ \t]+([^\n]*\S)", re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
_MD_EMPHASIS = re.compile(r"\*\*(\S(?:[^*\n]*?\S)?)\*\*|__(\S(?:[^_\n]*?\S)?)__")
_PLACEHOLDER_TITLES = frozenset({"untitled", "untitled document", "document", "microsoft word"})
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")

logging.getLogger("pypdf").setLevel(logging.ERROR)


def looks_binary(data: bytes) -> bool:
    """Tell whether bytes are not text: a NUL byte, or many control bytes at the start."""
    head = data[:8192]
    return b"\x00" in head or len(_BINARY_BYTES.findall(head)) > len(head) // 20


def decode_text(name: str, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), naming the byte offset of the first bad byte."""
    if looks_binary(data):
        raise UnsupportedFile(f"{name}: binary data, not text; send a .txt, .md, .html or .pdf")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DecodeFailed(
            f"{name}: not valid UTF-8 at byte {exc.start}; save the file as UTF-8 and try again"
        ) from exc


def first_line(text: str) -> str:
    """Return the first non-empty line of text, trimmed to TITLE_CHARS."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:TITLE_CHARS].strip()
    return ""


def split_title_line(text: str) -> tuple[str, str] | None:
    """A first paragraph of one short line without end punctuation is a title: (title, rest)."""
    head, sep, rest = text.strip().partition("\n\n")
    line = head.strip()
    if not sep or "\n" in line or not rest.strip() or len(line) > TITLE_CHARS:
        return None
    if line.endswith((".", "!", "?", ":", ";", ",")):
        return None
    return line, rest.strip()


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a YAML front matter block from the text; an unreadable block is left in place.

    Only a block within FRONT_MATTER_CHARS is read: metadata is short, YAML parsing slow.
    """
    match = _FRONT_MATTER.match(text[:FRONT_MATTER_CHARS])
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except (yaml.YAMLError, RecursionError):
        return {}, text
    return (meta, text[match.end() :]) if isinstance(meta, dict) else ({}, text)


def _meta(meta: dict[str, Any], *keys: str) -> str | None:
    """Return the first present key of meta as a stripped string; lists and maps are ignored.

    (A list of YAML aliases can stand for billions of items: never turn one into a string.)
    """
    for key in keys:
        value = meta.get(key)
        if value is not None and not isinstance(value, list | dict) and str(value).strip():
            return str(value).strip()
    return None


def _heading_text(match: re.Match[str]) -> str:
    """A heading's words without a closing run of #s ("## Rivers ##" -> "Rivers")."""
    words = match.group(1)
    bare = words.rstrip("#")
    return bare.rstrip() if bare != words and bare.rstrip() else words


def _markdown_body(text: str) -> str:
    """Put headings in paragraphs of their own and keep only the words of links and emphasis."""
    text = _HEADING.sub(lambda m: f"\n{_heading_text(m)}\n", text)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)


def read_text(name: str, data: bytes) -> Draft:
    """Read a .txt or .md file: front matter, then the first heading or line as title."""
    meta, text = _front_matter(decode_text(name, data))
    if not text.strip():
        raise EmptyArticle(f"{name}: the file is empty")
    title = _meta(meta, "title")
    heading = _HEADING.search(text)
    if heading and not title:
        title = _heading_text(heading)
    if heading and _heading_text(heading) == title:
        text = text[: heading.start()] + text[heading.end() :]
    elif not title and (titled := split_title_line(text)):
        title, text = titled
    return Draft(
        title=title or first_line(text),
        text=_markdown_body(text),
        url=_meta(meta, "url", "link", "canonical"),
        source=_meta(meta, "source") or name,
        published=_meta(meta, "published", "date"),
        language=_meta(meta, "language", "lang"),
    )


def read_html(name: str, data: bytes, url: str | None = None) -> Draft:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura and lxml raise many types for broken markup
        raise UnsupportedFile(f"{name}: not a readable web page ({_short(exc)})") from exc
    text = (getattr(doc, "text", None) or "").strip()
    if not text:
        raise EmptyArticle(f"{name}: no article text found in the page")
    title = (getattr(doc, "title", None) or "").strip()
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if title and lines and lines[0] == title:
        lines = lines[1:]
    canonical = getattr(doc, "url", None)
    if not (isinstance(canonical, str) and canonical.startswith(("http://", "https://"))):
        canonical = None
    return Draft(
        title=title or first_line(text),
        text="\n\n".join(lines),
        url=canonical or url,
        source=getattr(doc, "sitename", None) or name,
        published=getattr(doc, "date", None),
    )


def _short(exc: BaseException, chars: int = 200) -> str:
    """An exception's message cut to a readable length."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _pdf_pages(name: str, pages: Any) -> list[str]:
    """The text of each page; a PDF whose text is huge or slow to extract is refused.

    A few kilobytes of compressed PDF can hold megabytes of text (a PDF bomb).
    """
    deadline = time.monotonic() + PDF_SECONDS
    texts: list[str] = []
    total = 0
    for page in pages:
        texts.append((page.extract_text() or "").strip())
        total += len(texts[-1])
        if total > PDF_MAX_CHARS:
            raise TooLarge(f"{name}: more than {PDF_MAX_CHARS:,} characters of text; split the PDF")
        if time.monotonic() > deadline:
            raise TooLarge(f"{name}: its text took over {PDF_SECONDS:g} seconds to read; split it")
    return texts


def read_pdf(name: str, data: bytes) -> Draft:
    """Read the text layer of a PDF; a scanned PDF with no text layer is refused."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = _pdf_pages(name, reader.pages)
        meta_title = reader.metadata.title if reader.metadata else None
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise UnsupportedFile(f"{name}: not a readable PDF ({_short(exc)})") from exc
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise UnsupportedFile(
            f"{name}: the PDF has no text layer (a scan?); run OCR on it or paste the text"
        )
    title = (meta_title or "").strip()
    if title.casefold() in _PLACEHOLDER_TITLES:
        title = ""
    return Draft(title=title or first_line(text), text=text, source=name)


def _jsonl_draft(record: Any) -> Draft:
    """Make a Draft from one JSONL record: title, text, optional id, url, published, language."""
    if not isinstance(record, dict):
        raise DecodeFailed("expected a JSON object with title and text")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EmptyArticle("no text field, or it is empty")
    external_id = record.get("id")
    return Draft(
        title=str(record.get("title") or first_line(text)),
        text=text,
        url=_meta(record, "url"),
        source=_meta(record, "source"),
        published=_meta(record, "published", "date"),
        external_id=None if external_id is None else str(external_id),
        language=_meta(record, "language", "lang"),
    )


def read_jsonl(name: str, data: bytes) -> Iterator[tuple[str, Draft | IngestError]]:
    """Yield (name:LINE, draft or error) for each non-empty line of a JSONL file."""
    if looks_binary(data):
        yield name, UnsupportedFile(f"{name}: binary data, not JSON lines")
        return
    found = False
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        found = True
        line_name = f"{name}:{number}"
        try:
            yield line_name, _jsonl_draft(json.loads(raw.decode("utf-8-sig")))
        except IngestError as exc:
            yield line_name, type(exc)(f"{line_name}: {exc}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield line_name, DecodeFailed(f"{line_name}: not a valid JSON line ({_short(exc)})")
        except RecursionError:
            yield line_name, DecodeFailed(f"{line_name}: JSON nested too deeply to read")
    if not found:
        yield name, EmptyArticle(f"{name}: the file is empty")


def read_file(name: str, suffix: str, data: bytes) -> Iterator[tuple[str, Draft | IngestError]]:
    """Dispatch on the extension; yield (name, draft or error) per article."""
    if suffix == ".jsonl":
        yield from read_jsonl(name, data)
        return
    try:
        yield name, _read_single(name, suffix, data)
    except IngestError as exc:
        yield name, exc


def _read_single(name: str, suffix: str, data: bytes) -> Draft:
    if not data.strip():
        raise EmptyArticle(f"{name}: the file is empty")
    if suffix in TEXT_EXTENSIONS:
        return read_text(name, data)
    if suffix in HTML_EXTENSIONS:
        return read_html(name, data)
    if suffix == ".pdf":
        return read_pdf(name, data)
    supported = " ".join(sorted(SUPPORTED_EXTENSIONS))
    raise UnsupportedFile(f"{name}: unsupported file type {suffix or '(none)'}; use {supported}")
