"""Per-site health of the archive: articles per day, field coverage and its drift, drops and HTTP errors.

- Articles per day: by published date in China time, over the last `days` days (undated articles are not
  in it; the coverage of `published` shows how many there are).
- Field coverage: the share of articles with a title, a published time, a 来源 (source), at least one author
  and a body, plus the mean body length — for the articles *fetched* in the last `recent_days` days and for
  those fetched before (the site's own history). A share that falls well below the history (or a body that
  shrinks to under half its usual length) is flagged: it usually means the site changed its templates.
- Runs: the last `runs` crawl runs of each site, summed from crawl_runs.stats (pages_fetched, articles_new,
  dropped {reason: n}, http_errors {status: n}).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, select, union
from sqlalchemy.orm import Session

from crawler.fields import READING_ZONE
from storage.models import Article, CrawlRun

FIELDS = ("title", "published", "source", "author", "body")
#: a share this much (absolute) below the site's history is a warning
COVERAGE_DROP = 0.25
#: a mean body length below this fraction of the history is a warning
BODY_SHRINK = 0.5
#: "recent" coverage is of the articles fetched in the last this many days (compared with those before)
RECENT_DAYS = 7
MIN_HISTORY = 20
MIN_RECENT = 5


@dataclass
class Coverage:
    articles: int = 0
    #: field -> share of articles with it filled, 0..1
    shares: dict[str, float] = field(default_factory=dict)
    mean_body_length: float = 0.0


@dataclass
class SiteHealth:
    site: str
    articles: int = 0
    #: (China date, articles published that day), oldest first, one entry per day of the window
    per_day: list[tuple[date, int]] = field(default_factory=list)
    recent: Coverage = field(default_factory=Coverage)
    history: Coverage = field(default_factory=Coverage)
    runs: int = 0
    last_run_at: datetime | None = None
    last_finish_reason: str | None = None
    pages_fetched: int = 0
    articles_new: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    http_errors: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ArchiveHealth:
    generated_at: datetime
    days: int
    recent_days: int
    runs: int
    sites: list[SiteHealth]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_at"] = self.generated_at.isoformat()
        for site in data["sites"]:
            site["per_day"] = [{"date": d.isoformat(), "articles": n} for d, n in site["per_day"]]
            if site["last_run_at"] is not None:
                site["last_run_at"] = site["last_run_at"].isoformat()
        return data


def filled(dialect: str) -> dict[str, Any]:
    """SQL expressions, 1 when the field is filled, else 0 (the health report and the web's weekly coverage)."""
    author_n: ColumnElement[Any]
    if dialect == "postgresql":
        author_n = case((func.json_typeof(Article.author) == "array", func.json_array_length(Article.author)), else_=0)
    else:
        author_n = func.json_array_length(Article.author)  # 0 for anything but an array
    return {
        "title": case((func.length(func.trim(Article.title)) > 0, 1), else_=0),
        "published": case((Article.published.is_not(None), 1), else_=0),
        "source": case((and_(Article.source.is_not(None), func.length(func.trim(Article.source)) > 0), 1), else_=0),
        "author": case((author_n > 0, 1), else_=0),
        "body": _has_text(Article.body),
    }


def _has_text(column: Any) -> Any:
    """1 when the text holds a character other than a space (as `length(trim(x)) > 0`), else 0.

    Asked in that order so a body that starts with text is never trimmed: trim copies the whole body, which
    made half the cost of a coverage count over 100,000 bodies (635 -> 296 ms of CPU on SQLite).
    """
    return case((column == "", 0), (func.substr(column, 1, 1) != " ", 1), (func.trim(column) != "", 1), else_=0)


@dataclass
class _Tally:
    """One group of articles: how many, their bodies' characters, and per field how many have it filled."""

    n: int = 0
    body_chars: int = 0
    filled: Counter[str] = field(default_factory=Counter)

    def add(self, n: int, body_chars: int, filled: dict[str, int]) -> None:
        self.n += n
        self.body_chars += body_chars
        self.filled.update(filled)

    def shares(self) -> dict[str, float]:
        return {name: self.filled[name] / self.n for name in FIELDS} if self.n else {}

    def coverage(self) -> Coverage:
        return Coverage(self.n, self.shares(), self.body_chars / self.n if self.n else 0.0)


@dataclass
class CoverageScan:
    """Field coverage per (site, fetch week in China time, fetched since `recent_start` or before), from one pass
    over the articles: the health report's recent and earlier coverage and the sites page's weekly coverage are
    sums of it. Each pass reads every body; three of them made ~90% of the sites page's time on the
    100,000-article benchmark archive."""

    recent_start: datetime
    #: (site, week as YYYY-MM-DD, recent) -> tally
    groups: dict[tuple[str, str, bool], _Tally]


def coverage_scan(session: Session, recent_start: datetime) -> CoverageScan:
    """The one pass of CoverageScan: a GROUP BY over (site, fetch week, fetched since `recent_start`)."""
    dialect = session.get_bind().dialect.name
    week = _week(dialect).label("week")
    recent = case((Article.fetched_at >= recent_start, 1), else_=0).label("recent")
    exprs = filled(dialect)
    stmt = select(
        Article.site, week, recent, func.count().label("n"), func.sum(func.length(Article.body)).label("body_chars"),
        *(func.sum(cast(exprs[name], Integer)).label(name) for name in FIELDS),
    ).group_by(Article.site, week, recent)
    groups: dict[tuple[str, str, bool], _Tally] = {}
    for row in session.execute(stmt):
        day = row.week if isinstance(row.week, date) else date.fromisoformat(str(row.week))
        tally = groups.setdefault((row.site, day.isoformat(), bool(row.recent)), _Tally())
        tally.add(row.n, int(row.body_chars or 0), {name: int(getattr(row, name) or 0) for name in FIELDS})
    return CoverageScan(recent_start, groups)


def _coverage(scan: CoverageScan) -> tuple[dict[str, Coverage], dict[str, Coverage]]:
    """Per site, the coverage of the articles fetched since the scan's `recent_start`, and of those before."""
    halves: tuple[dict[str, _Tally], dict[str, _Tally]] = ({}, {})
    for (site, _week_day, recent), tally in scan.groups.items():
        halves[0 if recent else 1].setdefault(site, _Tally()).add(tally.n, tally.body_chars, tally.filled)
    recent_half, history = ({site: t.coverage() for site, t in half.items()} for half in halves)
    return recent_half, history


def per_day(
    session: Session, dialect: str, start: datetime, end: datetime, site: str | None
) -> dict[tuple[str, date], int]:
    """(site, China date) -> articles published that day, for `start <= published < end` (one site or all)."""
    if dialect == "postgresql":
        day = func.date(func.timezone(READING_ZONE.key, Article.published))
    else:  # stored as naive UTC text; China has had no DST since 1991
        day = func.date(Article.published, literal("+8 hours"))
    stmt = select(Article.site, day.label("day"), func.count()).where(
        Article.published >= start, Article.published < end
    )
    if site:
        stmt = stmt.where(Article.site == site)
    counts: dict[tuple[str, date], int] = {}
    for site_id, d, n in session.execute(stmt.group_by(Article.site, day)):
        counts[(site_id, d if isinstance(d, date) else date.fromisoformat(str(d)))] = n
    return counts


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _add_runs(health: SiteHealth, runs: list[CrawlRun]) -> None:
    dropped: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for run in runs:
        stats = run.stats if isinstance(run.stats, dict) else {}
        health.pages_fetched += _int(stats.get("pages_fetched"))
        health.articles_new += _int(stats.get("articles_new"))
        for reason, n in (stats.get("dropped") or {}).items():
            dropped[str(reason)] += _int(n)
        for status, n in (stats.get("http_errors") or {}).items():
            errors[str(status)] += _int(n)
    health.runs = len(runs)
    if runs:
        health.last_run_at = runs[0].started_at
        health.last_finish_reason = runs[0].finish_reason
    health.dropped = dict(dropped.most_common())
    health.http_errors = dict(sorted(errors.items()))


def drift_warnings(recent: Coverage, history: Coverage, recent_days: int) -> list[str]:
    """Warnings for fields whose recent coverage fell well below the site's own history."""
    if history.articles < MIN_HISTORY or recent.articles < MIN_RECENT:
        return []
    warnings = []
    for name in FIELDS:
        before, now = history.shares.get(name, 0.0), recent.shares.get(name, 0.0)
        if before - now >= COVERAGE_DROP:
            warnings.append(
                f"{name} filled in {now:.0%} of the articles fetched in the last {recent_days} days, "
                f"{before:.0%} before: a template change?"
            )
    if history.mean_body_length and recent.mean_body_length < BODY_SHRINK * history.mean_body_length:
        warnings.append(
            f"bodies average {recent.mean_body_length:.0f} characters in the last {recent_days} days, "
            f"{history.mean_body_length:.0f} before: a template change?"
        )
    return warnings


def archive_health(
    session: Session,
    *,
    days: int = 28,
    recent_days: int = RECENT_DAYS,
    runs: int = 5,
    site: str | None = None,
    now: datetime | None = None,
    scan: CoverageScan | None = None,
) -> ArchiveHealth:
    """Figures for every site (or one), as of `now` (default: the current time); `scan` is the coverage_scan
    since `now - recent_days` when the caller has made it already (the sites page, for its weekly figures)."""
    now = now or datetime.now(UTC)
    dialect = session.get_bind().dialect.name
    today = now.astimezone(READING_ZONE).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, datetime.min.time(), READING_ZONE)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), READING_ZONE)
    recent_start = now - timedelta(days=recent_days)

    names = union(select(Article.site), select(CrawlRun.site))
    site_ids = sorted(s for (s,) in session.execute(names) if not site or s == site)
    totals = {s: n for s, n in session.execute(select(Article.site, func.count()).group_by(Article.site))}
    if scan is None:
        scan = coverage_scan(session, recent_start)
    elif scan.recent_start != recent_start:
        raise ValueError(f"the coverage scan splits at {scan.recent_start}, not at now - {recent_days} days")
    recent, history = _coverage(scan)
    daily = per_day(session, dialect, start, end, site)

    sites = []
    for site_id in site_ids:
        health = SiteHealth(site_id, articles=totals.get(site_id, 0))
        health.per_day = [
            (first_day + timedelta(days=i), daily.get((site_id, first_day + timedelta(days=i)), 0)) for i in range(days)
        ]
        health.recent = recent.get(site_id, Coverage())
        health.history = history.get(site_id, Coverage())
        site_runs = list(
            session.scalars(
                select(CrawlRun).where(CrawlRun.site == site_id).order_by(CrawlRun.started_at.desc()).limit(runs)
            )
        )
        _add_runs(health, site_runs)
        health.warnings = drift_warnings(health.recent, health.history, recent_days)
        if health.history.articles >= MIN_HISTORY and health.recent.articles == 0:
            health.warnings.append(f"no articles fetched in the last {recent_days} days")
        sites.append(health)
    return ArchiveHealth(now, days, recent_days, runs, sites)


# -- the figures over time that the web view charts -----------------------------------------------------------
#: weeks of field coverage on the sites page
COVERAGE_WEEKS = 12
#: days of the articles-per-day chart, ending at the site's newest article (a site crawled for its back
#: catalogue, like the demo's 2015 articles, would show an empty last month)
ACTIVITY_DAYS = 42


def _week(dialect: str) -> Any:
    """The Monday (China time) of the week an article was fetched in, as SQL."""
    if dialect == "postgresql":
        return func.date(func.date_trunc("week", func.timezone(READING_ZONE.key, Article.fetched_at)))
    return func.date(Article.fetched_at, literal("+8 hours"), literal("-6 days"), literal("weekday 1"))


def coverage_by_week(
    session: Session, weeks: int = COVERAGE_WEEKS, scan: CoverageScan | None = None
) -> dict[str, list[dict[str, Any]]]:
    """site -> per fetch week, oldest first, its last `weeks` weeks: articles and the share with each of FIELDS
    filled (the shares whose drop `drift_warnings` warns about); from `scan` when given."""
    if scan is None:  # (where it splits recent from earlier does not matter here: both halves are summed)
        scan = coverage_scan(session, datetime.now(UTC))
    by_week: dict[tuple[str, str], _Tally] = {}
    for (site, week_day, _recent), tally in scan.groups.items():
        by_week.setdefault((site, week_day), _Tally()).add(tally.n, tally.body_chars, tally.filled)
    out: dict[str, list[dict[str, Any]]] = {}
    for (site, week_day), tally in sorted(by_week.items()):
        out.setdefault(site, []).append({"week": week_day, "articles": tally.n, "shares": tally.shares()})
    return {site: rows[-weeks:] for site, rows in out.items()}


def activity(session: Session, site: str, today: date, days: int = ACTIVITY_DAYS) -> dict[str, Any]:
    """Articles per day (China time) over `days` days ending at the site's newest publication day (or today)."""
    newest = session.scalar(select(func.max(Article.published)).where(Article.site == site))
    last = min(newest.astimezone(READING_ZONE).date(), today) if newest else today
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), READING_ZONE)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), READING_ZONE)
    counts = per_day(session, session.get_bind().dialect.name, start, end, site)
    return {"last_day": last.isoformat(), "per_day": [
        {"date": d.isoformat(), "articles": counts.get((site, d), 0)}
        for d in (first + timedelta(days=i) for i in range(days))
    ]}
