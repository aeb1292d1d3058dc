"""Writes to the archive, as plain functions taking a session."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.items import ArticleItem, CaptureData
from crawler.version import EXTRACTOR_VERSION
from storage.models import Article, ArticleLink, ArticleTag, Capture, CrawlRun, utcnow


def article_id_for(session: Session, canonical_url: str) -> int | None:
    return session.scalar(select(Article.id).where(Article.canonical_url == canonical_url))


def archived_urls(session: Session, canonical_urls: Iterable[str]) -> set[str]:
    """Which of these canonical URLs the archive already holds (one query)."""
    urls = list(set(canonical_urls))
    found: set[str] = set()
    for i in range(0, len(urls), 500):
        chunk = urls[i : i + 500]
        found.update(session.scalars(select(Article.canonical_url).where(Article.canonical_url.in_(chunk))))
    return found


def _capture_row(site: str, page_no: int, cap: CaptureData) -> Capture:
    return Capture(
        site=site,
        page_no=page_no,
        url=cap.url,
        final_url=cap.final_url,
        status=cap.status,
        headers=dict(cap.headers),
        body=cap.body,
        digest=hashlib.sha256(cap.body).hexdigest(),
        declared_charset=cap.declared_charset,
        encoding=cap.encoding,
        fetched_at=cap.fetched_at,
    )


def add_article(session: Session, item: ArticleItem) -> Article:
    """Insert an article with its links, tags and captures (flushes; the caller commits)."""
    ex = item.extracted
    article = Article(
        site=item.site,
        url=item.url,
        canonical_url=item.canonical_url,
        title=ex.title,
        subtitle=ex.subtitle,
        published=ex.published,
        source=ex.source,
        author=list(ex.author),
        editor=list(ex.editor),
        body=ex.body,
        column=ex.column,
        images=[{"src": i.src, "caption": i.caption} for i in ex.images],
        page_urls=list(item.page_urls),
        rules=dict(ex.rules),
        content_digest=item.content_digest,
        extractor_version=EXTRACTOR_VERSION,
        fetched_at=item.fetched_at,
    )
    article.links = [ArticleLink(position=i, kind=l.kind, url=l.url, text=l.text) for i, l in enumerate(ex.links)]
    article.tags = [ArticleTag(position=i, name=t) for i, t in enumerate(dict.fromkeys(ex.tags))]
    article.captures = [_capture_row(item.site, n, cap) for n, cap in enumerate(item.captures, start=1)]
    session.add(article)
    session.flush()
    return article


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
