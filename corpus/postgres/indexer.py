"""The indexer: claims pending records of the index queue, pushes them to a search index
through any ``push`` callable, and marks them done only once the push succeeded.

``push(passages, deleted)`` receives the passages to add or replace (``PassageDocument``:
text, sentences, article metadata) and the ids of the articles whose passages the index must
drop; it raises while the index is unreachable. It is then called again with the same batch
after ``first_delay`` seconds, twice that, and so on up to ``max_delay``, as long as it
raises; the claim is extended before each try, and given up if another indexer took it (the
lease ran out). With ``attempts`` set, ``push`` is tried that many times at most, and its
last error raised (the claim released at once): a command that indexes what it just added,
once, and leaves the rest to a running indexer. Several indexers may run at once, in one
process or many: each claims its own records.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Protocol

from corpus.postgres.queue import BATCH, LEASE, Claim, PassageDocument, new_token
from corpus.postgres.retry import describe

log = logging.getLogger(__name__)

Push = Callable[[Sequence[PassageDocument], Sequence[int]], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
IDLE = 1.0  # seconds between looks at an empty queue


class IndexQueue(Protocol):
    """The store side of the queue (``PostgresStore`` has it)."""

    async def claim_pending(
        self, limit: int = ..., lease: float = ..., claimer: str | None = ...
    ) -> Claim: ...

    async def extend_claim(self, claim: Claim, lease: float = ...) -> int: ...

    async def mark_done(self, claim: Claim) -> int: ...

    async def release_claim(self, claim: Claim, error: str | None = ...) -> None: ...

    async def index_documents(
        self, article_ids: Sequence[int]
    ) -> tuple[list[PassageDocument], list[int]]: ...


class Indexer:
    """Moves the index queue into a search index, batch by batch."""

    def __init__(
        self,
        queue: IndexQueue,
        push: Push,
        *,
        batch: int = BATCH,
        lease: float = LEASE,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        idle: float = IDLE,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
        attempts: int | None = None,
    ) -> None:
        self.queue = queue
        self.push = push
        self.batch = batch
        self.lease = lease
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.idle = idle
        self.sleep = sleep
        self.token = name or new_token()
        self.attempts = attempts

    async def run_once(self) -> int:
        """Claim one batch, push it (trying again while ``push`` raises, up to ``attempts``
        times) and mark it done.
        Return how many records were done: 0 when the queue had nothing to claim, or when
        the claim was lost to another indexer."""
        claim = await self.queue.claim_pending(self.batch, self.lease, self.token)
        if not claim:
            return 0
        try:
            deleted = [r.article_id for r in claim.records if r.action == "delete"]
            wanted = [r.article_id for r in claim.records if r.action == "index"]
            passages, gone = await self.queue.index_documents(wanted)
            deleted = sorted(set(deleted) | set(gone))
            if not await self._push(claim, passages, deleted):
                return 0
            return await self.queue.mark_done(claim)
        except BaseException as e:
            # claimed by no one at once, rather than when the lease ends
            with suppress(Exception):
                await asyncio.shield(self.queue.release_claim(claim, describe(e)))
            raise

    async def _push(
        self, claim: Claim, passages: Sequence[PassageDocument], deleted: Sequence[int]
    ) -> bool:
        """Push until it succeeds (True), or until the claim is lost (False)."""
        delay = self.first_delay
        tries = 0
        while True:
            try:
                await self.push(passages, deleted)
                return True
            except Exception as e:
                tries += 1
                if self.attempts is not None and tries >= self.attempts:
                    raise
                log.warning(
                    "indexing %d passages and %d deletions failed (%s); trying again in %.1f s",
                    len(passages),
                    len(deleted),
                    describe(e),
                    delay,
                )
            await self.sleep(delay)
            delay = min(delay * 2, self.max_delay)
            held = await self.queue.extend_claim(claim, self.lease)
            if held < len(claim.records):
                log.warning("the claim's lease ran out and another indexer took it")
                return False

    async def drain(self) -> int:
        """Run batches until the queue has nothing left to claim; return how many were done."""
        total = 0
        while n := await self.run_once():
            total += n
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Index until ``stop`` is set; look again every ``idle`` seconds when the queue is
        empty, and back off while the store itself does not answer."""
        delay = self.first_delay
        while not stop.is_set():
            try:
                done = await self.run_once()
                delay = self.first_delay
            except Exception as e:
                log.warning("the indexer failed (%s); trying again in %.1f s", describe(e), delay)
                await _wait(stop, delay)
                delay = min(delay * 2, self.max_delay)
                continue
            if not done:
                await _wait(stop, self.idle)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
