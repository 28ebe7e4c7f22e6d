"""An async SolrCloud client on httpx: any node coordinates, the next one answers when a
node does not.

Every request goes to one node of the list (``QABOT_SOLR_URL``, comma-separated base URLs
such as ``http://127.0.0.1:8983/solr``); SolrCloud routes it to the shards and replicas
itself. A node that refuses the connection, times out or answers with a 5xx error is set
aside for ``rest_s`` seconds and the request goes to the next one; when none answers,
``SearchUnavailable`` says so. A 4xx answer is the request's fault, not the node's: it raises
``SolrError`` with Solr's own message and goes nowhere else. Every request of qabot's is
idempotent (searches, updates by id, deletes), so sending it again to another node is safe.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from corpus.errors import QabotError

URL_ENV = "QABOT_SOLR_URL"
COLLECTION_ENV = "QABOT_SOLR_COLLECTION"
TIMEOUT_ENV = "QABOT_SOLR_TIMEOUT"
DEFAULT_COLLECTION = "qabot"

Json = dict[str, Any]


class SolrError(QabotError):
    """Solr refused a request (a 4xx answer): the message is Solr's own."""


class SearchUnavailable(QabotError):
    """No Solr node answered: the search is unavailable until one does."""


@dataclass(frozen=True, slots=True)
class SolrSettings:
    """Where the collection is: ``urls`` (each node's base URL, ending in ``/solr``) and
    ``collection``; ``timeout`` a request's limit in seconds (connecting: ``connect_timeout``),
    after which the next node is asked; ``rest_s`` how long a node that failed is tried last."""

    urls: tuple[str, ...]
    collection: str = DEFAULT_COLLECTION
    timeout: float = 10.0
    connect_timeout: float = 3.0
    rest_s: float = 5.0

    def __post_init__(self) -> None:
        if not self.urls:
            raise QabotError(f"no Solr node given: set {URL_ENV} to the nodes' URLs")
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise QabotError(f"{URL_ENV}: {url!r} is not an http(s) URL")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SolrSettings:
        """From ``QABOT_SOLR_URL`` (comma-separated), ``QABOT_SOLR_COLLECTION`` and
        ``QABOT_SOLR_TIMEOUT`` (seconds)."""
        env = os.environ if environ is None else environ
        urls = parse_urls(env.get(URL_ENV, ""))
        collection = env.get(COLLECTION_ENV, "").strip() or DEFAULT_COLLECTION
        timeout = env.get(TIMEOUT_ENV, "").strip()
        if not timeout:
            return cls(urls=urls, collection=collection)
        try:
            seconds = float(timeout)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds < 3600:
            raise QabotError(f"{TIMEOUT_ENV} must be a number of seconds, not {timeout!r}")
        return cls(urls=urls, collection=collection, timeout=seconds)


def parse_urls(value: str) -> tuple[str, ...]:
    """Base URLs from a comma-separated list, without trailing slashes or repeats."""
    urls = (u.strip().rstrip("/") for u in value.split(","))
    return tuple(dict.fromkeys(u for u in urls if u))


class SolrClient:
    """Requests to a SolrCloud, failing over from node to node.

    Start with the node that answered last, so a dead node costs one failed attempt, not
    one per request; a node that failed is tried again after ``rest_s``.
    """

    def __init__(self, settings: SolrSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.urls = settings.urls
        timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
        self._own = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._current = 0
        self._resting: dict[int, float] = {}  # node -> monotonic time it may be tried again

    @property
    def collection(self) -> str:
        return self.settings.collection

    async def close(self) -> None:
        if self._own:
            await self._http.aclose()

    async def __aenter__(self) -> SolrClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _order(self) -> list[int]:
        """The nodes to try: from the current one round, those resting last."""
        n = len(self.urls)
        ring = [(self._current + i) % n for i in range(n)]
        now = time.monotonic()
        return sorted(ring, key=lambda i: self._resting.get(i, 0.0) > now)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool | None] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Json:
        """Send a request to the first node that answers; its JSON body.

        ``path`` starts with ``/``, after the node's base URL (``/qabot/query``,
        ``/admin/collections``).
        """
        failures: list[str] = []
        for node in self._order():
            base = self.urls[node]
            try:
                response = await self._http.request(
                    method, base + path, params=params, json=json, content=content, headers=headers
                )
            except httpx.TransportError as e:
                failures.append(f"{base}: {_describe(e)}")
                self._resting[node] = time.monotonic() + self.settings.rest_s
                continue
            if response.status_code >= 500:
                failures.append(f"{base}: HTTP {response.status_code} {_solr_message(response)}")
                self._resting[node] = time.monotonic() + self.settings.rest_s
                continue
            self._current = node
            self._resting.pop(node, None)
            if response.status_code >= 400:
                raise SolrError(
                    f"Solr refused {method} {path} (HTTP {response.status_code}): "
                    f"{_solr_message(response)}"
                )
            try:
                body: Json = response.json()
            except ValueError as e:
                raise SolrError(f"Solr answered {method} {path} with no JSON: {e}") from None
            return body
        raise SearchUnavailable(
            f"search is unavailable: no Solr node answered ({'; '.join(failures)}); "
            "try again shortly"
        )

    async def get(self, path: str, **params: Any) -> Json:
        return await self.request("GET", path, params={"wt": "json", **params})

    async def query(self, body: Json) -> Json:
        """A search in the collection through the JSON Request API."""
        return await self.request("POST", f"/{self.collection}/query", json=body)

    async def update(self, body: Any, **params: Any) -> Json:
        """Documents or commands (JSON) posted to the collection's ``/update``."""
        return await self.request(
            "POST", f"/{self.collection}/update", params={"wt": "json", **params}, json=body
        )


def _describe(error: httpx.TransportError) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _solr_message(response: httpx.Response) -> str:
    """Solr's error message from an error response, else the start of its body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300].strip()
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("msg"):
        return str(error["msg"])
    return response.text[:300].strip()
