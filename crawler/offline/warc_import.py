"""Load a WARC file into the archive: keep every response as a capture, and archive the article of each article page.

No network: the captures' own bytes and fetch times are all the extractor sees (relative dates resolve against
the WARC-Date). A capture that is not an article page (an error, a list page, a page that fails validation) is still
kept, so a later re-extraction can look at it again.

The pages of a multi-page article (marked `Newsarchive-Article`/`Newsarchive-Page` by our export) are put together
again into one article, as the crawl merged them. Importing is idempotent: a capture the archive already holds (same
final URL, fetch time and body) is skipped, so importing a file twice adds nothing.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from parsel import Selector
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.extract import extract_article, page_kind
from crawler.extract.encoding import decode_page, header_charset
from crawler.items import ArticleItem, CaptureData
from crawler.offline.reextract import item_from_captures, profile_for
from crawler.sites import SiteProfile
from pipelines.normalize import normalize_item
from pipelines.validate import rejection
from storage.clusters import rebuild_stories
from storage.db import session_scope
from storage.models import Capture
from storage.repository import StoreResult, add_capture, store_item
from storage.warc import WarcCapture, read_captures


@dataclass
class ImportReport:
    """Captures read, and what each became: a store outcome (new, updated, unchanged, same_content) or not_articles."""

    captures: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def count(self, result: StoreResult | str | None, captures: int = 1) -> None:
        self.captures += captures
        outcome = result if isinstance(result, str) else result.outcome if result is not None else "not_articles"
        self.outcomes[outcome] += 1

    def summary(self) -> str:
        n = self.outcomes
        return (
            f"imported {self.captures} captures: {n['new']} new articles, {n['updated']} updated, "
            f"{n['unchanged']} unchanged, {n['same_content']} another URL of an archived article, "
            f"{n['not_articles']} not article pages, {n['already']} already in the archive"
        )


def ingest_capture(
    session: Session, site: str, cap: CaptureData, profile: SiteProfile | None = None
) -> StoreResult | None:
    """Store a capture and, when it is an article page, extract and archive its article (no network).

    Returns the store result, or None when the capture is not an archivable article (it is still kept).
    """
    html = _decoded(cap)
    if cap.status < 400 and page_kind(Selector(text=html, base_url=cap.final_url), cap.final_url) == "article":
        ex = extract_article(html, cap.final_url, cap.fetched_at, profile)
        item = ArticleItem(site=site, url=cap.final_url, fetched_at=cap.fetched_at, extracted=ex, captures=[cap])
        if not rejection(item):
            return store_item(session, normalize_item(item))
    add_capture(session, site, cap)
    session.flush()
    return None


def _decoded(cap: CaptureData) -> str:
    """Decode an imported capture as the crawl did, recording the charset it used and how cleanly it decoded."""
    cap.declared_charset = cap.declared_charset or header_charset(cap.headers)
    got = decode_page(cap.body, cap.declared_charset)
    cap.encoding, cap.decoding = got.encoding, got.status
    return got.text


def already_held(session: Session, cap: CaptureData) -> bool:
    """Does the archive hold this capture already (same final URL, fetch time and body)?"""
    digest = hashlib.sha256(cap.body).hexdigest()
    found = session.scalar(
        select(Capture.id)
        .where(Capture.final_url == cap.final_url, Capture.fetched_at == cap.fetched_at, Capture.digest == digest)
        .limit(1)
    )
    return found is not None


def ingest_pages(
    session: Session, site: str, caps: list[CaptureData], profile: SiteProfile | None = None
) -> StoreResult | None:
    """The pages of one multi-page article (page order), merged into one article as the crawl merged them."""
    for cap in caps:
        _decoded(cap)
    item = item_from_captures(site, caps, profile)
    item.captures = caps
    if rejection(item):
        for cap in caps:
            add_capture(session, site, cap)
        session.flush()
        return None
    return store_item(session, item)


def _groups(captures: Iterable[WarcCapture]) -> Iterator[list[WarcCapture]]:
    """The file's captures one at a time, except that the pages of one fetch of an article come together."""
    pending: dict[str, list[WarcCapture]] = {}
    for wc in captures:
        if wc.article is None:
            yield [wc]
            continue
        if wc.page_no == 1 and wc.article in pending:
            yield pending.pop(wc.article)
        pending.setdefault(wc.article, []).append(wc)
    yield from pending.values()


def import_warc(
    factory: sessionmaker[Session],
    path: Path,
    site: str | None = None,
    progress: Callable[[Iterable[WarcCapture]], Iterable[WarcCapture]] = iter,
) -> ImportReport:
    """Load a WARC's captures into the archive and extract their articles (one transaction per article); `progress`
    wraps the loop over the captures (the CLI's progress bar)."""
    report = ImportReport()
    profiles: dict[str, SiteProfile | None] = {}
    for group in _groups(progress(read_captures(path))):
        first = group[0]
        site_id = site or first.site or (urlsplit(first.capture.final_url).hostname or "unknown")
        if site_id not in profiles:
            profiles[site_id] = profile_for(site_id)
        caps = [wc.capture for wc in sorted(group, key=lambda wc: wc.page_no)]
        with session_scope(factory) as session:
            if any(already_held(session, cap) for cap in caps):
                report.count("already", len(caps))
                continue
            if len(caps) > 1:
                result = ingest_pages(session, site_id, caps, profiles[site_id])
            else:
                result = ingest_capture(session, site_id, caps[0], profiles[site_id])
        report.count(result, len(caps))
    if report.outcomes["new"] or report.outcomes["updated"]:
        with session_scope(factory) as session:
            rebuild_stories(session)
    return report
