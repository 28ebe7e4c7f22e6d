"""The error a PostgreSQL store reports when its database does not answer."""

from __future__ import annotations

from corpus.errors import QabotError


class StoreUnavailable(QabotError):
    """The article database did not answer in time (down, restarting, unreachable).

    ``stored`` says what became of the write that failed: False when it certainly was not
    stored, None when the connection broke while it committed and the database did not
    answer again in time to tell (adding the same article again is safe: it is then
    recognised as a duplicate). Reads that fail leave it None.
    """

    def __init__(self, message: str, stored: bool | None = None) -> None:
        super().__init__(message)
        self.stored = stored
