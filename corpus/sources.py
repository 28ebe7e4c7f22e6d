"""Where articles come from: files, directories, URLs, stdin, uploads and pasted messages.

Nothing here raises for bad input: every article found, and every failure, is one Loaded.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import EmptyArticle, IngestError, TooLarge, UnsupportedFile
from corpus.fetch import fetch
from corpus.formats import (
    SUPPORTED_EXTENSIONS,
    read_file,
    read_html,
    read_pdf,
    read_text,
    split_title_line,
)
from corpus.models import Draft

MESSAGE_TITLE_CHARS = 120
MESSAGE_TITLE_WORDS = 8
_MEDIA_SUFFIX = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}


@dataclass(frozen=True, slots=True)
class Loaded:
    """One article read from a source, or the reason it could not be read."""

    name: str
    draft: Draft | None = None
    error: IngestError | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a single input may weigh, and how long a download may take."""

    max_bytes: int = 20_000_000
    timeout: float = 15.0


def _loaded(items: Iterator[tuple[str, Draft | IngestError]]) -> Iterator[Loaded]:
    for name, item in items:
        if isinstance(item, Draft):
            yield Loaded(name, draft=item)
        else:
            yield Loaded(name, error=item)


def _too_large(name: str, size: int, limits: Limits) -> TooLarge:
    return TooLarge(
        f"{name}: {size} bytes is above the limit of {limits.max_bytes} bytes; "
        "split the file or raise QABOT_MAX_BYTES"
    )


def load_bytes(name: str, data: bytes, limits: Limits = Limits()) -> Iterator[Loaded]:
    """Read an uploaded file, its format chosen by the extension of name."""
    if len(data) > limits.max_bytes:
        yield Loaded(name, error=_too_large(name, len(data), limits))
        return
    yield from _loaded(read_file(name, Path(name).suffix.lower(), data))


def load_file(path: Path, limits: Limits = Limits()) -> Iterator[Loaded]:
    """Read one file, checking its size before reading it and reading no more than the limit."""
    name = str(path)
    try:
        size = os.stat(path).st_size
        if size > limits.max_bytes:
            yield Loaded(name, error=_too_large(name, size, limits))
            return
        with path.open("rb") as stream:  # capped: a file may grow while it is read
            data = stream.read(limits.max_bytes + 1)
    except OSError as exc:
        yield Loaded(name, error=UnsupportedFile(f"{name}: cannot read it ({exc.strerror})"))
        return
    yield from load_bytes(name, data, limits)


def _is_visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def load_directory(root: Path, limits: Limits = Limits()) -> Iterator[Loaded]:
    """Read every supported, non-hidden file under root, recursively, in sorted order."""
    for path in sorted(root.rglob("*")):
        supported = path.suffix.lower() in SUPPORTED_EXTENSIONS
        if supported and path.is_file() and _is_visible(path, root):
            yield from load_file(path, limits)


def load_url(url: str, limits: Limits = Limits()) -> Iterator[Loaded]:
    """Download a web page, text file or PDF and read it."""
    try:
        page = fetch(url, limits.max_bytes, limits.timeout)
        if page.content_type == "application/pdf":
            draft = read_pdf(url, page.data)
            draft = Draft(draft.title, draft.text, url=page.url, source=page.url)
        elif page.content_type == "text/plain":
            draft = read_text(url, page.data)
            draft = Draft(
                draft.title,
                draft.text,
                draft.url or page.url,
                page.url,
                draft.published,
                language=draft.language,
            )
        else:
            draft = read_html(url, page.data, url=page.url)
    except IngestError as exc:
        yield Loaded(url, error=exc)
        return
    yield Loaded(url, draft=draft)


def load_stdin(limits: Limits = Limits()) -> Iterator[Loaded]:
    """Read one text article from standard input."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is not None:
        data: bytes = stream.read(limits.max_bytes + 1)
    else:
        data = sys.stdin.read(limits.max_bytes + 1).encode("utf-8")
    if len(data) > limits.max_bytes:
        yield Loaded("stdin", error=_too_large("stdin", len(data), limits))
        return
    yield from _loaded(read_file("stdin", ".txt", data))


def load_source(source: str, limits: Limits = Limits()) -> Iterator[Loaded]:
    """Read a file, a directory, an http(s) URL or "-" (stdin); never raise for bad input."""
    if source == "-":
        yield from load_stdin(limits)
    elif "://" in source:
        yield from load_url(source, limits)
    elif Path(source).is_dir():
        yield from load_directory(Path(source), limits)
    elif Path(source).is_file():
        yield from load_file(Path(source), limits)
    else:
        yield Loaded(source, error=UnsupportedFile(f"{source}: no such file, directory or URL"))


def load_message(text: str, source: str | None = None) -> Loaded:
    """Make an article of a pasted message: its first line, or first words, is the title."""
    body = text.strip()
    name = source or "message"
    if not body:
        return Loaded(name, error=EmptyArticle("the message is empty"))
    titled = split_title_line(body)
    if titled:
        return Loaded(name, draft=Draft(title=titled[0], text=titled[1], source=source))
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if len(lines) == 1:
        title = " ".join(lines[0].split()[:MESSAGE_TITLE_WORDS])
    else:
        title = lines[0][:MESSAGE_TITLE_CHARS].strip()
    return Loaded(name, draft=Draft(title=title, text=body, source=source))
