"""The index on disk: segment files beside the database and a manifest naming them.

``<db>.index/manifest.json`` lists the segments, the passage ids masked as removed, the
store generation they reflect and the id of the database they were built from. Every file
is written under a temporary name and renamed, and writers in different processes take
turns through a lock file (readers of segment files hold it too, as a writer deletes the
files that its manifest no longer names).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from index.search.segment import Segment

FORMAT = 1


@dataclass(slots=True)
class Manifest:
    analyzer: str
    segments: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    max_passage_id: int = 0
    generation: int = -1
    serial: int = 0
    db_id: str = ""


class IndexFiles:
    """Reads and writes one index directory."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @classmethod
    def beside(cls, db_path: Path) -> IndexFiles:
        return cls(db_path.with_name(db_path.name + ".index"))

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold the writers' lock of this index, waiting in a thread for other processes."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "lock", "a+b") as f:
            await asyncio.to_thread(fcntl.flock, f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def read(self, analyzer: str) -> Manifest:
        """The manifest, or an empty one when missing, unreadable or for another analyzer."""
        try:
            data = json.loads((self.dir / "manifest.json").read_text())
        except (OSError, ValueError):
            return Manifest(analyzer=analyzer)
        if data.get("format") != FORMAT or data.get("analyzer") != analyzer:
            return Manifest(analyzer=analyzer)
        return Manifest(
            analyzer=analyzer,
            segments=list(data["segments"]),
            removed=list(data["removed"]),
            max_passage_id=int(data["max_passage_id"]),
            generation=int(data["generation"]),
            serial=int(data["serial"]),
            db_id=str(data.get("db_id", "")),
        )

    def write(self, manifest: Manifest) -> None:
        """Replace the manifest atomically, then delete segment files it no longer names
        (and those a killed writer left half-written)."""
        manifest.serial += 1
        body = {"format": FORMAT, **{k: getattr(manifest, k) for k in Manifest.__slots__}}
        tmp = self.dir / "manifest.json.tmp"
        with open(tmp, "w") as f:
            json.dump(body, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.dir / "manifest.json")
        keep = set(manifest.segments)
        for path in self.dir.glob("seg-*.npz*"):
            if path.name not in keep:
                path.unlink(missing_ok=True)

    def save_segment(self, segment: Segment) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"seg-{uuid.uuid4().hex[:12]}.npz"
        segment.save(self.dir / name)
        return name

    def load_segment(self, name: str) -> Segment:
        return Segment.load(self.dir / name)

    def size_bytes(self) -> int:
        if not self.dir.exists():
            return 0
        return sum(p.stat().st_size for p in self.dir.iterdir() if p.is_file())


def live_mask(segment: Segment, removed: NDArray[np.int64]) -> NDArray[np.bool_]:
    if removed.size == 0:
        return np.ones(segment.size, dtype=np.bool_)
    return ~np.isin(segment.passage_ids, removed)
