"""Re-run the current extractors over stored captures; a changed result becomes a version with reason "reextract".

Relative dates (昨天, 3小时前) resolve against each capture's fetch time, never the current time: the capture's
`fetched_at` is the only "now" the extractor sees.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.extract import extract_article
from crawler.extract.encoding import decode_page
from crawler.extract.types import Extracted
from crawler.items import ArticleItem, CaptureData
from crawler.sites import SiteProfile, load_profile
from crawler.version import EXTRACTOR_VERSION
from pipelines.normalize import normalize_item, worst_decoding
from storage.clusters import rebuild_stories
from storage.db import session_scope
from storage.models import Article, ArticleVersion, Capture
from storage.repository import StoreResult, update_article


def profile_for(site: str) -> SiteProfile | None:
    """The site's profile when one exists (its selectors and time zone matter to extraction), else None.

    Only by id from the profile directory: a site id comes from stored data (a WARC's `Newsarchive-Site` header),
    and a path there must not choose which file is opened.
    """
    if not site or Path(site).name != site or site.endswith(".toml") or site.startswith("."):
        return None
    try:
        return load_profile(site)
    except (OSError, ValueError, TypeError):  # no profile for this site id, or one that does not load
        return None


def extract_capture(
    body: bytes, url: str, fetched_at: datetime, declared: str | None, profile: SiteProfile | None = None
) -> Extracted:
    """Decode a stored body (with the charset its headers declared) and extract it as of its fetch time."""
    return extract_article(decode_page(body, declared).text, url, fetched_at, profile)


def item_from_captures(
    site: str, captures: Sequence[Capture | CaptureData], profile: SiteProfile | None = None
) -> ArticleItem:
    """An article item from the stored (or imported) captures of its pages (page 1 first), merged as the spider
    merges them. Each page is decoded once: its text is extracted, its status flags the item's decoding."""
    from crawler.multipage import merge_page

    pages = [(cap, decode_page(cap.body, cap.declared_charset)) for cap in captures]
    (first, decoded), rest = pages[0], pages[1:]
    ex = extract_article(decoded.text, first.final_url, first.fetched_at, profile)
    item = ArticleItem(site, first.final_url, first.fetched_at, ex, page_urls=[first.final_url])
    for cap, page in rest:
        merge_page(item, extract_article(page.text, cap.final_url, cap.fetched_at, profile), cap.final_url)
    item.decoding = worst_decoding(page.status for _, page in pages)
    return normalize_item(item)


def version_captures(session: Session, article: Article) -> list[Capture]:
    """The captures the article's current version was extracted from (page order)."""
    ids = session.scalar(
        select(ArticleVersion.capture_ids)
        .where(ArticleVersion.article_id == article.id)
        .order_by(ArticleVersion.version.desc())
        .limit(1)
    )
    if ids:
        rows = session.scalars(select(Capture).where(Capture.id.in_(ids))).all()
        return sorted(rows, key=lambda c: (c.page_no, c.id))
    rows = session.scalars(select(Capture).where(Capture.article_id == article.id)).all()
    if not rows:
        return []
    last = max(c.fetched_at for c in rows if c.page_no == 1) if any(c.page_no == 1 for c in rows) else None
    chosen = [c for c in rows if last is None or c.fetched_at >= last]
    return sorted(chosen, key=lambda c: (c.page_no, c.id))


@dataclass
class ReextractReport:
    articles: int = 0
    changed: int = 0
    no_capture: int = 0
    fields: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in self.fields.most_common()) or "none"
        return (
            f"re-extracted {self.articles} articles with extractor {EXTRACTOR_VERSION}: {self.changed} changed "
            f"(fields: {fields}); {self.no_capture} without a stored capture"
        )


def reextract(
    factory: sessionmaker[Session],
    site: str | None = None,
    since: datetime | None = None,
    progress: Callable[[list[int]], Iterable[int]] = iter,
) -> ReextractReport:
    """Re-extract every matching article from its captures; a change becomes a version with reason "reextract".

    `progress` wraps the loop over the article ids (the CLI's progress bar).
    """
    report = ReextractReport()
    with session_scope(factory) as session:
        stmt = select(Article.id).order_by(Article.id)
        if site:
            stmt = stmt.where(Article.site == site)
        if since:
            stmt = stmt.where(Article.fetched_at >= since)
        ids = list(session.scalars(stmt))
    profiles: dict[str, SiteProfile | None] = {}
    for article_id in progress(ids):
        result: StoreResult | None = None
        with session_scope(factory) as session:
            article = session.get(Article, article_id)
            if article is None:
                continue
            captures = version_captures(session, article)
            if not captures:
                report.no_capture += 1
                continue
            if article.site not in profiles:
                profiles[article.site] = profile_for(article.site)
            item = item_from_captures(article.site, captures, profiles[article.site])
            item.partial = article.partial  # a page missing then is missing from the captures too
            result = update_article(session, article, item, reason="reextract")
            article.decoding = item.decoding  # the flag is filled in even when no field changed
            article.extractor_version = EXTRACTOR_VERSION
        if result is None:
            continue
        report.articles += 1
        if result.outcome == "updated":
            report.changed += 1
            report.fields.update(result.changed)
    if report.changed:  # a changed body or time may change the stories: computed again from the whole archive
        with session_scope(factory) as session:
            rebuild_stories(session)
    return report
