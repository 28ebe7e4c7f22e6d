"""Both article stores answer to corpus.interface.ArticleStore; a path opens the embedded
SQLite store, a postgresql:// URL the PostgreSQL one, which alone needs asyncpg (the
``scale`` extra): nothing of the embedded default imports it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from corpus.interface import ArticleStore, is_database_url, open_store
from corpus.store import Store

ROOT = Path(__file__).resolve().parents[1]


async def test_a_path_opens_the_sqlite_store_which_is_an_article_store(tmp_path: Path) -> None:
    async with await open_store(tmp_path / "qabot.db") as store:
        assert isinstance(store, Store)
        assert isinstance(store, ArticleStore)


def test_database_urls_are_told_from_paths() -> None:
    assert is_database_url("postgresql://qabot@127.0.0.1:5432/qabot")
    assert is_database_url("postgres://db.example.org/qabot")
    assert not is_database_url("qabot.db")
    assert not is_database_url(Path("postgresql:/x"))


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_the_embedded_default_never_imports_asyncpg() -> None:
    done = run(
        "import sys\n"
        "import bot.cli, bot.engine, bot.repl, corpus.interface, corpus.store\n"
        "assert 'asyncpg' not in sys.modules, 'asyncpg was imported'\n"
        "assert 'corpus.postgres.store' not in sys.modules  # the errors module may be\n"
    )
    assert done.returncode == 0, done.stderr


def test_a_database_url_without_asyncpg_says_what_to_install() -> None:
    done = run(
        "import asyncio, sys\n"
        "sys.modules['asyncpg'] = None  # as if not installed\n"
        "from corpus.errors import QabotError\n"
        "from corpus.interface import open_store\n"
        "try:\n"
        "    asyncio.run(open_store('postgresql://qabot@127.0.0.1:1/qabot'))\n"
        "except QabotError as e:\n"
        "    print(e)\n"
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'qabot[scale]'" in done.stdout


def test_its_error_can_be_caught_without_asyncpg() -> None:
    done = run(
        "import sys\n"
        "sys.modules['asyncpg'] = None  # as if not installed\n"
        "from corpus.errors import QabotError\n"
        "from corpus.postgres.errors import StoreUnavailable\n"
        "assert issubclass(StoreUnavailable, QabotError)\n"
    )
    assert done.returncode == 0, done.stderr
