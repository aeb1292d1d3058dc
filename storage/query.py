"""Reads from the archive, as plain functions taking a session: search, the archived-URL lookup, one article with
its copies and versions, export rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from crawler.fields import BY_NAME, EXPORT_KEYS, EXPORTED, Field, iso_time, json_value
from crawler.urls import url_key
from storage.models import Article, ArticleTag, ArticleUrl, ArticleVersion, CrawlRun
from storage.search import MIN_INDEXED, TextPlan, fts_condition, fts_table, matching_ids, plan_text

SORTS = ("published", "relevance")


@dataclass(frozen=True, slots=True)
class Filters:
    """What a researcher narrows the archive by; every field is optional.

    `text` uses the syntax of storage.search (words ANDed, "phrases", -excluded). Date ranges are half-open:
    `since <= published < until`, `fetched_since <= fetched_at < fetched_until`.
    """

    text: str | None = None
    site: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tag: str | None = None
    author: str | None = None
    #: a person credited as correspondent, intern, photographer, translator … (never matched by `author`)
    contributor: str | None = None
    column: str | None = None
    fetched_since: datetime | None = None
    fetched_until: datetime | None = None
    #: "published" (newest first) or "relevance" (best match first, then newest)
    sort: str = "published"
    #: one row per story cluster (syndicated copies collapse to the original, or the first matching copy)
    collapse: bool = False


@dataclass
class SearchPage:
    articles: list[Article]
    #: things the user should know, e.g. that a short word was matched by a scan instead of the index
    notes: tuple[str, ...] = ()
    uses_index: bool = False
    #: how many results paging can reach when a bound (SCAN_ROWS, RELEVANCE_CANDIDATES) left matches out, so that
    #: a pager does not offer pages past it; None when every match can be paged to
    reachable: int | None = None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _json_list_contains(column: Any, value: str, dialect: str) -> Any:
    """`value` is one of the strings in a JSON list column (author, editor)."""
    fn = func.json_array_elements_text if dialect == "postgresql" else func.json_each
    elements = fn(column).table_valued("value").alias("elements")
    return select(literal_column("1")).select_from(elements).where(elements.c.value == value).exists()


def _json_records_contain(column: Any, key: str, value: str, dialect: str) -> Any:
    """Some record in a JSON list-of-objects column (contributors) has `value` under `key`, exactly."""
    part: ColumnElement[Any]
    if dialect == "postgresql":
        elements = func.json_array_elements(column).table_valued("value").alias("elements")
        part = elements.c.value.op("->>")(bindparam(None, key, type_=Text))
    else:
        elements = func.json_each(column).table_valued("value").alias("elements")
        part = func.json_extract(elements.c.value, bindparam(None, f"$.{key}", type_=Text))
    return select(literal_column("1")).select_from(elements).where(part == value).exists()


def plan(
    filters: Filters,
    dialect: str = "sqlite",
    *,
    use_fts: bool = True,
    within: ColumnElement[bool] | None = None,
) -> tuple[Select[Article], TextPlan]:
    """A SELECT of articles matching the filters in the requested order, and how its text part runs.

    `within` narrows the rows further (search_page's scan window and relevance candidates); with collapse, the
    copy that stands for a story is still the one among all matches. Raises storage.search.QuerySyntaxError for
    unreadable search text. Values are bound parameters, never SQL.
    """
    if filters.sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {filters.sort!r}")
    text = plan_text(filters.text, dialect, use_fts=use_fts)
    stmt = select(Article)
    if text.fts_match is not None:
        if filters.sort == "relevance":
            # driven by the index, so relevance candidates can be walked backwards by id (search_page)
            stmt = stmt.join(fts_table, fts_table.c.rowid == Article.id).where(fts_condition(text.fts_match))
        else:
            stmt = stmt.where(Article.id.in_(matching_ids(text.fts_match)))
    for condition in text.conditions:
        stmt = stmt.where(condition)
    if filters.site:
        stmt = stmt.where(Article.site == filters.site)
    if filters.source:
        stmt = stmt.where(Article.source == filters.source)
    if filters.column:
        stmt = stmt.where(Article.column == filters.column)
    if filters.author:
        stmt = stmt.where(_json_list_contains(Article.author, filters.author, dialect))
    if filters.contributor:
        stmt = stmt.where(_json_records_contain(Article.contributors, "name", filters.contributor, dialect))
    if filters.since:
        stmt = stmt.where(Article.published >= filters.since)
    if filters.until:
        stmt = stmt.where(Article.published < filters.until)
    if filters.fetched_since:
        stmt = stmt.where(Article.fetched_at >= filters.fetched_since)
    if filters.fetched_until:
        stmt = stmt.where(Article.fetched_at < filters.fetched_until)
    if filters.tag:
        stmt = stmt.where(Article.tags.any(ArticleTag.name == filters.tag))
    if within is not None:
        stmt = stmt.where(within)
    newest = _newest(dialect)
    if filters.sort == "relevance" and text.score is not None:
        stmt = stmt.order_by(text.score.desc(), newest, Article.id.desc())
    else:
        stmt = stmt.order_by(newest, Article.id.desc())
    if filters.collapse:
        stmt = stmt.where(_represents_its_story(filters, dialect, use_fts=use_fts))
    return stmt, text


def _newest(dialect: str) -> ColumnElement[Any]:
    """Newest published first, undated last (SQLite sorts NULL lowest, so plain DESC already does, and can walk
    ix_articles_published)."""
    return Article.published.desc().nulls_last() if dialect == "postgresql" else Article.published.desc()


#: which matching copy stands for its story in a collapsed search: the original first, then the lowest id
STORY_ORDER = (Article.is_original.desc(), Article.id)


def _copies_matching(filters: Filters, dialect: str, *, use_fts: bool) -> Select[Any]:
    """The ids of the articles matching the filters, for a lookup of one story's copies (see below).

    As plan() finds them, except that the index's matches are a list each copy is checked against (`id + 0`
    cannot drive the lookup). Given `id IN (matches)`, SQLite walked the whole list for every story: page 30 of
    a quarter's 防汛抗旱 took 2.6 s of CPU on the benchmark archive with 12% of its articles in stories, 0.17 s
    with the check.
    """
    stmt = plan(replace(filters, text=None, sort="published", collapse=False), dialect)[0]
    text = plan_text(filters.text, dialect, use_fts=use_fts)
    if text.fts_match is not None:
        stmt = stmt.where((Article.id + 0).in_(matching_ids(text.fts_match)))
    for condition in text.conditions:
        stmt = stmt.where(condition)
    return stmt.with_only_columns(Article.id)


def _represents_its_story(filters: Filters, dialect: str, *, use_fts: bool) -> ColumnElement[bool]:
    """The article stands for its story among the matches: it has no story, or it is the story's first matching
    copy in STORY_ORDER — the original when it matches, else the earliest matching copy.

    A correlated lookup per candidate row (the story's copies by ix_articles_story_id, each checked against the
    same filters), so a newest-first page stops after its rows. Numbering every match of the search per story
    (a window function over all of them) cost ~230 ms for a quarter's 防汛抗旱 on the benchmark archive.
    """
    me = aliased(Article, name="represented")
    first = (
        _copies_matching(filters, dialect, use_fts=use_fts)
        .where(Article.story_id == me.story_id)
        .order_by(None)
        .order_by(*STORY_ORDER)
        .limit(1)
        .correlate(me)
        .scalar_subquery()
    )
    chosen = select(literal_column("1")).select_from(me).where(me.id == Article.id, me.id == first).exists()
    return or_(Article.story_id.is_(None), chosen)


def filtered(filters: Filters, dialect: str = "sqlite") -> Select[Article]:
    """A SELECT of articles matching the filters, in the requested order (newest first by default)."""
    return plan(filters, dialect)[0]


#: newest-first pages first look for matches among this many of the newest filtered articles (see search_page)
SCAN_WINDOW = 3000


def _newest_window(session: Session, filters: Filters, limit: int, offset: int) -> list[Article] | None:
    """The page, if it lies among the newest SCAN_WINDOW articles that pass the non-text filters, else None.

    A word found in many articles (防汛抗旱 in a third of them) makes the index hand back a huge list to sort,
    while a scan of the newest articles along ix_articles_published meets a page of matches at once. The
    window's matches come first in the order, so a full page from it is the right page; a short one (a rare
    word) falls back to the index.
    """
    stmt, _text = plan(filters, _dialect(session), use_fts=False, within=_window(session, filters, SCAN_WINDOW))
    rows = _page(session, stmt, limit, offset)
    return rows if len(rows) == limit else None


def _index_holds_fewer(session: Session, match: str, count: int) -> bool:
    """Whether the FTS index lists fewer than `count` articles for the match: then sorting them all costs less
    than scanning the newest window (a rare or absent word read all 3,000 articles of it, then used the index)."""
    listed = select(fts_table.c.rowid).where(fts_condition(match)).limit(count).subquery()
    return (session.scalar(select(func.count()).select_from(listed)) or 0) < count


#: a scan for words too short for the trigram index reads at most this many of the newest articles the other
#: filters allow: reading one for LIKE costs ~4 µs (quiet) to ~10 µs (loaded 2-core machine), so under 100 ms
SCAN_ROWS = 5_000
#: relevance order ranks at most this many matches: scoring is linear in what it scores (工作, in every article,
#: took 938 ms at 100,000 articles), 500 cost ~10-25 ms, and 25 pages of 20 are more than anyone reads ranked
RELEVANCE_CANDIDATES = 500


def _scans(text: TextPlan) -> bool:
    """Whether the words are matched by a scan: none of them can use the trigram index."""
    return bool(text.conditions) and not text.uses_index


def _window(session: Session, filters: Filters, size: int) -> ColumnElement[bool] | None:
    """The newest `size` articles the filters other than the words allow, as a condition; None when the filters
    allow no more than that.

    It is a bound in the newest-first order (published, then id), found by walking the publication index, so a
    scan of the window still walks that index and stops at a full page of a common word (an `id IN (window)`
    read every article of the window before sorting).
    """
    dialect = _dialect(session)
    # a window of articles, not stories: collapsed by the other filters alone, a story's newer original that
    # lacks the words would keep out the copy that stands for the story (tests/test_collapse.py)
    allowed = plan(replace(filters, text=None, sort="published", collapse=False), dialect)[0]
    edge = session.execute(allowed.with_only_columns(Article.published, Article.id).offset(size).limit(1)).first()
    if edge is None:
        return None
    published, article_id = edge
    if published is None:  # undated articles come last: the window is every dated one and the newer undated
        return or_(Article.published.is_not(None), Article.id > article_id)
    return and_(Article.published >= published, or_(Article.published > published, Article.id > article_id))


def _scan_note(text: TextPlan) -> str:
    words = " ".join(repr(t) for t in text.short_words) or "the excluded words"
    return (
        f"only the newest {SCAN_ROWS:,} articles were scanned for {words}: older ones were not searched "
        f"(narrow the dates, add a word of {MIN_INDEXED}+ characters, or export the search: it reads every article)"
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: int
    #: the negated score (storage.search: occurrences, a title's weighted over the body's), so lower is better
    rank: Any
    published: datetime | None


def _candidates(
    session: Session, filters: Filters, text: TextPlan, window: ColumnElement[bool] | None
) -> tuple[list[_Candidate], bool]:
    """What relevance order ranks, each with its score, and whether more articles match than RELEVANCE_CANDIDATES.

    The candidates are the newest matches, chosen without scoring: for words the trigram index serves, the most
    recently archived (highest id, the order the index walks); for a scan, the newest published, the order the
    scan walks. Each is scored as it is read, by counting its words' occurrences: FTS5's bm25 reads the whole
    list of every word for its document frequency (190 ms for 防汛抗旱 at a million articles, linear).
    """
    dialect = _dialect(session)
    flat = replace(filters, collapse=False)
    assert text.score is not None
    if text.uses_index:
        # the ranked statement (on SQLite a join driven by the FTS index), walked backwards by id
        newest_id = fts_table.c.rowid.desc() if text.fts_match is not None else Article.id.desc()
        stmt = plan(flat, dialect)[0].order_by(None).order_by(newest_id)
    else:
        stmt = plan(replace(flat, sort="published"), dialect, within=window)[0]
    scored = stmt.with_only_columns(Article.id, (-text.score).label("rank"), Article.published)
    rows = [_Candidate(i, r, p) for i, r, p in session.execute(scored.limit(RELEVANCE_CANDIDATES + 1))]
    return rows[:RELEVANCE_CANDIDATES], len(rows) > RELEVANCE_CANDIDATES


def _in_rank_order(candidates: list[_Candidate]) -> list[int]:
    """Ids best first, then newest published (undated last), then highest id: the SQL order of plan()."""
    ordered = sorted(candidates, key=lambda c: c.id, reverse=True)
    ordered.sort(key=lambda c: (c.published is not None, c.published or datetime.min), reverse=True)
    ordered.sort(key=lambda c: c.rank)
    return [c.id for c in ordered]


def _ranked_page(
    session: Session, filters: Filters, text: TextPlan, window: ColumnElement[bool] | None, limit: int, offset: int
) -> tuple[list[Article], tuple[str, ...], int | None]:
    """A page in relevance order over the candidates, the note on what the bounds left out, and how many results
    paging can reach when a bound left matches out (the candidates are all it can reach).

    A scan window that held more than RELEVANCE_CANDIDATES matches left nothing out the candidates' bound did not
    (they are the newest matches either way), so then only the candidates' note is given.
    """
    candidates, more = _candidates(session, filters, text, window)
    notes: tuple[str, ...] = ()
    if more:
        notes = (
            f"more than {RELEVANCE_CANDIDATES:,} articles match: relevance order ranks the newest "
            f"{RELEVANCE_CANDIDATES:,} (add a date filter or more words to rank them all)",
        )
    elif window is not None:
        notes = (_scan_note(text),)
    reachable = len(candidates) if more or window is not None else None
    if not candidates:
        return [], notes, reachable
    ids = [c.id for c in candidates]
    dialect = _dialect(session)
    if filters.collapse:  # the candidates that stand for their stories, ranked in SQL
        stmt = plan(filters, dialect, within=Article.id.in_(ids))[0]
        return _page(session, stmt, limit, offset), notes, reachable
    page = _in_rank_order(candidates)[offset : offset + limit]
    found = {a.id: a for a in _page(session, plan(Filters(), dialect, within=Article.id.in_(page))[0], limit, 0)}
    return [found[i] for i in page], notes, reachable


def search_page(session: Session, filters: Filters, limit: int = 20, offset: int = 0) -> SearchPage:
    """One page of results, with notes on how the search ran (raises QuerySyntaxError on bad search text).

    Words too short for the index are scanned for in a window of the newest articles (SCAN_ROWS), and relevance
    order ranks a bounded set of the newest matches (RELEVANCE_CANDIDATES); a note says when either bound left
    articles out, so that the time of a first page does not grow with the archive.
    """
    dialect = _dialect(session)
    stmt, text = plan(filters, dialect)
    if dialect == "postgresql":
        _plan_for_each_value(session)
    notes = list(text.notes)
    window = _window(session, filters, SCAN_ROWS) if _scans(text) else None
    rows: list[Article]
    reachable: int | None = None
    ranked = filters.sort == "relevance" and text.score is not None
    if ranked:
        rows, rank_notes, reachable = _ranked_page(session, filters, text, window, limit, offset)
        notes += rank_notes
    elif (
        text.fts_match is not None
        and filters.sort == "published"
        and offset + limit <= SCAN_WINDOW // 10
        and not _index_holds_fewer(session, text.fts_match, SCAN_WINDOW)
    ):
        rows = _newest_window(session, filters, limit, offset) or _page(session, stmt, limit, offset)
    else:
        if window is not None:
            stmt = plan(filters, dialect, within=window)[0]
        rows = _page(session, stmt, limit, offset)
    if window is not None and not ranked and len(rows) < limit:
        notes.append(_scan_note(text))
        reachable = offset + len(rows)  # the window's matches end on this page
    return SearchPage(rows, tuple(notes), text.uses_index, reachable)


def _plan_for_each_value(session: Session) -> None:
    """Have PostgreSQL plan this transaction's statements for the values they carry, never once for any value.

    psycopg prepares a statement run five times on one connection, and PostgreSQL may then keep a generic plan:
    for `LIKE $1` it chose the trigram index, which a 2-character word makes it read whole (10 s a search at
    a million articles, against 0.1 s planned for the word).
    """
    session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def _page(session: Session, stmt: Select[Article], limit: int, offset: int) -> list[Article]:
    stmt = stmt.options(selectinload(Article.links), selectinload(Article.tags)).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def search(session: Session, filters: Filters, limit: int = 20, offset: int = 0) -> list[Article]:
    return search_page(session, filters, limit, offset).articles


def iter_articles(session: Session, filters: Filters, batch: int = 500) -> Iterator[Article]:
    """Every matching article in id order, streamed: one query read in batches, each batch dropped from the
    session once yielded, so memory stays flat on a big archive."""
    stmt, _text = plan(filters, _dialect(session))
    stmt = stmt.order_by(None).order_by(Article.id)
    stmt = stmt.options(selectinload(Article.links), selectinload(Article.tags)).execution_options(yield_per=batch)
    result = session.scalars(stmt)
    try:
        for rows in result.partitions():
            yield from rows
            for article in rows:  # (expunge_all would invalidate the identity map the open result loads into)
                if article in session:
                    session.expunge(article)
    finally:
        result.close()


#: URL keys asked per query (a SQL IN list of this many stays well inside every backend's parameter limit)
LOOKUP_BATCH = 500


@dataclass(frozen=True, slots=True)
class Archived:
    """An archived article, as the URL lookup finds it."""

    article_id: int
    published: datetime | None


def archived_articles(session: Session, urls: Iterable[str]) -> dict[str, Archived]:
    """The archive's one answer to "is this URL archived?", for a batch of URLs (keys are the URLs as given).

    A URL is archived when its scheme-less canonical key (crawler.urls.url_key: http/https, tracking parameters,
    index.html folded) is one of the keys recorded for an article in `article_urls` — its canonical URL, the URL
    it was fetched at, and every other URL it was found at. One query per LOOKUP_BATCH keys.
    """
    by_key: dict[str, list[str]] = {}
    for url in dict.fromkeys(u for u in urls if u):
        by_key.setdefault(url_key(url), []).append(url)
    keys = list(by_key)
    found: dict[str, Archived] = {}
    for i in range(0, len(keys), LOOKUP_BATCH):
        stmt = (
            select(ArticleUrl.url_key, Article.id, Article.published)
            .join(Article, Article.id == ArticleUrl.article_id)
            .where(ArticleUrl.url_key.in_(keys[i : i + LOOKUP_BATCH]))
        )
        for key, article_id, published in session.execute(stmt):
            for url in by_key[key]:
                found[url] = Archived(article_id, published)
    return found


def archived_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """Which of these URLs the archive already holds (see `archived_articles`)."""
    return set(archived_articles(session, urls))


def find_article(session: Session, urls: Iterable[str]) -> Article | None:
    """The article archived under the first of these URLs that the archive holds (see `archived_articles`)."""
    urls = list(urls)
    found = archived_articles(session, urls)
    for url in urls:
        if url in found:
            return session.get(Article, found[url].article_id)
    return None


def get_article(session: Session, url_or_id: str) -> Article | None:
    """An article by numeric id, or by any URL it was found at."""
    if url_or_id.isdigit():
        return session.get(Article, int(url_or_id))
    return find_article(session, [url_or_id])


def recent_runs(session: Session, limit: int = 20) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))


def row_value(article: Article, field: Field) -> Any:
    """A field's value on an archived article (tags and links come from their own tables)."""
    if field.name == "tags":
        return [t.name for t in article.tags]
    return getattr(article, field.name)


def article_json(article: Article) -> dict[str, Any]:
    """The export shape of one article (`search --json`, `show --json`, `export` in every format).

    Its keys are crawler.fields' exported fields, in the table's order; times in each field's zone.
    """
    return {f.name: json_value(f, row_value(article, f)) for f in EXPORTED}


def export_fields() -> list[str]:
    """The keys of `article_json`, in order (the CSV header even when nothing matches)."""
    return list(EXPORT_KEYS)


# -- the copies and versions of one article (`newsarchive show`) --------------------------------------------
def story_copies(session: Session, article: Article) -> list[dict[str, Any]]:
    """The other copies of the article's story (syndicated by other sites), earliest published first."""
    if article.story_id is None:
        return []
    rows = session.scalars(
        select(Article).where(Article.story_id == article.story_id, Article.id != article.id).order_by(Article.id)
    ).all()
    rows = sorted(rows, key=lambda a: (a.published or a.fetched_at, a.id))
    return [
        {
            "id": a.id,
            "site": a.site,
            "url": a.url,
            "title": a.title,
            "published": iso_time(a.published, BY_NAME["published"].zone),
            "source": a.source,
            "is_original": bool(a.is_original),
        }
        for a in rows
    ]


def version_history(session: Session, article: Article, *, with_fields: bool = False) -> list[dict[str, Any]]:
    """Every version of the article, oldest first, with what changed and the captures it came from; `with_fields`
    adds each version's snapshot of the fields (the web view diffs them)."""
    rows = session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.version)
    ).all()
    return [
        {
            "version": v.version,
            "fetched_at": iso_time(v.fetched_at, BY_NAME["fetched_at"].zone),
            "reason": v.reason,
            "changed": list(v.changed or []),
            "extractor_version": v.extractor_version,
            "capture_ids": list(v.capture_ids or []),
            **({"fields": dict(v.fields or {})} if with_fields else {}),
        }
        for v in rows
    ]
