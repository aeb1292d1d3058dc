"""Drop an article this run already saw, or one the archive already holds at the same URL.

URLs compare by scheme-less canonical key (crawler.urls.url_key: tracking parameters, index.html, default ports
and http/https folded), asked of the archive through its one lookup (storage.query.archived_articles); the
database's unique constraint on that key backs this check. Identical content at a new URL and near-duplicates
are not dropped here: the store pipeline records the URL with the archived article, or clusters the copy.
A re-fetch of an archived article (`item.extra["refetch"]`, from the crawl's refetch window) passes on, so the
store can tell unchanged from updated content.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from crawler.items import ArticleItem
from crawler.urls import url_key
from pipelines.validate import drop
from storage.db import archive_for_settings, session_scope
from storage.query import archived_urls

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DedupePipeline:
    """The archive, not an in-memory set, answers "already archived?"; the set only covers this run's items."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item  # WithdrawnItem and others go on to the store
        key = url_key(item.canonical_url or item.url)
        if key in self.seen:
            raise drop(self.crawler, "duplicate_url", item.canonical_url)
        self.seen.add(key)
        if item.extra.get("refetch"):
            return item
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                held = archived_urls(session, [item.canonical_url or item.url])
        except SQLAlchemyError as exc:  # the archive is down: the store keeps the item and its unique keys decide
            logger.warning("cannot ask the archive about %s: %s", item.url, str(getattr(exc, "orig", exc)).strip())
            return item
        if held:
            raise drop(self.crawler, "already_archived", item.canonical_url)
        return item
