"""Where qabot keeps its data when nothing says otherwise."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from corpus.interface import is_database_url


def db_location(value: str | Path) -> Path | str:
    """Where the articles are, as ``--db`` or ``QABOT_DB`` gives it: a ``postgresql://``
    (or ``postgres://``) URL kept as it is (a ``Path`` would make ``postgresql:/`` of it),
    else a SQLite file's path, ``~`` expanded."""
    if isinstance(value, str) and is_database_url(value.strip()):
        return value.strip()
    return Path(value).expanduser()


def default_db_path() -> Path | str:
    """``QABOT_DB`` if set (a path or a database URL), else ``qabot.db`` in the user's data
    directory."""
    env = os.environ.get("QABOT_DB")
    if env:
        return db_location(env)
    return Path(platformdirs.user_data_dir("qabot", appauthor=False)) / "qabot.db"


def shown(location: Path | str) -> str:
    """A location as messages and help show it: a database URL without its password (nor
    its query), as ``PostgresStore.location`` gives it; a path as it is."""
    if not (isinstance(location, str) and is_database_url(location)):
        return str(location)
    parts = urlsplit(location)
    host = parts.hostname or "localhost"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: shown as nothing, not as an error
        port = ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"
