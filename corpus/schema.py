"""The SQLite schema, as numbered migrations applied in order on open."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: articles, their passages and sentences; meta holds the change counter.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        url TEXT,
        source TEXT,
        published TEXT,
        external_id TEXT,
        text TEXT NOT NULL,
        original TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE
    );
    CREATE TABLE passages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        first_sentence INTEGER NOT NULL,
        last_sentence INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX passages_by_article ON passages(article_id);
    CREATE TABLE sentences (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (article_id, position)
    ) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('generation', '0');
    """,
    # 2: a random id of this database, which its index records: an index kept beside a
    # database file that was replaced by another is then rebuilt rather than trusted.
    """
    INSERT OR IGNORE INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))));
    """,
    # 3: each article's language (ISO 639-1), detected when it is added or given by an
    # admin; articles stored before are detected when the store opens (``corpus.store``).
    """
    ALTER TABLE articles ADD COLUMN language TEXT;
    CREATE INDEX articles_by_language ON articles(language);
    """,
)
# The migration after which articles without a language are detected.
LANGUAGE_MIGRATION = 3

SCHEMA_VERSION = len(MIGRATIONS)
