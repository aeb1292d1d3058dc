"""`newsarchive db upgrade`: migrate the archive to the newest schema, then finish what migrations cannot do."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import writing
from storage.db import db_url, session_scope


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("db", parents=[common], help="archive maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    from storage.clusters import StoryIndex  # MinHash (datasketch, scipy) loads only for the commands that cluster

    sessions = writing(args)  # migrates to head
    with session_scope(sessions) as session:
        # articles stored before signatures existed get one, and join their story clusters
        index = StoryIndex().load(session)
    print(f"{db_url(args.db)} is at the newest schema ({len(index.signatures)} articles in the story index)")
    return 0
