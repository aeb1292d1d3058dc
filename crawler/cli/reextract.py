"""`newsarchive reextract`: run the current extractors over stored captures, recording what changed."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.common import parse_date, progress, writing


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "reextract", parents=[common], help="re-run the current extractors over stored captures, recording changes"
    )
    p.add_argument("--site", help="only this site id")
    p.add_argument("--since", type=parse_date, help="only articles fetched on or after (YYYY-MM-DD)")
    p.set_defaults(func=cmd_reextract)


def cmd_reextract(args: argparse.Namespace) -> int:
    from crawler.offline.reextract import reextract  # extraction and clustering load only for this command

    report = reextract(writing(args), site=args.site, since=args.since, progress=progress("re-extracting"))
    print(report.summary())
    return 0
