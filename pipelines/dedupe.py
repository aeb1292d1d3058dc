"""Drop an article the archive (or this run) already holds under the same canonical URL."""

from __future__ import annotations

from crawler.items import ArticleItem
from pipelines.validate import drop
from storage.db import archive_for_settings, session_scope
from storage.repository import archived_urls


class DedupePipeline:
    """The archive, not an in-memory set, answers "already archived?"; the set only covers this run's items."""

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    def process_item(self, item):  # type: ignore[no-untyped-def]
        if not isinstance(item, ArticleItem):
            return item
        key = item.canonical_url
        if key in self.seen:
            raise drop(self.crawler, "duplicate_url", key)
        with session_scope(archive_for_settings(self.crawler.settings)) as session:
            if archived_urls(session, [key]):
                self.seen.add(key)
                raise drop(self.crawler, "already_archived", key)
        self.seen.add(key)
        return item
