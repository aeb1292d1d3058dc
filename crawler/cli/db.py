"""`newsarchive db upgrade`: migrate the archive to the newest schema, then finish what migrations cannot do."""

from __future__ import annotations

import argparse
from typing import Any

from storage.db import masked, open_archive, session_scope, upgrade


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("db", parents=[common], help="archive maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    """Migrate (creating the schema in an empty database), then sign and cluster articles stored without a
    MinHash signature (archives from before story clusters): a migration cannot, it carries no clustering code."""
    from storage.clusters import StoryIndex, cluster_unsigned  # MinHash (datasketch, scipy) loads only here

    upgrade(args.db)
    sessions = open_archive(args.db)
    try:
        with session_scope(sessions) as session:
            index = StoryIndex().load(session)
            cluster_unsigned(session, index)
    finally:
        sessions.kw["bind"].dispose()
    print(f"{masked(args.db)} is at the newest schema ({len(index.signatures)} articles in the story index)")
    return 0
