"""`newsarchive db upgrade`: migrate the archive to the newest schema, then finish what migrations cannot do."""

from __future__ import annotations

import argparse
from typing import Any

from storage.db import masked, open_archive, upgrade


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("db", parents=[common], help="archive maintenance")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)


def cmd_db(args: argparse.Namespace) -> int:
    """Migrate (creating the schema in an empty database), then carry the data over where a migration cannot (it
    carries no extraction or story code): split syndicated copies folded into other articles back out, give
    every row its publication key, rebuild the stories (crawler.offline.publications)."""
    from crawler.offline.publications import carry_over  # extraction loads only here

    upgrade(args.db)
    sessions = open_archive(args.db)
    try:
        report = carry_over(sessions)
    finally:
        sessions.kw["bind"].dispose()
    split = f", {report.split} syndicated copies split out of the articles holding them" if report.split else ""
    print(f"{masked(args.db)} is at the newest schema ({report.stories} stories{split})")
    return 0
