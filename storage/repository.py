"""Writes to the archive, as plain functions taking a session (or, for `save_item`, a session factory)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crawler.fields import CONTENT, SNAPSHOT, STORED_ZONE, VERSIONED_FIELDS, item_value, json_value, plain
from crawler.items import ArticleItem, CaptureData
from crawler.urls import canonical_url, content_digest, url_key, without_tracking
from crawler.version import EXTRACTOR_VERSION
from storage.clusters import new_story
from storage.db import session_scope
from storage.models import (
    Article,
    ArticleLink,
    ArticleTag,
    ArticleUrl,
    ArticleVersion,
    Capture,
    CrawlRun,
    Payload,
    utcnow,
)
from storage.query import find_article, row_value

Outcome = Literal["new", "same_content", "unchanged", "updated"]


@dataclass(slots=True)
class StoreResult:
    article_id: int
    #: new article; the same publication already archived at another URL form (an alias); re-fetch unchanged;
    #: re-fetch changed
    outcome: Outcome
    changed: list[str] = field(default_factory=list)


# -- payloads and captures ---------------------------------------------------------------------------------
def _insert_ignoring_duplicates(session: Session, model: type[Any], values: dict[str, Any], key: str) -> None:
    """INSERT a row whose `key` another writer may have inserted first (that one is kept: same content)."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert_ = sqlite_insert if dialect == "sqlite" else pg_insert
        session.execute(insert_(model).values(**values).on_conflict_do_nothing(index_elements=[key]))
    else:  # pragma: no cover - other backends
        session.add(model(**values))
        session.flush()


def store_payload(session: Session, body: bytes) -> str:
    """Store a body once by its sha256 (a concurrent insert of the same body is not an error); returns the digest.

    The existence check is a Core query (no ORM object loaded): a new page's body is new, and loading a payload
    only to learn that it exists decompresses nothing but costs an ORM load per capture."""
    digest = hashlib.sha256(body).hexdigest()
    if session.execute(select(Payload.digest).where(Payload.digest == digest)).first() is not None:
        return digest
    packed = zlib.compress(body, 6)
    compression = "zlib" if len(packed) < len(body) else "none"
    values = {"digest": digest, "size": len(body), "compression": compression,
              "data": packed if compression == "zlib" else body}
    _insert_ignoring_duplicates(session, Payload, values, "digest")
    return digest


def add_capture(
    session: Session, site: str, cap: CaptureData, page_no: int = 1, article_id: int | None = None
) -> int:
    """Keep one response (its body once, as a payload); returns the capture's id. A Core INSERT … RETURNING: a
    capture is written once and never read back in the transaction, so an ORM object buys nothing."""
    digest = store_payload(session, cap.body)
    values = {
        "site": site, "page_no": page_no, "url": cap.url, "final_url": cap.final_url, "status": cap.status,
        "headers": dict(cap.headers), "digest": digest, "declared_charset": cap.declared_charset,
        "encoding": cap.encoding, "fetched_at": cap.fetched_at, "article_id": article_id,
    }
    return int(session.execute(insert(Capture).values(**values).returning(Capture.id)).scalar_one())


def _add_captures(session: Session, article: Article, item: ArticleItem) -> list[int]:
    return [add_capture(session, item.site, cap, n, article.id) for n, cap in enumerate(item.captures, start=1)]


# -- articles ----------------------------------------------------------------------------------------------
def item_fields(item: ArticleItem) -> dict[str, Any]:
    """The JSON snapshot of an item's fields, as versions keep them (times in UTC)."""
    return {f.name: json_value(f, item_value(item, f), STORED_ZONE) for f in SNAPSHOT}


def article_fields(article: Article) -> dict[str, Any]:
    """The same snapshot of an archived article."""
    return {f.name: json_value(f, row_value(article, f), STORED_ZONE) for f in SNAPSHOT}


def changed_fields(old: dict[str, Any], new: dict[str, Any], names: Iterable[str] = VERSIONED_FIELDS) -> list[str]:
    return [name for name in names if old.get(name) != new.get(name)]


def _tag_rows(article: Article, names: list[str]) -> list[ArticleTag]:
    """The article's tag rows for these names, in this order. A tag the article already has keeps its row: a new
    row for it would be INSERTed before the old one is DELETEd, against article_tags' one row per name."""
    kept = {t.name: t for t in article.tags}
    rows = []
    for i, name in enumerate(names):
        row = kept.pop(name, None) or ArticleTag(name=name)
        row.position = i
        rows.append(row)
    return rows


#: how the relationship fields become rows of their own tables (positions keep the page's order)
RELATION_ROWS: dict[str, Callable[[list[Any]], list[dict[str, Any]]]] = {
    "tags": lambda names: [{"position": i, "name": t} for i, t in enumerate(names)],
    "links": lambda links: [{"position": i, **link} for i, link in enumerate(links)],
}
RELATION_MODELS: dict[str, type[ArticleTag] | type[ArticleLink]] = {"tags": ArticleTag, "links": ArticleLink}


def _relation_objects(article: Article, name: str, value: list[Any]) -> list[Any]:
    """An archived article's new rows of one relationship field; the tags it keeps keep their rows."""
    if name == "tags":
        return _tag_rows(article, value)
    model = RELATION_MODELS[name]
    return [model(**row) for row in RELATION_ROWS[name](value)]


def _apply(article: Article, item: ArticleItem, relations: bool = True) -> dict[str, list[dict[str, Any]]]:
    """Copy an item's content fields onto the article row; the relationship fields too when `relations`, else
    they are returned as rows (table name -> rows) for `_insert_relations` to write without the ORM."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for f in CONTENT:
        value = plain(f, item_value(item, f))
        if f.stored != "relation":
            setattr(article, f.name, value)
        elif relations:
            setattr(article, f.name, _relation_objects(article, f.name, value))
        else:
            rows[f.name] = RELATION_ROWS[f.name](value)
    article.content_digest = item.content_digest or content_digest(item.extracted.body)
    return rows


def _insert_relations(session: Session, article_id: int, rows: dict[str, list[dict[str, Any]]]) -> None:
    """A new article's tags and links (some fifty rows a page) in one executemany each: as ORM objects every row
    costs a unit-of-work round of its own, the largest part of storing an article."""
    for name, values in rows.items():
        if values:
            session.execute(insert(RELATION_MODELS[name]), [{"article_id": article_id, **v} for v in values])


def _add_urls(session: Session, article: Article, urls: Iterable[str], at: datetime, new: bool = False) -> None:
    """Record more URLs of an article; a key already recorded for it is skipped, one of another article raises.

    A `new` article (just inserted) has none recorded: no need to ask, and the rows go in with one Core insert.
    """
    if new:
        keys: dict[str, str] = {}
        for u in urls:
            if u:
                keys.setdefault(url_key(u), u)  # the first URL of a key is the one kept, as below
        rows = [{"article_id": article.id, "url_key": k, "url": u, "first_seen": at} for k, u in keys.items()]
        session.execute(insert(ArticleUrl), rows)
        return
    known = set(session.scalars(select(ArticleUrl.url_key).where(ArticleUrl.article_id == article.id)))
    for url in urls:
        if not url:
            continue
        key = url_key(url)
        if key in known:
            continue
        known.add(key)
        session.add(ArticleUrl(article_id=article.id, url_key=key, url=url, first_seen=at))
    session.flush()


def publication_key(site: str, title: str, published: datetime | None, digest: str, body: str) -> str | None:
    """What makes two pages one publication (and one row): same site, title, published time and body.

    A syndicated copy differs in at least its site or its published time (and usually its 来源 and column): it is
    an article of its own, linked to the others by its story. None for a page without a body.
    """
    if not body.strip():
        return None
    when = published.astimezone(STORED_ZONE).isoformat() if published is not None else ""
    return hashlib.sha256("\x1f".join((site, title.strip(), when, digest)).encode("utf-8")).hexdigest()


def item_publication_key(item: ArticleItem) -> str | None:
    digest = item.content_digest or content_digest(item.extracted.body)
    return publication_key(item.site, item.extracted.title, item.extracted.published, digest, item.extracted.body)


def _item_urls(item: ArticleItem) -> list[str]:
    return [item.canonical_url or canonical_url(item.url), item.url, *(c.url for c in item.captures[:1])]


def add_article(session: Session, item: ArticleItem) -> Article:
    """Insert a new article with its URLs, links, tags, captures and first version (flushes; the caller commits).

    The database refuses a URL or a publication already archived (IntegrityError). The article starts a story of
    its own; `storage.clusters.rebuild_stories` joins it to its copies.
    """
    article = Article(
        site=item.site,
        url=without_tracking(item.url),  # whichever link was followed first (the URL as fetched: article_urls)
        canonical_url=item.canonical_url or canonical_url(item.url),
        extractor_version=item.extra.get("extractor_version", EXTRACTOR_VERSION),
        fetched_at=item.fetched_at,
        version=1,
        publication_key=item_publication_key(item),
    )
    relations = _apply(article, item, relations=False)
    session.add(article)
    session.flush()
    _insert_relations(session, article.id, relations)
    _add_urls(session, article, _item_urls(item), item.fetched_at, new=True)
    capture_ids = _add_captures(session, article, item)
    session.execute(insert(ArticleVersion).values(
        article_id=article.id,
        version=1,
        fields=item_fields(item),
        capture_ids=capture_ids,
        changed=[],
        reason=item.extra.get("version_reason", "crawl"),
        extractor_version=article.extractor_version,
        fetched_at=item.fetched_at,
    ))
    new_story(session, article)
    return article


def _rekey(session: Session, article: Article, item: ArticleItem) -> None:
    """A changed title, time or body changes what publication the row is; another row may already be it, and
    then this row keeps its old key (two rows of one publication are merged by nobody's guess)."""
    key = item_publication_key(item)
    if key == article.publication_key:
        return
    taken = key is not None and session.scalar(
        select(Article.id).where(Article.publication_key == key, Article.id != article.id)
    )
    if not taken:
        article.publication_key = key


def update_article(session: Session, article: Article, item: ArticleItem, reason: str = "recrawl") -> StoreResult:
    """A re-fetched (or re-extracted) article: a new version when its content changed, else just the new captures.

    A crawl's refetch-window item (`item.extra["refetch"]`) with unchanged content stores no capture at all: the
    archived version and its captures already hold it, so a refetch costs no new stored copy.
    """
    old = article_fields(article)
    new = item_fields(item)
    changed = changed_fields(old, new)
    keep = bool(item.captures) and (bool(changed) or not item.extra.get("refetch"))
    capture_ids = _add_captures(session, article, item) if keep else []
    if reason != "reextract":
        _add_urls(session, article, _item_urls(item), item.fetched_at)
    if article.withdrawn_at is not None and item.fetched_at > article.withdrawn_at:
        article.withdrawn_at = None  # it is back
        article.withdrawn_status = None
    if not changed:
        session.flush()
        return StoreResult(article.id, "unchanged")
    _rekey(session, article, item)
    _apply(article, item)
    article.version += 1
    article.extractor_version = item.extra.get("extractor_version", EXTRACTOR_VERSION)
    if reason != "reextract":
        article.fetched_at = item.fetched_at
    if not capture_ids:  # re-extraction: the version comes from the captures of the version it replaces
        previous = session.scalar(
            select(ArticleVersion.capture_ids)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.version.desc())
            .limit(1)
        )
        capture_ids = list(previous or [])
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            fields=new,
            capture_ids=capture_ids,
            changed=changed,
            reason=reason,
            extractor_version=article.extractor_version,
            fetched_at=article.fetched_at,
        )
    )
    session.flush()
    return StoreResult(article.id, "updated", changed)


def _prefer_canonical(article: Article, item: ArticleItem) -> None:
    """The canonical page itself arriving after an alias of it (a print view found first) gives the row its URL,
    so the row reads the same whichever URL form a crawl happened to fetch first."""
    if url_key(item.url) == url_key(article.canonical_url):
        article.url = without_tracking(item.url)


def find_publication(session: Session, item: ArticleItem) -> Article | None:
    """The archived row of the item's publication (same site, title, published time and body), if any."""
    key = item_publication_key(item)
    if key is None:
        return None
    return session.scalar(select(Article).where(Article.publication_key == key))


def store_item(session: Session, item: ArticleItem) -> StoreResult:
    """Store one article however it relates to the archive (flushes; the caller commits).

    - a URL already archived (any scheme, tracking parameters, index.html …): compare, new version if changed;
    - the same publication at another URL form (print view, dynamic twin, share link): an alias, whose URL and
      captures join the archived row;
    - otherwise a new article — a syndicated copy too, with its own URL, 来源, time and column; stories link the
      copies (`storage.clusters.rebuild_stories`).
    """
    existing = find_article(session, _item_urls(item))
    if existing is not None:
        _prefer_canonical(existing, item)
        return update_article(session, existing, item)
    same = find_publication(session, item)
    if same is not None:
        _add_urls(session, same, _item_urls(item), item.fetched_at)
        _add_captures(session, same, item)
        _prefer_canonical(same, item)
        return StoreResult(same.id, "same_content")
    return StoreResult(add_article(session, item).id, "new")


def save_item(factory: sessionmaker[Session], item: ArticleItem) -> StoreResult:
    """`store_item` in its own transaction; a race lost to another writer is retried once against the winner.

    Two processes storing the same article (or two URL forms of one publication) both see "not archived"; the
    database's unique constraints (URL key, publication key) refuse the second insert (IntegrityError), and the
    retry then finds the first process's row and compares with it, or folds the alias into it.
    """
    for attempt in (1, 2):
        try:
            with session_scope(factory) as session:
                return store_item(session, item)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def mark_withdrawn(session: Session, url: str, status: int, at: datetime) -> int | None:
    """Mark the article archived at this URL withdrawn at `at` (its last good version stays); returns its id."""
    article = find_article(session, [url])
    if article is None:
        return None
    if article.withdrawn_at is None or at < article.withdrawn_at:
        article.withdrawn_at = at
        article.withdrawn_status = status
    session.flush()
    return article.id


def start_run(session: Session, spider: str, site: str) -> CrawlRun:
    run = CrawlRun(spider=spider, site=site, started_at=utcnow(), stats={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, reason: str, stats: dict[str, Any], at: datetime | None = None) -> None:
    run = session.get(CrawlRun, run_id)
    if run is None:
        return
    run.finished_at = at or utcnow()
    run.finish_reason = reason
    run.stats = stats
