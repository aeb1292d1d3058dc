"""`newsarchive runs`: recent crawl runs, newest first: what each fetched, stored, skipped and failed on."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from crawler.cli.common import json_line, print_table, reading
from storage.db import session_scope
from storage.models import CrawlRun
from storage.query import recent_runs

#: run counters shown in the "problems" column when not zero
PROBLEMS = ("challenges", "soft_404", "exceptions", "bomb_ignored", "redirect_loops", "offsite_filtered", "unsaved",
            "articles_partial")
COLUMNS = ("id", "site", "mode", "started", "finished", "pages", "new", "upd", "same", "dup", "dropped", "problems")


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("runs", parents=[common], help="list recent crawl runs and their counters")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="one JSON object per run, with all its counters")
    p.set_defaults(func=cmd_runs)


def cmd_runs(args: argparse.Namespace) -> int:
    with session_scope(reading(args)) as session:
        runs = recent_runs(session, args.limit)
        if args.json:
            for r in runs:
                print(json_line(run_json(r)))
            return 0
        print_table("crawl runs (times in UTC, as `stats` prints them)", COLUMNS, (_row(r) for r in runs), fold=False)
    return 0


def run_json(r: CrawlRun) -> dict[str, Any]:
    return {
        "id": r.id,
        "spider": r.spider,
        "site": r.site,
        "started_at": r.started_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
        "finish_reason": r.finish_reason,
        "stats": r.stats or {},
    }


def utc_time(value: datetime | None, fmt: str) -> str:
    """Run times are operational: in UTC, as the archive stores them and `newsarchive stats` prints them."""
    return value.astimezone(UTC).strftime(fmt) if value else ""


def _row(r: CrawlRun) -> list[str]:
    s = r.stats or {}
    problems = {f"http{k}": v for k, v in (s.get("http_errors") or {}).items()}
    problems.update({k: s[k] for k in PROBLEMS if s.get(k)})
    finished = utc_time(r.finished_at, "%H:%M:%S ") + (r.finish_reason or "") if r.finished_at else "running/killed"
    return [
        str(r.id),
        r.site,
        str(s.get("mode", "")),
        utc_time(r.started_at, "%Y-%m-%d %H:%M:%S"),
        finished,
        str(s.get("pages_fetched", "")),
        str(s.get("articles_new", "")),
        str(s.get("articles_updated", "")),
        str(s.get("articles_unchanged", "")),
        str(s.get("articles_duplicate", "")),
        " ".join(f"{k}={v}" for k, v in (s.get("dropped") or {}).items()),
        " ".join(f"{k}={v}" for k, v in problems.items()),
    ]
