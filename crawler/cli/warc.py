"""`newsarchive warc export|import`: captures to a WARC 1.1 file, or a WARC file's captures into the archive."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import parse_date, progress, reading, writing
from storage.db import session_scope
from storage.warc import export_warc


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "warc", parents=[common], help="export captures to a WARC 1.1 file, or import one (no network)"
    )
    warc = p.add_subparsers(dest="action", required=True)
    w = warc.add_parser("export", parents=[common], help="write captures as request/response/revisit records")
    w.add_argument("--site", help="only this site id")
    w.add_argument("--since", type=parse_date, help="fetched on or after (YYYY-MM-DD)")
    w.add_argument("-o", "--output", required=True, help="the .warc.gz file to write")
    w = warc.add_parser("import", parents=[common], help="load a WARC's captures and extract their articles")
    w.add_argument("file")
    w.add_argument("--site", help="site id for the captures (default: the one recorded, else the host)")
    p.set_defaults(func=cmd_warc)


def cmd_warc(args: argparse.Namespace) -> int:
    if args.action == "export":
        with session_scope(reading(args)) as session:
            responses, revisits = export_warc(
                session, Path(args.output), site=args.site, since=args.since, progress=progress("captures")
            )
        print(f"wrote {responses} responses and {revisits} revisits to {args.output}", file=sys.stderr)
        return 0
    from crawler.offline.warc_import import import_warc  # extraction and clustering load only for an import

    report = import_warc(writing(args), Path(args.file), site=args.site, progress=progress("importing"))
    print(report.summary(), file=sys.stderr)
    return 0
