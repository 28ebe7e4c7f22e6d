"""The PostgreSQL schema, as numbered migrations applied in order when a store opens.

Migrations run in one transaction under a transaction-scoped advisory lock named after the
schema, so that stores opening at once (several replicas, several ``qabot add``) take turns:
the first applies what is missing, the others then find it applied. ``schema_history``
records each migration once (its primary key would refuse a second).
"""

from __future__ import annotations

import os
import socket

import asyncpg

MIGRATIONS: tuple[str, ...] = (
    # 1: articles with their passages and sentences (as in the SQLite store, the language
    # from the start); the change counter; the database's id; the index queue.
    """
    CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
    INSERT INTO meta (key, value) VALUES ('db_id', replace(gen_random_uuid()::text, '-', ''));
    CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
    INSERT INTO counters (name, value) VALUES ('generation', 0);
    CREATE TABLE articles (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title text NOT NULL,
        url text,
        source text,
        published text,
        external_id text,
        text text NOT NULL,
        original bytea NOT NULL,  -- as given, UTF-8: it may hold NUL, which text refuses
        added_by text NOT NULL,
        added_at text NOT NULL,
        content_hash text NOT NULL UNIQUE,
        language text NOT NULL DEFAULT 'en'
    );
    CREATE INDEX articles_by_language ON articles (language);
    CREATE TABLE passages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        position integer NOT NULL,
        first_sentence integer NOT NULL,
        last_sentence integer NOT NULL,
        start integer NOT NULL,
        "end" integer NOT NULL,
        text text NOT NULL,
        UNIQUE (article_id, position)
    );
    CREATE TABLE sentences (
        article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        position integer NOT NULL,
        start integer NOT NULL,
        "end" integer NOT NULL,
        text text NOT NULL,
        PRIMARY KEY (article_id, position)
    );
    -- What the search index still has to do: one row an article, its latest change
    -- ('index' when added, 'delete' when removed). No foreign key: a delete outlives its
    -- article. An indexer claims rows for a while (claimed_by, claimed_until) and deletes
    -- them once done, unless the row changed meanwhile (version).
    CREATE SEQUENCE index_queue_seq;
    CREATE TABLE index_queue (
        article_id bigint PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('index', 'delete')),
        version bigint NOT NULL DEFAULT 1,
        seq bigint NOT NULL DEFAULT nextval('index_queue_seq'),
        queued_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        claimed_by text,
        claimed_until timestamptz,
        last_error text
    );
    CREATE INDEX index_queue_by_seq ON index_queue (seq);
    """,
    # 2: the bot's remembered answers, shared by its replicas (what "More" and "Sources"
    # show for an earlier answer, whichever replica the button press reaches): the Answer
    # as JSON, keyed by a number unique across replicas, kept until it expires.
    """
    CREATE TABLE chat_answers (
        key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chat_id bigint NOT NULL,
        answer text NOT NULL,  -- JSON (text: a score may be infinite, which jsonb refuses)
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
    );
    CREATE INDEX chat_answers_by_chat ON chat_answers (chat_id, key);
    CREATE INDEX chat_answers_by_expiry ON chat_answers (expires_at);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)

_HISTORY = """
CREATE TABLE IF NOT EXISTS schema_history (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL
)
"""


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this qabot."""


async def migrate(connection: asyncpg.Connection) -> int:
    """Apply the migrations the current schema lacks; return how many were applied."""
    async with connection.transaction():
        schema = await connection.fetchval("SELECT current_schema()")
        if schema is None:
            raise SchemaError(
                "the database has no schema to create qabot's tables in: create the schema"
                " named by search_path, or leave search_path at its default (public)"
            )
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"qabot.schema.{schema}"
        )
        await connection.execute(_HISTORY)
        found = await connection.fetchval("SELECT coalesce(max(version), 0) FROM schema_history")
        version = int(found)
        if version > SCHEMA_VERSION:
            raise SchemaError(
                f"schema {schema!r} was written by a newer qabot (schema {version}): upgrade qabot"
            )
        by = f"{socket.gethostname()}:{os.getpid()}"
        for number in range(version, SCHEMA_VERSION):
            await connection.execute(MIGRATIONS[number])
            await connection.execute(
                "INSERT INTO schema_history (version, applied_by) VALUES ($1, $2)", number + 1, by
            )
        return SCHEMA_VERSION - version
