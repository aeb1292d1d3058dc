"""`newsarchive fixture save`: a stored capture becomes a saved-page test fixture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.common import fail, reading
from storage.db import masked, session_scope


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("fixture", parents=[common], help="turn a stored capture into a test fixture")
    fx = p.add_subparsers(dest="action", required=True)
    f = fx.add_parser(
        "save", parents=[common], help="write body.bin, headers.json, meta.json and expected.json to DIR"
    )
    f.add_argument("capture", metavar="URL_OR_ID", help="a URL, an article id, or capture:N")
    f.add_argument("dir", help="page 1 goes here; page n of a multi-page article to the sibling DIR-pN")
    f.add_argument("--force", action="store_true", help="overwrite a fixture already saved there")
    p.set_defaults(func=cmd_fixture)


def cmd_fixture(args: argparse.Namespace) -> int:
    from crawler.offline.fixtures import FixtureExists, save_fixture  # extraction loads only for this command

    with session_scope(reading(args)) as session:
        try:
            paths = save_fixture(session, args.capture, Path(args.dir), force=args.force)
        except LookupError as exc:
            return fail(f"{exc} in {masked(args.db)}")
        except FixtureExists as exc:
            return fail(str(exc))
    for path in paths:
        print(f"saved fixture to {path}; review {path / 'expected.json'} before committing it", file=sys.stderr)
    return 0
