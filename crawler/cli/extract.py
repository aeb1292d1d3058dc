"""`newsarchive extract`: run the extractor on one saved page, or on every page of an evaluation manifest."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.cli.common import parse_date


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "extract", parents=[common], help="extract one saved page, or every page of an evaluation manifest"
    )
    p.add_argument("page", nargs="?")
    p.add_argument("--url", help="the page's URL (resolves links, dates in URLs)")
    p.add_argument("--charset", help="the charset the HTTP header declared, if known")
    p.add_argument(
        "--fetched-at", type=parse_date, help="when the page was fetched (resolves 昨天, 3小时前); default now"
    )
    p.add_argument("--manifest", help="manifest JSONL (id, html_path relative to it, url)")
    p.add_argument("--out", help="predictions JSONL to write with --manifest")
    p.set_defaults(func=cmd_extract)


#: bytes looked at to tell a page from a binary file, and the share of control bytes a text never has
SNIFF_BYTES, BINARY_SHARE = 4096, 0.1


def looks_like_text(raw: bytes) -> bool:
    """A page, not an executable or an image: no NUL byte and few control bytes in its first SNIFF_BYTES."""
    head = raw[:SNIFF_BYTES]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # (UTF-16 has NULs)
        return False
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return not head or control / len(head) < BINARY_SHARE


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extract import extract_article  # the extractor loads only for this command
    from crawler.extract.encoding import decode_html
    from crawler.extract.manifest import predict_manifest

    if args.manifest:
        if not args.out:
            print("--manifest needs --out PREDS.jsonl", file=sys.stderr)
            return 2
        n = predict_manifest(Path(args.manifest), Path(args.out))
        print(f"wrote {n} predictions to {args.out}", file=sys.stderr)
        return 0
    if not args.page:
        print("give a saved page (PAGE.html --url URL) or --manifest MANIFEST.jsonl --out PREDS.jsonl", file=sys.stderr)
        return 2
    raw = Path(args.page).read_bytes()  # a missing file or a directory: one line from crawler.cli.main
    if not looks_like_text(raw):
        print(f"newsarchive: {args.page} is not an HTML page (binary data)", file=sys.stderr)
        return 1
    html, _enc = decode_html(raw, args.charset)
    fetched_at = args.fetched_at or datetime.now(UTC)
    extracted = extract_article(html, args.url or Path(args.page).resolve().as_uri(), fetched_at)
    print(json.dumps(extracted.to_json(), ensure_ascii=False, indent=2))
    return 0
