"""The answers the bot remembers for its buttons ("More", "Sources") and ``/sources``.

Two kinds behind one interface (``AnswerMemory``):

- ``LocalAnswers`` (the embedded default): the latest ``KEEP_ANSWERS`` answers in this
  process's memory, as the bot always kept them;
- ``SharedAnswers`` (a PostgreSQL store: several ``qabot serve`` replicas behind a load
  balancer): the answers in the database (table ``chat_answers``, the Answer as JSON), keyed
  by a number unique across replicas and kept for ``KEEP_SECONDS``, so that a button pressed
  on an answer works whichever replica receives the press, and after a restart.

Why keep the answer rather than re-ask its question on the press: "More" must show the next
sentences of *that* answer, and re-asking after an article was added or removed would give
another answer (and cost a whole question's work per press).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import asdict
from typing import Any, Protocol

from index.models import Answer, Quote, Source

log = logging.getLogger(__name__)

KEEP_ANSWERS = 2000  # in one process's memory
KEEP_SECONDS = 7 * 24 * 3600.0  # in the database


class AnswerMemory(Protocol):
    async def remember(self, chat_id: int, answer: Answer) -> int:
        """Keep an answer for its buttons and /sources; return its key."""
        ...

    async def get(self, key: int) -> Answer | None:
        """The answer kept under ``key`` (None: forgotten, or never kept)."""
        ...

    async def last(self, chat_id: int) -> Answer | None:
        """The latest answer kept for the chat."""
        ...


class LocalAnswers:
    """The latest answers in this process's memory."""

    def __init__(self, keep: int = KEEP_ANSWERS) -> None:
        self.keep = keep
        self.answers: OrderedDict[int, Answer] = OrderedDict()
        self.last_in_chat: OrderedDict[int, int] = OrderedDict()
        self._next_key = 0

    async def remember(self, chat_id: int, answer: Answer) -> int:
        self._next_key += 1
        key = self._next_key
        self.answers[key] = answer
        self.last_in_chat[chat_id] = key
        self.last_in_chat.move_to_end(chat_id)
        while len(self.answers) > self.keep:
            self.answers.popitem(last=False)
        while len(self.last_in_chat) > self.keep:
            self.last_in_chat.popitem(last=False)
        return key

    async def get(self, key: int) -> Answer | None:
        return self.answers.get(key)

    async def last(self, chat_id: int) -> Answer | None:
        key = self.last_in_chat.get(chat_id)
        return None if key is None else self.answers.get(key)


class SharedStore(Protocol):
    """What ``SharedAnswers`` needs of the store (``corpus.postgres.PostgresStore``)."""

    async def remember_answer(self, chat_id: int, answer: str, keep_seconds: float) -> int: ...

    async def remembered_answer(self, key: int) -> str | None: ...

    async def last_remembered_answer(self, chat_id: int) -> str | None: ...


class SharedAnswers:
    """The answers in the database, for every replica on it."""

    def __init__(self, store: SharedStore, keep_seconds: float = KEEP_SECONDS) -> None:
        self.store = store
        self.keep_seconds = keep_seconds

    async def remember(self, chat_id: int, answer: Answer) -> int:
        return await self.store.remember_answer(chat_id, answer_json(answer), self.keep_seconds)

    async def get(self, key: int) -> Answer | None:
        found = await self.store.remembered_answer(key)
        return None if found is None else _loaded(found)

    async def last(self, chat_id: int) -> Answer | None:
        found = await self.store.last_remembered_answer(chat_id)
        return None if found is None else _loaded(found)


def memory_for(store: object) -> AnswerMemory:
    """Shared answers where the store can keep them (PostgreSQL), else this process's."""
    if callable(getattr(store, "remember_answer", None)):
        return SharedAnswers(store)  # type: ignore[arg-type]
    return LocalAnswers()


def answer_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False, separators=(",", ":"))


def answer_from_json(text: str) -> Answer:
    data: dict[str, Any] = json.loads(text)

    def quote(q: dict[str, Any]) -> Quote:
        highlight = q.get("highlight")
        return Quote(**{**q, "highlight": None if highlight is None else tuple(highlight)})

    return Answer(
        **{
            **data,
            "quotes": tuple(quote(q) for q in data["quotes"]),
            "sources": tuple(Source(**s) for s in data["sources"]),
            "more": tuple(quote(q) for q in data.get("more", ())),
            "passages": tuple(data.get("passages", ())),
        }
    )


def _loaded(text: str) -> Answer | None:
    """The answer, or None for one this qabot cannot read (kept by another version)."""
    try:
        return answer_from_json(text)
    except (ValueError, TypeError, KeyError) as e:
        log.warning("a remembered answer could not be read: %s", e)
        return None
