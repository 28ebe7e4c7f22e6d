"""``qabot solr``: set up search on SolrCloud, a plugin of ``bot/cli.py`` (its ``PLUGINS``).

    qabot solr init [--shards 2] [--replicas 2] [--collection NAME] [--config-name NAME]
                    [--configset FOLDER]
    qabot solr status

``init`` uploads the configset in the repository (``cluster/configset/conf``) and creates the
collection (``QABOT_SOLR_COLLECTION``, default ``qabot``) on the nodes of
``QABOT_SOLR_URL``, then waits until every replica is active; run again, it replaces the
configset and leaves the existing collection as it is. ``status`` prints the collection's
shards and replicas and how many passages it holds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from index.search.solr import admin
from index.search.solr.client import SolrClient, SolrSettings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="solr_command", metavar="ACTION", required=True)
    init = sub.add_parser(
        "init",
        help="upload qabot's configset and create the collection",
        description="upload qabot's configset and create the collection, then wait until "
        "every replica is active (nodes: $QABOT_SOLR_URL)",
    )
    init.add_argument("--shards", type=int, default=2, help="shards (default 2)")
    init.add_argument("--replicas", type=int, default=2, help="replicas of each shard (default 2)")
    init.add_argument(
        "--collection",
        default=None,
        help="the collection (default: $QABOT_SOLR_COLLECTION or qabot)",
    )
    init.add_argument(
        "--config-name", default="qabot", help="the configset's name in Solr (default qabot)"
    )
    init.add_argument(
        "--configset",
        type=Path,
        default=admin.CONFIGSET,
        help="the configset folder (default: cluster/configset/conf of the qabot checkout)",
    )
    init.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the replicas (default 120)",
    )
    sub.add_parser("status", help="the collection's shards, replicas and passages")


def main(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    settings = SolrSettings.from_env()
    if args.solr_command == "init":  # creating a collection takes longer than a search
        settings = replace(settings, timeout=max(settings.timeout, args.timeout))
    async with SolrClient(settings) as client:
        if args.solr_command == "init":
            collection = args.collection or settings.collection
            layout = admin.CollectionLayout(args.shards, args.replicas, args.config_name)
            created = await admin.init_collection(
                client, collection, layout, args.configset, timeout=args.timeout
            )
            if created:
                print(
                    f"created collection {collection}: {layout.shards} shards, "
                    f"{layout.replicas} replicas each, configset {layout.config_name}"
                )
            else:
                print(
                    f"collection {collection} exists: configset {layout.config_name} replaced "
                    "(Solr applies it when the collection is reloaded)"
                )
            return 0
        status = await admin.cluster_status(client, settings.collection)
        shards = status.get("collections", {}).get(settings.collection, {}).get("shards", {})
        body = await client.query({"query": "*:*", "limit": 0})
        print(f"collection {settings.collection}: {body['response']['numFound']} passages")
        for name, shard in sorted(shards.items()):
            for replica in shard.get("replicas", {}).values():
                leader = " (leader)" if replica.get("leader") == "true" else ""
                print(f"  {name}: {replica['node_name']} {replica['state']}{leader}")
    sys.stdout.flush()
    return 0
