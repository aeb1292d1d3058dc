"""Store an article, its links, tags and raw captures in the archive."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError, OperationalError

from crawler.items import ArticleItem
from pipelines.validate import drop
from storage.db import archive_for_settings, session_scope
from storage.repository import add_article

logger = logging.getLogger(__name__)


class StorePipeline:
    """One transaction per article, so a crash or Ctrl-C never leaves half an article behind.

    A unique-constraint clash (another process stored the same URL first) becomes a counted drop; an
    unreachable database keeps the item in memory and retries when the spider closes, saying so loudly.
    """

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler
        self.pending: list[ArticleItem] = []

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    def _save(self, item: ArticleItem) -> int:
        with session_scope(archive_for_settings(self.crawler.settings)) as session:
            return add_article(session, item).id

    def process_item(self, item):  # type: ignore[no-untyped-def]
        if not isinstance(item, ArticleItem):
            return item
        try:
            item.extra["article_id"] = self._save(item)
        except IntegrityError as exc:
            raise drop(self.crawler, "duplicate_url", item.canonical_url) from exc
        except OperationalError as exc:
            self.crawler.stats.inc_value("archive/write_errors")
            logger.error("archive unavailable, keeping %s to retry at the end: %s", item.url, exc.orig)
            self.pending.append(item)
            return item
        self.crawler.stats.inc_value("articles/new")
        return item

    def close_spider(self) -> None:
        still_failing = []
        for item in self.pending:
            try:
                self._save(item)
                self.crawler.stats.inc_value("articles/new")
            except IntegrityError:
                self.crawler.stats.inc_value("dropped/duplicate_url")
            except OperationalError:
                still_failing.append(item)
        if still_failing:
            logger.error(
                "archive still unavailable: %d articles of this run were not stored (%s …); "
                "everything stored before is intact, re-run the crawl to fetch them again",
                len(still_failing),
                still_failing[0].url,
            )
            self.crawler.stats.set_value("archive/unsaved", len(still_failing))
