"""Load a WARC file into the archive: keep every response as a capture, and archive the article of each article page.

No network: the captures' own bytes and fetch times are all the extractor sees (relative dates resolve against
the WARC-Date). A capture that is not an article page (an error, a list page, a page that fails validation) is still
kept, so a later re-extraction can look at it again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from parsel import Selector
from sqlalchemy.orm import Session, sessionmaker

from crawler.extract import extract_article, page_kind
from crawler.extract.encoding import decode_page, header_charset
from crawler.items import ArticleItem, CaptureData
from crawler.offline.reextract import profile_for
from crawler.sites import SiteProfile
from pipelines.normalize import normalize_item
from pipelines.validate import rejection
from storage.clusters import StoryIndex
from storage.db import session_scope
from storage.repository import StoreResult, add_capture, store_item
from storage.warc import WarcCapture, read_captures


@dataclass
class ImportReport:
    """Captures read, and what each became: a store outcome (new, updated, unchanged, same_content) or not_articles."""

    captures: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def count(self, result: StoreResult | None) -> None:
        self.captures += 1
        self.outcomes[result.outcome if result is not None else "not_articles"] += 1

    def summary(self) -> str:
        n = self.outcomes
        return (
            f"imported {self.captures} captures: {n['new']} new articles, {n['updated']} updated, "
            f"{n['unchanged']} unchanged, {n['same_content']} identical to an archived article, "
            f"{n['not_articles']} not article pages"
        )


def ingest_capture(
    session: Session, site: str, cap: CaptureData, stories: StoryIndex | None = None, profile: SiteProfile | None = None
) -> StoreResult | None:
    """Store a capture and, when it is an article page, extract and archive its article (no network).

    Returns the store result, or None when the capture is not an archivable article (it is still kept).
    """
    declared = cap.declared_charset or header_charset(cap.headers)
    got = decode_page(cap.body, declared)
    html = got.text
    cap.declared_charset, cap.encoding, cap.decoding = declared, got.encoding, got.status
    if cap.status < 400 and page_kind(Selector(text=html, base_url=cap.final_url), cap.final_url) == "article":
        ex = extract_article(html, cap.final_url, cap.fetched_at, profile)
        item = ArticleItem(site=site, url=cap.final_url, fetched_at=cap.fetched_at, extracted=ex, captures=[cap])
        if not rejection(item):
            return store_item(session, normalize_item(item), stories)
    add_capture(session, site, cap)
    session.flush()
    return None


def import_warc(
    factory: sessionmaker[Session],
    path: Path,
    site: str | None = None,
    progress: Callable[[Iterable[WarcCapture]], Iterable[WarcCapture]] = iter,
) -> ImportReport:
    """Load a WARC's captures into the archive and extract their articles (one transaction per capture); `progress`
    wraps the loop over the captures (the CLI's progress bar)."""
    report = ImportReport()
    with session_scope(factory) as session:
        stories = StoryIndex().load(session)
    profiles: dict[str, SiteProfile | None] = {}
    for wc in progress(read_captures(path)):
        site_id = site or wc.site or (urlsplit(wc.capture.final_url).hostname or "unknown")
        if site_id not in profiles:
            profiles[site_id] = profile_for(site_id)
        try:
            with session_scope(factory) as session:
                result = ingest_capture(session, site_id, wc.capture, stories, profiles[site_id])
        except BaseException:
            stories.rollback()
            raise
        stories.commit()
        report.count(result)
    return report
