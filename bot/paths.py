"""Where qabot keeps its data when nothing says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    """``QABOT_DB`` if set, else ``qabot.db`` in the user's data directory."""
    env = os.environ.get("QABOT_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("qabot", appauthor=False)) / "qabot.db"
