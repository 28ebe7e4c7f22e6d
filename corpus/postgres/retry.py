"""Which PostgreSQL errors are worth trying again, and how long to wait between tries."""

from __future__ import annotations

import asyncpg

# The server or the connection went away, or is not back yet; the statement did not run
# (or, for a COMMIT, may have: see corpus.postgres.store).
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08, and a connection that broke mid-statement
    asyncpg.CannotConnectNowError,  # 57P03: starting up or shutting down
    asyncpg.AdminShutdownError,  # 57P01
    asyncpg.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
    OSError,  # refused, reset, unreachable (ConnectionError is one)
    TimeoutError,  # no answer to a connection attempt
)

# A transaction that PostgreSQL rolled back to let another go on: run it again, as is.
_ROLLBACK_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.SerializationError,  # 40001
    asyncpg.DeadlockDetectedError,  # 40P01
)

FIRST_DELAY = 0.05
MAX_DELAY = 1.0
ROLLBACK_RETRIES = 50


def is_connection_error(error: BaseException) -> bool:
    if isinstance(error, _CONNECTION_ERRORS):
        return True
    # asyncpg says so when a pooled connection was closed under it
    return isinstance(error, asyncpg.InterfaceError) and "closed" in str(error)


def is_rollback(error: BaseException) -> bool:
    return isinstance(error, _ROLLBACK_ERRORS)


def next_delay(delay: float) -> float:
    return min(delay * 2, MAX_DELAY)


def describe(error: BaseException) -> str:
    """A short reason for a message: the error's text, or its kind when it has none."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
