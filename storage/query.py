"""Reads from the archive, as plain functions taking a session: search, one article, export rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Article, ArticleTag, CrawlRun


@dataclass(frozen=True, slots=True)
class Filters:
    """What a researcher narrows the archive by; every field is optional."""

    text: str | None = None
    site: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tag: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered(filters: Filters) -> Select[tuple[Article]]:
    """A SELECT of articles matching the filters, newest first; values are bound parameters, never SQL."""
    stmt = select(Article)
    if filters.text:
        for word in filters.text.split():
            pattern = f"%{_escape_like(word)}%"
            stmt = stmt.where(or_(Article.title.like(pattern, escape="\\"), Article.body.like(pattern, escape="\\")))
    if filters.site:
        stmt = stmt.where(Article.site == filters.site)
    if filters.source:
        stmt = stmt.where(Article.source == filters.source)
    if filters.since:
        stmt = stmt.where(Article.published >= filters.since)
    if filters.until:
        stmt = stmt.where(Article.published < filters.until)
    if filters.tag:
        stmt = stmt.where(Article.tags.any(ArticleTag.name == filters.tag))
    return stmt.order_by(Article.published.desc().nulls_last(), Article.id.desc())


def search(session: Session, filters: Filters, limit: int = 20, offset: int = 0) -> list[Article]:
    stmt = filtered(filters).options(selectinload(Article.links), selectinload(Article.tags))
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def iter_articles(session: Session, filters: Filters, batch: int = 500) -> Iterator[Article]:
    """Every matching article, fetched in batches by id so memory stays flat on a big archive."""
    last_id = 0
    base = filtered(filters).order_by(None).order_by(Article.id)
    while True:
        stmt = base.where(Article.id > last_id).limit(batch)
        rows = list(session.scalars(stmt.options(selectinload(Article.links), selectinload(Article.tags))))
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def get_article(session: Session, url_or_id: str) -> Article | None:
    """An article by numeric id, URL or canonical URL."""
    if url_or_id.isdigit():
        return session.get(Article, int(url_or_id))
    from pipelines.normalize import canonical_url

    stmt = select(Article).where(
        or_(Article.url == url_or_id, Article.canonical_url.in_([url_or_id, canonical_url(url_or_id)]))
    )
    return session.scalars(stmt.limit(1)).first()


def recent_runs(session: Session, limit: int = 20) -> list[CrawlRun]:
    return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))


def _iso(value: datetime | None, tz: str = "Asia/Shanghai") -> str | None:
    """ISO 8601 with offset, in the archive's reading zone (China time), as researchers read it."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz)).isoformat()


def article_json(article: Article) -> dict[str, Any]:
    """The export shape of one article (also `search --json`)."""
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "site": article.site,
        "title": article.title,
        "subtitle": article.subtitle,
        "published": _iso(article.published),
        "source": article.source,
        "author": list(article.author or []),
        "editor": list(article.editor or []),
        "column": article.column,
        "body": article.body,
        "images": list(article.images or []),
        "tags": [t.name for t in article.tags],
        "links": [{"url": link.url, "text": link.text, "kind": link.kind} for link in article.links],
        "page_urls": list(article.page_urls or []),
        "fetched_at": _iso(article.fetched_at, "UTC"),
        "extractor_version": article.extractor_version,
    }
