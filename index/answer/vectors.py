"""Sentence vectors kept on disk, so that a sentence is encoded once, when its article is added.

Encoding the candidate sentences at question time cost 100-400 ms a question on a 2-core
CPU; read from ``<db>.index/vectors.sqlite`` they cost well under a millisecond, and only
the question itself is encoded (and kept too, so a repeated question loads no model).
Rows are keyed by a hash of the model's name and the text (the text is not kept: the store
has it), so a removed article's rows and old questions' rows are merely unused until
``prune`` (``qabot reindex``), and another model never reads this one's vectors. A vector
is kept as float16, half the size of float32 (768 bytes a sentence); every vector handed
out, fresh or read back, goes through the same rounding, so an answer does not depend on
where a vector came from. SQLite in WAL mode lets a bot and ``qabot add`` in another
process share the file.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

FILENAME = "vectors.sqlite"
CHUNK = 64  # texts encoded and stored together; a question waits at most one chunk for the model
READ_CHUNK = 500  # keys per SELECT, well under SQLite's limit of bound variables
T = TypeVar("T")

SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"


def text_key(model: str, text: str) -> bytes:
    """The row key of ``text`` encoded by ``model``."""
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=16).digest()


def rounded(vectors: NDArray[np.floating]) -> NDArray[np.float32]:
    """Vectors as they read back from the file: through float16, then unit length again."""
    out = np.asarray(vectors, dtype=np.float16).astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.where(norms > 0, norms, 1.0), dtype=np.float32)


class VectorFile:
    """One SQLite file of vectors of one model. Opened on first use; not thread safe alone."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path = path
        self.model = model
        self.dim = dim
        self._db: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(SCHEMA)
            self._db = db
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, texts: Iterable[str]) -> dict[str, NDArray[np.float32]]:
        """The stored vectors of those texts that have one, keyed by text."""
        found: dict[str, NDArray[np.float32]] = {}
        for text, blob in self._stored(texts, "vector"):
            vector = np.frombuffer(blob, dtype=np.float16)
            if vector.size == self.dim:
                found[text] = vector.astype(np.float32)
        return found

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Those of the texts that have no stored vector, in order."""
        texts = list(dict.fromkeys(texts))
        present = {text for text, _ in self._stored(texts, "key")}
        return [t for t in texts if t not in present]

    def _stored(self, texts: Iterable[str], column: str) -> Iterator[tuple[str, bytes]]:
        """(text, ``column``) for each of the texts that has a row, in chunks of keys."""
        keys = {text_key(self.model, t): t for t in texts}
        db = self._conn()
        for chunk in _chunks(list(keys), READ_CHUNK):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT key, {column} FROM vectors WHERE key IN ({marks})"
            for key, value in db.execute(sql, chunk):
                yield keys[key], value

    def put(self, texts: Sequence[str], vectors: NDArray[np.floating]) -> None:
        """Store one vector per text (as float16), in one transaction."""
        halves = np.asarray(vectors, dtype=np.float16)
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [
                    (text_key(self.model, t), v.tobytes())
                    for t, v in zip(texts, halves, strict=True)
                ],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def prune(self, keep: Iterable[str]) -> int:
        """Delete every row except this model's rows of ``keep``; return how many went."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key BLOB PRIMARY KEY)")
            db.execute("DELETE FROM temp.keep")
            db.executemany(
                "INSERT OR IGNORE INTO temp.keep (key) VALUES (?)",
                ((text_key(self.model, t),) for t in keep),
            )
            cursor = db.execute("DELETE FROM vectors WHERE key NOT IN (SELECT key FROM temp.keep)")
            db.execute("DELETE FROM temp.keep")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return cursor.rowcount

    def count(self) -> int:
        """How many vectors the file holds."""
        return int(self._conn().execute("SELECT count(*) FROM vectors").fetchone()[0])


class CachedEmbedder:
    """An embedder that encodes each text once: an LRU in memory, then an optional file.

    Subclasses supply ``_encode`` (the model) and ``MODEL``/``DIM``. ``encode`` is what the
    answerer calls at question time; ``fill`` is for adds, encoding many texts shortest first
    (less padding in a batch) in chunks, releasing the lock between chunks so that questions
    asked meanwhile wait for one chunk, not the whole add. Thread safe: one lock guards the
    model, the memory and the file.
    """

    MODEL = ""
    DIM = 0

    def __init__(self, cache_size: int = 50_000, path: Path | None = None) -> None:
        self.cache_size = cache_size
        self.file = VectorFile(path, self.MODEL, self.DIM) if path is not None else None
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Unit-length vectors of the texts, straight from the model."""
        raise NotImplementedError

    def encode(
        self, texts: Sequence[str], private: frozenset[str] = frozenset()
    ) -> NDArray[np.float32]:
        """One unit-length row per text, in order; a text is encoded only if not kept yet.

        ``private`` texts (a user's question) are kept in memory only, never in the file."""
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if new and self.file is not None:
                found = self.file.get(new)
                self._cache.update((t, rounded(v[None])[0]) for t, v in found.items())
                new = [t for t in new if t not in found]
            if new:
                vectors = self._encode(new)
                if self.file is not None:
                    shared = [i for i, t in enumerate(new) if t not in private]
                    if shared:
                        self.file.put([new[i] for i in shared], vectors[shared])
                self._cache.update(zip(new, rounded(vectors), strict=True))
            out = np.zeros((len(texts), self.DIM), dtype=np.float32)
            for i, text in enumerate(texts):
                self._cache.move_to_end(text)
                out[i] = self._cache[text]
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def fill(self, texts: Iterable[str], progress: bool = False) -> int:
        """Encode and store the texts the file lacks; return how many. Without a file: none."""
        if self.file is None:
            return 0
        with self._lock:
            missing = sorted(self.file.missing(texts), key=len)
        bar = tqdm(
            total=len(missing),
            desc="encoding",
            unit=" sentences",
            file=sys.stderr,
            disable=not progress or len(missing) < 1000,
        )
        for chunk in _chunks(missing, CHUNK):
            with self._lock:
                self.file.put(chunk, self._encode(chunk))
            bar.update(len(chunk))
        bar.close()
        return len(missing)

    def prune(self, keep: Iterable[str]) -> int:
        """Drop the stored vectors of texts not in ``keep``; return how many."""
        if self.file is None:
            return 0
        with self._lock:
            return self.file.prune(keep)

    def close(self) -> None:
        with self._lock:
            if self.file is not None:
                self.file.close()


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
