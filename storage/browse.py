"""Reads for browsing the archive (the web view), as plain JSON-ready data, through an engine that cannot write.

The engine cannot write: SQLite is opened with `mode=ro` and `PRAGMA query_only`, PostgreSQL sessions start with
`default_transaction_read_only`, and every session ends in a rollback. Opening never migrates; an archive with an
old or missing schema is refused with one line naming the command that fixes it.

The searches, one article's copies and versions, and the health figures are the CLI's own (storage.query,
storage.stats); this module adds what only browsing needs: facet counts, capture metadata, a story with all its
copies, and the sites page's figures over time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, func, inspect, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, selectinload, sessionmaker, with_loader_criteria

from crawler.fields import READING_ZONE, iso_time
from storage.clusters import reprint_graph
from storage.db import db_url, head_revision, schema_revision
from storage.models import Article, ArticleUrl, Capture, Payload, Story
from storage.query import (
    Filters,
    article_json,
    iter_articles,
    plan,
    recent_runs,
    search_page,
    story_copies,
    version_history,
)
from storage.search import parse_query
from storage.stats import FIELDS, RECENT_DAYS, activity, archive_health, coverage_by_week, coverage_scan
from storage.warc import export_warc

#: a web request should not hold the database for long: PostgreSQL cancels a statement after this (ms)
PG_STATEMENT_TIMEOUT_MS = 30_000
#: how long a SQLite read waits for a crawl's write lock before giving up (ms)
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: page cache per SQLite connection (KiB): facet counts read thousands of scattered rows, and SQLite's default
#: 2 MiB re-reads them from the OS every request (32 MiB made facets ~25% quicker on the benchmark archive);
#: not mmap, which turns a file truncated under a running server (a VACUUM) into a crash
SQLITE_CACHE_KIB = 32 * 1024
#: facets show the most frequent values; a long tail of one-article sources helps nobody beside the results
FACET_TOP = 15
#: months are shown newest first, this many at most (three years)
FACET_MONTHS = 36
#: a facet count over at most this many date-filtered rows scans them with LIKE: quicker (~50 ms for 12,500 rows
#: of the benchmark) than materialising the trigram index's matches of a common word over the whole archive
FACET_SCAN_ROWS = 40_000

#: what a read raises when the database goes away or a lock times out mid-request
DATABASE_ERRORS = (DBAPIError,)


class ArchiveUnavailable(Exception):
    """The archive cannot be browsed: the message is one line that says what to do."""


def one_line(exc: BaseException) -> str:
    """A database error as one line (the driver's message, whitespace folded)."""
    orig = getattr(exc, "orig", None) or exc
    return " ".join(str(orig).split()) or type(orig).__name__


def _utc(value: datetime | None) -> str | None:
    return iso_time(value, UTC)


# -- the read-only engine ----------------------------------------------------------------------------------
def _sqlite_readonly(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cur.close()


def readonly_engine(url: str | None = None) -> Engine:
    """An engine that cannot write to the archive at `url` (default: $ARCHIVE_DB_URL, else ./newsarchive.db).

    Raises ArchiveUnavailable for a SQLite file that does not exist (opening it would create an empty one).
    """
    try:
        parsed = make_url(db_url(url))
    except ArgumentError as exc:
        raise ArchiveUnavailable(
            f"{db_url(url)!r} is not an archive URL: write sqlite:///path/to/archive.db "
            "or postgresql+psycopg://user@host/archive"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:":
            raise ArchiveUnavailable("serve needs an archive file, not an in-memory SQLite database")
        if not Path(path).is_file():
            raise ArchiveUnavailable(f"no archive at {path}: crawl into it first (`newsarchive demo` makes one)")
        uri = f"sqlite:///file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true"
        engine = create_engine(uri)
        event.listen(engine, "connect", _sqlite_readonly)
        return engine
    options = f"-c default_transaction_read_only=on -c statement_timeout={PG_STATEMENT_TIMEOUT_MS}"
    return create_engine(parsed, pool_pre_ping=True, connect_args={"options": options})


def check_readable(engine: Engine, shown_url: str) -> None:
    """Raise ArchiveUnavailable unless the archive answers and has the schema this code reads."""
    try:
        with engine.connect() as conn:
            has_articles = inspect(conn).has_table("articles")
            current = schema_revision(conn)
    except SQLAlchemyError as exc:
        raise ArchiveUnavailable(f"cannot open the archive at {shown_url}: {one_line(exc)}") from exc
    if not has_articles or current is None:
        raise ArchiveUnavailable(f"{shown_url} is not a newsarchive archive yet: run `newsarchive db upgrade` first")
    head = head_revision()
    if current != head:
        raise ArchiveUnavailable(
            f"the archive at {shown_url} has schema {current}, this newsarchive reads {head}: "
            "run `newsarchive db upgrade` (or use the newsarchive that wrote it)"
        )


@dataclass
class ReadOnlyArchive:
    """A read-only engine and sessions that never commit."""

    engine: Engine
    #: the URL shown to people (password hidden)
    shown_url: str
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, autoflush=False, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one request's reads, rolled back at the end (there is nothing to keep)."""
        session = self.sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def open_readonly(url: str | None = None, *, check: bool = True) -> ReadOnlyArchive:
    """The read-only archive at url; with `check`, refuse (ArchiveUnavailable) one that cannot be browsed."""
    engine = readonly_engine(url)
    archive = ReadOnlyArchive(engine, make_url(db_url(url)).render_as_string(hide_password=True))
    if check:
        try:
            check_readable(engine, archive.shown_url)
        except ArchiveUnavailable:
            engine.dispose()
            raise
    return archive


# -- search ------------------------------------------------------------------------------------------------
def search_terms(query: str | None) -> list[str]:
    """The words and phrases a search looks for (not the excluded ones), for highlighting; raises QuerySyntaxError."""
    return [t.text for t in parse_query(query or "") if not t.exclude]


@dataclass
class Facets:
    total: int = 0
    site: list[tuple[str, int]] = field(default_factory=list)
    source: list[tuple[str, int]] = field(default_factory=list)
    column: list[tuple[str, int]] = field(default_factory=list)
    #: (YYYY-MM in China time, articles), newest first
    month: list[tuple[str, int]] = field(default_factory=list)
    #: matching articles with no 来源 / no column / no date (not clickable: there is no filter for "none")
    missing: dict[str, int] = field(default_factory=dict)


@dataclass
class ResultPage:
    rows: list[dict[str, Any]]
    #: each row's body, for its snippet
    bodies: list[str]
    notes: tuple[str, ...]
    #: with collapse: story id -> how many other matching copies its row folds
    folded: dict[int, int] = field(default_factory=dict)
    #: storage.query.SearchPage.reachable: how many results paging can reach when a search bound left some out
    reachable: int | None = None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _month(dialect: str) -> Any:
    """The China-time month (YYYY-MM) of an article's publication, as SQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(READING_ZONE.key, Article.published), "YYYY-MM")
    # stored as naive UTC; China has had no DST since 1991
    return func.strftime("%Y-%m", Article.published, literal("+8 hours"))


def _matching(filters: Filters, dialect: str, *columns: Any, use_fts: bool = True) -> Any:
    """The filters' SELECT reduced to some columns, unordered (facets and counts do not depend on the sort)."""
    stmt = plan(replace(filters, sort="published"), dialect, use_fts=use_fts)[0]
    return stmt.order_by(None).with_only_columns(*columns)


def _scan_is_cheaper(session: Session, filters: Filters) -> bool:
    """Whether the other filters (a date range, typically) leave few enough rows to match the words by a scan."""
    if not filters.text or _dialect(session) != "sqlite":
        return False
    if not (filters.since or filters.until or filters.fetched_since or filters.fetched_until):
        return False
    # the publication range alone bounds the window (the other filters only narrow it) and is counted on
    # ix_articles_published without reading a row; a site filter beside it made the exact count cost ~45 ms
    bound = Filters(since=filters.since, until=filters.until) if filters.since or filters.until else filters
    window = _matching(replace(bound, text=None, collapse=False), "sqlite", Article.id).limit(FACET_SCAN_ROWS + 1)
    return (session.scalar(select(func.count()).select_from(window.subquery())) or 0) <= FACET_SCAN_ROWS


def facets(session: Session, filters: Filters) -> Facets:
    """How the matches spread over sites, sources, columns and months, in one GROUP BY over all of them.

    With collapse, every count is of stories (a story counts once for each value one of its matching copies
    has), which is what the collapsed search finds when that facet's filter is added. An article without a story
    is a story of its own: those are counted by the GROUP BY itself (their story key is NULL), so only the
    copies of syndicated stories come back one group per story (keying every match by its story cost ~55 ms more
    for a quarter's 防汛抗旱 on the benchmark archive, whose articles have no stories).
    """
    dialect = _dialect(session)
    month = _month(dialect).label("month")
    keys = [Article.site, Article.source, Article.column, month]
    if filters.collapse:
        keys.append(Article.story_id)
    flat = replace(filters, collapse=False)
    stmt = _matching(flat, dialect, *keys, func.count(), use_fts=not _scan_is_cheaper(session, flat))
    stmt = stmt.group_by(*keys)
    names = ("site", "source", "column", "month")
    articles: dict[str, Counter[str]] = {name: Counter() for name in names}
    #: with collapse: per facet value, the syndicated stories among its matches
    stories: dict[str, dict[str, set[int]]] = {name: {} for name in names}
    alone = 0  # with collapse: matches without a story
    all_stories: set[int] = set()
    for row in session.execute(stmt):
        story = row[4] if filters.collapse else None
        for name, value in zip(names, row[:4], strict=True):
            if story is None:
                articles[name][value or ""] += row[-1]
            else:
                stories[name].setdefault(value or "", set()).add(story)
        if story is None:
            alone += row[-1]
        else:
            all_stories.add(story)
    tally = articles
    if filters.collapse:
        tally = {name: articles[name] + Counter({k: len(v) for k, v in stories[name].items()}) for name in names}
    missing = {name: tally[name].pop("") for name in ("source", "column", "month") if "" in tally[name]}
    return Facets(
        total=alone + len(all_stories) if filters.collapse else sum(articles["site"].values()),
        site=tally["site"].most_common(FACET_TOP),
        source=tally["source"].most_common(FACET_TOP),
        column=tally["column"].most_common(FACET_TOP),
        month=sorted(tally["month"].items(), reverse=True)[:FACET_MONTHS],
        missing=missing,
    )


def folded_copies(session: Session, filters: Filters, story_ids: list[int]) -> dict[int, int]:
    """For collapsed results: how many other copies of each story also match the search."""
    if not story_ids:
        return {}
    stmt = _matching(replace(filters, collapse=False), _dialect(session), Article.story_id, func.count())
    stmt = stmt.where(Article.story_id.in_(story_ids)).group_by(Article.story_id)
    return {story_id: n - 1 for story_id, n in session.execute(stmt) if n > 1}


def summary(article: Article) -> dict[str, Any]:
    """A search row: the export shape without the body (a page shows a snippet instead)."""
    data = article_json(article)
    data.pop("body", None)
    return data


def result_page(session: Session, filters: Filters, *, limit: int, offset: int) -> ResultPage:
    """One page of matches in the export shape (without bodies), as `newsarchive search` finds them."""
    page = search_page(session, filters, limit=limit, offset=offset)
    rows = [summary(a) for a in page.articles]
    folded = {}
    if filters.collapse:
        folded = folded_copies(session, filters, [r["story_id"] for r in rows if r["story_id"] is not None])
    return ResultPage(rows, [a.body for a in page.articles], page.notes, folded, page.reachable)


def export_rows(session: Session, filters: Filters) -> Iterator[dict[str, Any]]:
    """Every matching article in the export shape, streamed in id order (as `newsarchive export`)."""
    return (article_json(a) for a in iter_articles(session, filters))


# -- one article -------------------------------------------------------------------------------------------
def _captures(session: Session, where: Any) -> list[dict[str, Any]]:
    """Capture metadata (never the body) with the payload's size."""
    stmt = (
        select(Capture.id, Capture.article_id, Capture.page_no, Capture.site, Capture.url, Capture.final_url,
               Capture.status, Capture.headers, Capture.digest, Capture.declared_charset, Capture.encoding,
               Capture.fetched_at, Payload.size)
        .join(Payload, Payload.digest == Capture.digest)
        .where(where)
        .order_by(Capture.fetched_at, Capture.page_no, Capture.id)
    )
    return [
        {
            "id": r.id, "article_id": r.article_id, "page_no": r.page_no, "site": r.site, "url": r.url,
            "final_url": r.final_url, "status": r.status, "headers": dict(r.headers or {}), "sha256": r.digest,
            "size": r.size, "declared_charset": r.declared_charset, "encoding": r.encoding,
            "fetched_at": _utc(r.fetched_at),
        }
        for r in session.execute(stmt)
    ]


def article_exists(session: Session, article_id: int) -> bool:
    return session.scalar(select(Article.id).where(Article.id == article_id)) is not None


def article_record(session: Session, article_id: int) -> dict[str, Any] | None:
    """Everything the archive knows about one article: its fields, URLs, captures, versions (with their fields)
    and the other copies of its story (`newsarchive show --json`'s copies and versions)."""
    row = session.get(Article, article_id, options=[selectinload(Article.links), selectinload(Article.tags)])
    if row is None:
        return None
    data = article_json(row)
    data.update(
        rules=dict(row.rules or {}),
        withdrawn_status=row.withdrawn_status,
        created_at=_utc(row.created_at),
        updated_at=_utc(row.updated_at),
        urls=[
            {"url": u, "first_seen": _utc(seen)}
            for u, seen in session.execute(
                select(ArticleUrl.url, ArticleUrl.first_seen).where(ArticleUrl.article_id == article_id)
                .order_by(ArticleUrl.id)
            )
        ],
        captures=_captures(session, Capture.article_id == article_id),
        versions=version_history(session, row, with_fields=True),
        copies=story_copies(session, row),
    )
    return data


# -- one story ---------------------------------------------------------------------------------------------
def reprint_edges(story: dict[str, Any], graph: dict[int, int | None] | None = None) -> dict[int, int | None]:
    """Who copied from whom: copy id -> the id it was copied from (None for the original).

    The archive's reprint graph (storage.clusters.reprint_graph: the earlier copy each one copies most closely)
    where it has an edge; the story's original otherwise.
    """
    original = story["original_article_id"]
    graph = graph or {}
    return {c["id"]: (None if c["id"] == original else graph.get(c["id"]) or original) for c in story["copies"]}


def story_record(session: Session, story_id: int) -> dict[str, Any] | None:
    """A story cluster with every copy in the export shape, earliest published first."""
    row = session.get(Story, story_id)
    if row is None:
        return None
    copies = session.scalars(
        select(Article).where(Article.story_id == story_id)
        .options(selectinload(Article.links), selectinload(Article.tags))
    ).all()
    copies = sorted(copies, key=lambda a: (a.published or a.fetched_at, a.id))
    original = row.original_article_id
    if original is None or original not in {a.id for a in copies}:
        original = next((a.id for a in copies if a.is_original), copies[0].id if copies else None)
    data: dict[str, Any] = {
        "id": row.id,
        "source": row.source,
        "original_article_id": original,
        "copies": [article_json(a) for a in copies],
    }
    data["copied_from"] = reprint_edges(data, {e["id"]: e["copied_from"] for e in reprint_graph(session, story_id)})
    return data


# -- captures ----------------------------------------------------------------------------------------------
def capture_record(session: Session, capture_id: int) -> dict[str, Any] | None:
    """One capture's metadata (headers, digest, size, charset) and its article's title; never the body."""
    rows = _captures(session, Capture.id == capture_id)
    if not rows:
        return None
    data = rows[0]
    data["article_title"] = (
        session.scalar(select(Article.title).where(Article.id == data["article_id"])) if data["article_id"] else None
    )
    return data


@dataclass(frozen=True)
class RawCapture:
    body: bytes
    #: the charset the page was decoded with when archived (None: not known)
    encoding: str | None
    content_type: str


def capture_body(session: Session, capture_id: int) -> RawCapture | None:
    """The capture's body, byte-exact as received."""
    row = session.get(Capture, capture_id)
    if row is None:
        return None
    headers = {k.lower(): v for k, v in (row.headers or {}).items()}
    return RawCapture(row.body, row.encoding or row.declared_charset, headers.get("content-type", ""))


def article_warc(session: Session, article_id: int, out: Path) -> int:
    """Write the article's captures as a WARC (storage.warc's format); returns the records written (0: none).

    storage.warc.export_warc selects captures by site and date; a loader criterion on this session narrows
    every capture it selects to the article's, so the one WARC writer serves here unchanged.
    """

    def only_this_article(state: ORMExecuteState) -> None:
        if state.is_select:
            state.statement = state.statement.options(
                with_loader_criteria(Capture, Capture.article_id == article_id, include_aliases=True)
            )

    event.listen(session, "do_orm_execute", only_this_article)
    try:
        responses, revisits = export_warc(session, out)
    finally:
        event.remove(session, "do_orm_execute", only_this_article)
    return responses + revisits


# -- sites -------------------------------------------------------------------------------------------------
def _run(run: Any) -> dict[str, Any]:
    return {
        "id": run.id, "spider": run.spider, "site": run.site, "started_at": _utc(run.started_at),
        "finished_at": _utc(run.finished_at), "finish_reason": run.finish_reason, "stats": dict(run.stats or {}),
    }


def sites_overview(session: Session, *, now: datetime | None = None, runs: int = 20) -> dict[str, Any]:
    """The health report's figures (storage.stats) per site, with field coverage per week and articles per day
    over time, and the recent crawl runs."""
    now = now or datetime.now(UTC)
    scan = coverage_scan(session, now - timedelta(days=RECENT_DAYS))  # one pass over the bodies for both
    health = archive_health(session, recent_days=RECENT_DAYS, now=now, scan=scan).to_json()
    weekly = coverage_by_week(session, scan=scan)
    today = now.astimezone(READING_ZONE).date()
    for site in health["sites"]:
        site["coverage_by_week"] = weekly.get(site["site"], [])
        site["activity"] = activity(session, site["site"], today)
    health["fields"] = list(FIELDS)
    health["recent_runs"] = [_run(r) for r in recent_runs(session, runs)]
    return health
