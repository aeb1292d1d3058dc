"""`newsarchive serve`: browse the archive in a web browser (read-only)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "serve", parents=[common], help="browse the archive in a web browser: search, articles, stories (read-only)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000; 0: any free port)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from crawler.web.app import serve
    except ModuleNotFoundError as exc:
        print(f"newsarchive: serve needs the web extra ({exc.name} is missing): pip install 'newsarchive[web]'",
              file=sys.stderr)
        return 1
    code: int = serve(args.db, host=args.host, port=args.port)
    return code
