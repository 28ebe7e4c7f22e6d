"""Setting up qabot's collection: the configset from the repository, uploaded through the
Configsets API, and the collection created from it (``qabot solr init``).

The configset is ``cluster/configset/conf`` (the schema of passage documents, BM25 with
qabot's k1 and b, exact collection-wide statistics); it is zipped in memory and uploaded
under ``config_name`` (replacing one of that name). The collection is created with
``shards`` shards and ``replicas`` replicas of each, and ``init_collection`` returns when
every replica is active on a live node.
"""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.errors import QabotError
from index.search.solr.client import Json, SolrClient, SolrError

CONFIGSET = Path(__file__).resolve().parents[3] / "cluster" / "configset" / "conf"


@dataclass(frozen=True, slots=True)
class CollectionLayout:
    """How the collection is laid out: shards, replicas per shard, the configset's name."""

    shards: int = 2
    replicas: int = 2
    config_name: str = "qabot"

    def __post_init__(self) -> None:
        if self.shards < 1 or self.replicas < 1:
            raise QabotError("a collection needs at least one shard and one replica")


def zip_configset(folder: Path = CONFIGSET) -> bytes:
    """The configset folder as a zip, its files at the zip's root as Solr expects."""
    if not (folder / "solrconfig.xml").is_file():
        raise QabotError(
            f"{folder} is not a configset folder (no solrconfig.xml): give the folder of "
            "cluster/configset/conf from a qabot checkout"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


async def upload_configset(client: SolrClient, name: str, folder: Path = CONFIGSET) -> None:
    """Upload the configset folder under ``name``, replacing a configset of that name."""
    await client.request(
        "POST",
        "/admin/configs",
        params={"action": "UPLOAD", "name": name, "overwrite": "true", "cleanup": "true"},
        content=zip_configset(folder),
        headers={"Content-Type": "application/octet-stream"},
    )


async def collections(client: SolrClient) -> list[str]:
    body = await client.get("/admin/collections", action="LIST")
    return [str(c) for c in body.get("collections", [])]


async def cluster_status(client: SolrClient, collection: str) -> Json:
    body = await client.get("/admin/collections", action="CLUSTERSTATUS", collection=collection)
    status: Json = body["cluster"]
    return status


async def wait_active(client: SolrClient, collection: str, timeout: float = 120.0) -> Json:
    """Wait until every replica of the collection is active on a live node; its status."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = await cluster_status(client, collection)
        except SolrError:
            status = {}  # not known yet
        shards: dict[str, Any] = status.get("collections", {}).get(collection, {}).get("shards", {})
        live = set(status.get("live_nodes", []))
        replicas = [r for shard in shards.values() for r in shard.get("replicas", {}).values()]
        if replicas and all(r["state"] == "active" and r["node_name"] in live for r in replicas):
            return status
        if time.monotonic() > deadline:
            states = {r.get("core"): r.get("state") for r in replicas}
            raise QabotError(
                f"collection {collection}: replicas not active in {timeout:.0f} s: {states}"
            )
        await asyncio.sleep(0.5)


async def init_collection(
    client: SolrClient,
    collection: str | None = None,
    layout: CollectionLayout | None = None,
    folder: Path = CONFIGSET,
    timeout: float = 120.0,
) -> bool:
    """Upload the configset and create the collection (by default the client's), then wait
    until it is active. False when the collection existed already (its configset is
    replaced; Solr applies it on the collection's next reload)."""
    collection = collection or client.collection
    layout = layout or CollectionLayout()
    await upload_configset(client, layout.config_name, folder)
    if collection in await collections(client):
        await wait_active(client, collection, timeout)
        return False
    await client.get(
        "/admin/collections",
        action="CREATE",
        name=collection,
        numShards=layout.shards,
        replicationFactor=layout.replicas,
        waitForFinalState="true",
        **{"collection.configName": layout.config_name},
    )
    await wait_active(client, collection, timeout)
    return True


async def delete_collection(client: SolrClient, collection: str) -> None:
    """Delete a collection (nothing when there is none of that name)."""
    if collection in await collections(client):
        await client.get("/admin/collections", action="DELETE", name=collection)


async def delete_configset(client: SolrClient, name: str) -> None:
    """Delete a configset no collection uses."""
    await client.get("/admin/configs", action="DELETE", name=name)
