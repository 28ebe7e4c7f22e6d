"""Download one article over http(s): streamed, size-capped, checked for a usable content type."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from corpus.errors import FetchFailed, TooLarge

ACCEPTED_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain", "application/pdf"})
USER_AGENT = "qabot/0.1 (+article fetcher)"


@dataclass(frozen=True, slots=True)
class Fetched:
    """The body of a fetched URL, with the URL it ended at after redirects."""

    url: str
    content_type: str
    data: bytes


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchFailed(f"{url}: only http:// and https:// links can be fetched")


def _content_type(response: httpx.Response) -> str:
    """Return the media type of a response, or refuse it if it is not an article."""
    media = str(response.headers.get("content-type", "")).split(";")[0].strip().lower()
    if media not in ACCEPTED_TYPES:
        raise FetchFailed(
            f"{response.url}: not an article: content-type {media or 'missing'}; "
            "send a link to a web page, a text file or a PDF"
        )
    return media


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Read the body, refusing it as soon as it grows past max_bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"{response.url}: {int(declared)} bytes is above the limit of {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"{response.url}: more than {max_bytes} bytes, the size limit")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(
    url: str, max_bytes: int, timeout: float, transport: httpx.BaseTransport | None = None
) -> Fetched:
    """GET url following redirects; raise FetchFailed or TooLarge with a message for the user."""
    _check_url(url)
    headers = {"User-Agent": USER_AGENT}
    try:
        with (
            httpx.Client(
                follow_redirects=True, timeout=timeout, headers=headers, transport=transport
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise FetchFailed(f"{url}: the server answered HTTP {response.status_code}")
            media = _content_type(response)
            return Fetched(str(response.url), media, _read_capped(response, max_bytes))
    except httpx.TimeoutException as exc:
        raise FetchFailed(f"{url}: no answer within {timeout:g} seconds; try again later") from exc
    except httpx.ConnectError as exc:
        raise FetchFailed(f"{url}: could not connect ({exc}); check the link") from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url}: the download failed ({exc})") from exc
