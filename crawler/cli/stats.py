"""`newsarchive stats`: archive health (storage.stats) in a terminal, as JSON, or as one self-contained HTML file
with inline SVG charts.

The HTML page has no scripts, no web fonts, no images and no links: it opens offline and can be mailed as is.
Every text from the archive (site ids, drop reasons) is HTML-escaped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table

from crawler.cli.common import reading
from storage.db import session_scope
from storage.stats import FIELDS, ArchiveHealth, SiteHealth, archive_health


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "stats", parents=[common], help="per-site health: articles per day, field coverage, drops, HTTP errors"
    )
    p.add_argument("--site", help="only this site id")
    p.add_argument("--days", type=int, default=28, help="days of articles per day to show (default 28)")
    p.add_argument("--runs", type=int, default=5, help="recent crawl runs per site to sum (default 5)")
    p.add_argument("--html", help="also write a self-contained HTML report with charts to this file")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=cmd_stats)


def cmd_stats(args: argparse.Namespace) -> int:
    with session_scope(reading(args)) as session:
        health = archive_health(session, days=args.days, runs=args.runs, site=args.site)
    if args.site and not health.sites:
        print(f"newsarchive: no site {args.site!r} in the archive", file=sys.stderr)
        return 1
    if args.html:
        write_html(health, args.html)
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(health.to_json(), ensure_ascii=False))
    elif not args.html:
        print_health(health, Console())
    for site in health.sites:
        for warning in site.warnings:
            print(f"newsarchive: warning: {site.site}: {warning}", file=sys.stderr)
    return 0

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[int]) -> str:
    top = max(values, default=0)
    if not top:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, round(v / top * (len(SPARK) - 1)))] for v in values)


def _share(site: SiteHealth, name: str) -> str:
    now = site.recent.shares.get(name)
    before = site.history.shares.get(name)
    text = f"{now:.0%}" if now is not None else "–"
    if before is not None:
        text += f" ({before:.0%})"
    return text


def _counts(counts: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in counts.items())


def print_health(health: ArchiveHealth, console: Console) -> None:
    activity = Table(title=f"archive health, {health.generated_at:%Y-%m-%d %H:%M} UTC")
    activity.add_column("site", overflow="fold")
    activity.add_column("articles", justify="right")
    activity.add_column(f"published per day, last {health.days} days", overflow="fold")
    activity.add_column(f"last {health.runs} runs: pages/new")
    activity.add_column("dropped", overflow="fold")
    activity.add_column("http errors", overflow="fold")
    coverage = Table(
        title=f"field coverage: articles fetched in the last {health.recent_days} days (before that)",
    )
    coverage.add_column("site", overflow="fold")
    for name in FIELDS:
        coverage.add_column(name, justify="right")
    coverage.add_column("body length", justify="right")
    for site in health.sites:
        days = [n for _, n in site.per_day]
        name = ("[red]! [/red]" if site.warnings else "") + escape_markup(site.site)
        activity.add_row(
            name,
            str(site.articles),
            f"{sparkline(days)} {sum(days)}",
            f"{site.runs}: {site.pages_fetched}/{site.articles_new}",
            escape_markup(_counts(site.dropped)),
            escape_markup(_counts(site.http_errors)),
        )
        coverage.add_row(
            name,
            *(_share(site, field) for field in FIELDS),
            f"{site.recent.mean_body_length:.0f} ({site.history.mean_body_length:.0f})",
        )
    console.print(activity)
    console.print(coverage)


# -- HTML -----------------------------------------------------------------------------------------------
CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; } td, th { padding: 2px 10px; text-align: left; }
th { background: #f3f3f3; } .warn { color: #a00; font-weight: bold; } .muted { color: #777; }
.charts { display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }
svg text { font-size: 11px; fill: #333; }
"""


def bar_chart_svg(per_day: Sequence[tuple[object, int]], width: int = 560, height: int = 140) -> str:
    """Articles per day as an inline SVG bar chart (dates on hover via <title>)."""
    n = max(len(per_day), 1)
    top = max((c for _, c in per_day), default=0) or 1
    plot_h = height - 30
    bar_w = (width - 40) / n
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="articles per day">']
    parts.append(f'<text x="0" y="12">{top}</text><text x="0" y="{plot_h + 10}">0</text>')
    parts.append(f'<line x1="38" y1="{plot_h + 5}" x2="{width}" y2="{plot_h + 5}" stroke="#999"/>')
    for i, (day, count) in enumerate(per_day):
        h = count / top * (plot_h - 10)
        x = 40 + i * bar_w
        y = plot_h + 5 - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" fill="#4a7bd0">'
            f"<title>{escape(str(day))}: {count}</title></rect>"
        )
    if per_day:
        parts.append(f'<text x="40" y="{height - 5}">{escape(str(per_day[0][0]))}</text>')
        parts.append(f'<text x="{width - 70}" y="{height - 5}">{escape(str(per_day[-1][0]))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def coverage_svg(site: SiteHealth, width: int = 420) -> str:
    """Field coverage, recent (dark) over history (light), as horizontal bars."""
    row_h = 26
    height = row_h * len(FIELDS) + 20
    bar_max = width - 150
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="field coverage">']
    for i, name in enumerate(FIELDS):
        y = 10 + i * row_h
        before = site.history.shares.get(name)
        now = site.recent.shares.get(name)
        parts.append(f'<text x="0" y="{y + 14}">{escape(name)}</text>')
        if before is not None:
            parts.append(
                f'<rect x="80" y="{y}" width="{before * bar_max:.1f}" height="9" fill="#c9d6ee">'
                f"<title>before: {before:.0%}</title></rect>"
            )
        if now is not None:
            color = "#c0392b" if before is not None and before - now >= 0.25 else "#2e5fae"
            parts.append(
                f'<rect x="80" y="{y + 10}" width="{now * bar_max:.1f}" height="9" fill="{color}">'
                f"<title>recent: {now:.0%}</title></rect>"
            )
        label = (f"{now:.0%}" if now is not None else "–") + (f" ({before:.0%})" if before is not None else "")
        parts.append(f'<text x="{90 + bar_max}" y="{y + 14}">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(title: str, counts: dict[str, int]) -> str:
    if not counts:
        return f'<p class="muted">{escape(title)}: none</p>'
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in counts.items())
    return f"<table><tr><th>{escape(title)}</th><th>n</th></tr>{rows}</table>"


def render_html(health: ArchiveHealth) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>newsarchive health {health.generated_at:%Y-%m-%d}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Archive health, {health.generated_at:%Y-%m-%d %H:%M} UTC</h1>",
        f'<p class="muted">Articles per day by published date (China time), last {health.days} days. Coverage: '
        f"share of articles with each field, fetched in the last {health.recent_days} days (dark) and before "
        f"(light). Drops and HTTP errors: the last {health.runs} runs of each site.</p>",
    ]
    summary = "".join(
        f"<tr><td>{escape(s.site)}</td><td>{s.articles}</td><td>{sum(n for _, n in s.per_day)}</td>"
        f"<td>{s.runs}</td><td>{s.pages_fetched}</td><td>{s.articles_new}</td>"
        f"<td>{sum(s.dropped.values())}</td><td>{sum(s.http_errors.values())}</td>"
        f'<td class="warn">{len(s.warnings) or ""}</td></tr>'
        for s in health.sites
    )
    out.append(
        "<table><tr><th>site</th><th>articles</th><th>last "
        f"{health.days} days</th><th>runs</th><th>pages</th><th>new</th><th>dropped</th><th>http errors</th>"
        f"<th>warnings</th></tr>{summary}</table>"
    )
    for site in health.sites:
        out.append(f"<h2>{escape(site.site)}</h2>")
        for warning in site.warnings:
            out.append(f'<p class="warn">⚠ {escape(warning)}</p>')
        last = ""
        if site.last_run_at is not None:
            last = (
                f", last run {site.last_run_at:%Y-%m-%d %H:%M} UTC ({escape(site.last_finish_reason or 'unfinished')})"
            )
        out.append(
            f'<p class="muted">{site.articles} articles; recent {site.recent.articles}, before '
            f"{site.history.articles}; mean body {site.recent.mean_body_length:.0f} characters "
            f"({site.history.mean_body_length:.0f} before){last}</p>"
        )
        out.append('<div class="charts">')
        out.append(bar_chart_svg(site.per_day))
        out.append(coverage_svg(site))
        out.append("</div>")
        out.append('<div class="charts">')
        out.append(_table("dropped, by reason", site.dropped))
        out.append(_table("HTTP errors, by status", site.http_errors))
        out.append("</div>")
    out.append("</body></html>")
    return "\n".join(out)


def write_html(health: ArchiveHealth, path: str | Path) -> None:
    Path(path).write_text(render_html(health), encoding="utf-8")
