"""A small fake Telegram Bot API server for tests, on 127.0.0.1 and a random port.

It answers what qabot calls (getMe, getUpdates with long polling, sendMessage,
editMessageText, sendChatAction, answerCallbackQuery, setMyCommands, deleteWebhook, getFile
and file downloads), checks HTML like Telegram does (well-formed, allowed tags, at most 4,096
UTF-16 units after entity parsing), and lets a test push updates, wait for what the bot
sent and make one call fail with 429 "retry after".

By default the bot fetches updates with getUpdates. With ``deliver_to`` set (a URL: a bot's
webhook, or a load balancer in front of several), the server instead POSTs each pushed update
there as Telegram does (JSON, the ``X-Telegram-Bot-Api-Secret-Token`` header), one at a time
in order, again after a failure, and records each delivery (``deliveries``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

TOKEN = "123456:" + "A" * 35
BOT = {"id": 999, "is_bot": True, "first_name": "QA Bot", "username": "qabot_test_bot"}
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
JSON_FIELDS = {
    "chat_id", "message_id", "reply_markup", "offset", "limit", "timeout", "allowed_updates",
    "commands", "reply_parameters", "link_preview_options", "show_alert", "scope",
    "drop_pending_updates", "cache_time", "disable_notification", "protect_content",
    "reply_to_message_id", "allow_sending_without_reply", "disable_web_page_preview",
}  # fmt: skip


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class _Checker(HTMLParser):
    """Parses Telegram HTML the way the server does: the visible text, or an error."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'Unmatched end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """The text Telegram would show, or ApiError 400 like Telegram's."""
    if re.search(r"<(?![a-zA-Z/])", text) or re.search(r"&(?!#?\w+;)", text):
        raise ApiError(400, "Bad Request: can't parse entities: unescaped < or &")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.error or checker.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: {checker.error or 'unclosed'}")
    return "".join(checker.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """One call the bot made to the server."""

    method: str
    params: dict[str, Any]
    at: float
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def plain(self) -> str:
        """The text as a user sees it."""
        return parse_html(self.text) if self.params.get("parse_mode") == "HTML" else self.text


@dataclass
class Delivery:
    """One update POSTed to the webhook (webhook mode): the last attempt's HTTP status (None:
    no answer), and the replica that took it where a load balancer says (``X-Qabot-Replica``)."""

    update_id: int
    url: str
    status: int | None = None
    replica: str | None = None
    attempts: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class FakeBotApi:
    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Sent] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    failures: dict[str, list[ApiError]] = field(default_factory=dict)
    url: str = ""
    webhook: dict[str, Any] | None = None
    deliver_to: str | None = None  # webhook mode: POST each pushed update here
    secret_token: str | None = None  # sent with each delivery
    deliveries: list[Delivery] = field(default_factory=list)
    delivery_attempts: int = 5

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.last_update_id = 0
        self._delivering = asyncio.Lock()  # one delivery at a time, in order (FIFO)
        self._deliveries: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what a test does -------------------------------------------------------------------

    def push(self, **update: Any) -> int:
        """Queue an update (``message=...``, ``callback_query=...``); returns its id."""
        update_id = self.last_update_id = next(self._ids)
        if self.deliver_to is not None:
            task = asyncio.get_running_loop().create_task(
                self._deliver({"update_id": update_id, **update}, self.deliver_to)
            )
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
            return update_id
        self.updates.append({"update_id": update_id, **update})
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    async def _deliver(self, update: dict[str, Any], url: str) -> None:
        """POST the update to the webhook as Telegram does, again (a little later) while
        the answer is not 2xx; record the outcome."""
        import aiohttp

        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret_token or ""}
        delivery = Delivery(update["update_id"], url)
        async with self._delivering, aiohttp.ClientSession() as session:
            for attempt in range(1, self.delivery_attempts + 1):
                delivery.attempts = attempt
                try:
                    async with session.post(
                        url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
                    ) as response:
                        delivery.status = response.status
                        delivery.replica = response.headers.get("X-Qabot-Replica")
                except (aiohttp.ClientError, TimeoutError) as e:
                    delivery.status, delivery.error = None, repr(e)
                if delivery.status is not None and 200 <= delivery.status < 300:
                    break
                await asyncio.sleep(0.2 * attempt)
        self.deliveries.append(delivery)
        await self._notify()

    async def wait_delivered(self, update_id: int, timeout: float = 20.0) -> Delivery:
        """The delivery of an update (webhook mode), once it is over."""

        def found(calls: list[Sent]) -> Delivery | None:
            return next((d for d in self.deliveries if d.update_id == update_id), None)

        delivery: Delivery = await self.wait_for(found, timeout)
        return delivery

    def message(
        self,
        chat_id: int,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to: dict[str, Any] | None = None,
        document: dict[str, Any] | None = None,
        caption: str | None = None,
        send: bool = True,
        language_code: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Push a message as a user sends it (unless not ``send``); commands and @mentions
        get their entities; ``language_code`` is the language of the sender's Telegram app
        (an IETF tag such as ``de`` or ``pt-br``), which Telegram sends with the user."""
        chat_type = chat_type or ("private" if chat_id > 0 else "group")
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "User"
        else:
            chat["title"] = "A group"
        uid = user_id if user_id is not None else abs(chat_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": _user(uid, language_code),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if entities := _entities(text):
                message["entities"] = entities
        if caption is not None:
            message["caption"] = caption
            if entities := _entities(caption):
                message["caption_entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if document is not None:
            message["document"] = document
        if send:
            self.push(message=message)
        return message

    def callback(
        self, message: dict[str, Any], data: str, user_id: int, language_code: str | None = None
    ) -> int:
        """Push a press of an inline button on a message the bot sent; its update id."""
        return self.push(
            callback_query={
                "id": str(next(self._ids)),
                "from": _user(user_id, language_code),
                "chat_instance": "1",
                "message": message,
                "data": data,
            }
        )

    def add_file(self, name: str, data: bytes, mime: str = "text/plain") -> dict[str, Any]:
        """Store a file; returns the Document dict to attach to a message."""
        file_id = f"file{next(self._ids)}"
        self.files[file_id] = (f"documents/{file_id}_{name}", data)
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "mime_type": mime,
            "file_size": len(data),
        }

    def fail_next(self, method: str, code: int = 429, retry_after: int = 1) -> None:
        """Make the next call of ``method`` fail once (429 with retry_after by default)."""
        error = (
            ApiError(code, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
            if code == 429
            else ApiError(code, "Internal Server Error")
        )
        self.failures.setdefault(method, []).append(error)

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[Sent]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for(self, predicate: Callable[[list[Sent]], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate(calls)`` is truthy and return its value."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                while not (value := predicate(self.calls)):
                    await self._changed.wait()
                return value

    async def wait_sent(
        self,
        chat_id: int,
        count: int = 1,
        method: str = "sendMessage",
        timeout: float = 10.0,
        after: int = 0,
    ) -> list[Sent]:
        """Wait for ``count`` calls of ``method`` to ``chat_id`` (counting from ``after``)."""

        def enough(calls: list[Sent]) -> list[Sent] | None:
            found = [c for c in calls[after:] if c.method == method and c.chat_id == chat_id]
            return found if len(found) >= count else None

        result: list[Sent] = await self.wait_for(enough, timeout)
        return result

    # -- the Bot API ------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        try:
            params = await _params(request)
        except ConnectionResetError:  # the bot cancelled the call (a "typing" no longer needed)
            return web.Response(status=499)
        try:
            if (pending := self.failures.get(method)) and not method.startswith("getUpdates"):
                error = pending.pop(0)
                if not pending:
                    del self.failures[method]
                raise error
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                raise ApiError(404, f"Not Found: method {method} not found")
            result = await handler(params)
        except ApiError as e:
            self.calls.append(Sent(method + "!failed", params, time.monotonic()))
            await self._notify()
            return _error(e)
        if method != "getUpdates":
            self.calls.append(Sent(method, params, time.monotonic(), result))
            await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data)
        raise web.HTTPNotFound()

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {**BOT, "can_join_groups": True, "can_read_all_group_messages": False}

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or self._closing:
                    return self.updates[:limit]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                try:
                    async with asyncio.timeout(left):
                        await self._changed.wait()
                except TimeoutError:
                    return []

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        text = self._check_text(params)
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
            "text": text,
        }

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        text = self._check_text(params)
        chat_id = int(params["chat_id"])
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
            "text": text,
        }

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    def _check_text(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        plain = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return plain


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue
        if key in JSON_FIELDS:
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    params.update(request.query)
    return params


def _error(e: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": e.code, "description": e.description}
    if e.parameters:
        body["parameters"] = e.parameters
    return web.json_response(body, status=e.code)


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if language_code is not None:
        user["language_code"] = language_code
    return user


def _entities(text: str) -> list[dict[str, Any]]:
    """bot_command at the start and @mentions, with UTF-16 offsets as Telegram sends them."""
    entities = []
    for m in re.finditer(r"(?:^/[A-Za-z0-9_]+(?:@\w+)?)|(?:@\w{5,})", text):
        offset = utf16_len(text[: m.start()])
        kind = "bot_command" if m.group().startswith("/") else "mention"
        entities.append({"type": kind, "offset": offset, "length": utf16_len(m.group())})
    return entities
