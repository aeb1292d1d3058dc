"""Store an article, its URLs, captures, version and story cluster in the archive; mark withdrawn articles."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ArticleItem, WithdrawnItem
from pipelines.validate import drop
from storage.clusters import rebuild_stories
from storage.db import archive_for_settings, session_scope
from storage.repository import StoreResult, mark_withdrawn, save_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: a store that waits this long (a SQLite lock held by another writer) is logged: downloading waited with it
STALL_SECONDS = 2.0

#: stats counter per store outcome
OUTCOME_STAT = {
    "new": "articles/new",
    "same_content": "articles/duplicate_content",
    "unchanged": "articles/unchanged",
    "updated": "articles/updated",
}


class StorePipeline:
    """One transaction per article, so a crash or Ctrl-C never leaves half an article behind.

    A unique-constraint clash (another process stored the same URL first) is retried once against the winner, so a
    race ends as "unchanged" or "updated", not as a crash; an unreachable database keeps the item in memory and
    retries when the spider closes, saying so loudly. When the spider closes, the archive's stories are rebuilt
    from what it holds (storage.clusters), so every worker of a fleet leaves the same stories behind.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: list[ArticleItem] = []
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def _archive(self) -> sessionmaker[Session]:
        return archive_for_settings(self.crawler.settings)

    def _save(self, item: ArticleItem) -> StoreResult:
        result = save_item(self._archive(), item)
        self.stored += 1
        return result

    def _count(self, item: ArticleItem, result: StoreResult) -> None:
        item.extra["article_id"] = result.article_id
        item.extra["store"] = result.outcome
        if result.changed:
            item.extra["changed"] = result.changed
        self.crawler.stats.inc_value(OUTCOME_STAT[result.outcome])

    def _withdrawn(self, item: WithdrawnItem) -> WithdrawnItem:
        try:
            with session_scope(self._archive()) as session:
                article_id = mark_withdrawn(session, item.url, item.status, item.fetched_at)
        except OperationalError as exc:  # the next refetch of the page marks it again
            self.crawler.stats.inc_value("archive/write_errors")
            logger.error("archive unavailable, %s not marked withdrawn: %s", item.url, exc.orig)
            return item
        self.crawler.stats.inc_value("articles/withdrawn" if article_id else "articles/withdrawn_unknown")
        return item

    def process_item(self, item: Any) -> Any:
        if isinstance(item, WithdrawnItem):
            return self._withdrawn(item)
        if not isinstance(item, ArticleItem):
            return item
        started = time.monotonic()
        try:
            result = self._save(item)
        except IntegrityError as exc:
            raise drop(self.crawler, "duplicate_url", item.canonical_url) from exc
        except OperationalError as exc:
            self.crawler.stats.inc_value("archive/write_errors")
            logger.error("archive unavailable, keeping %s to retry at the end: %s", item.url, exc.orig)
            item.extra["archive_pending"] = True  # not stored yet: a fleet lease of its request stays unacknowledged
            self.pending.append(item)
            return item
        finally:
            self._stalled(time.monotonic() - started, item.url)
        self._count(item, result)
        return item

    def _stalled(self, seconds: float, url: str) -> None:
        if seconds >= STALL_SECONDS:
            stats = self.crawler.stats
            stats.set_value("archive/stalled_seconds", stats.get_value("archive/stalled_seconds", 0.0) + seconds)
            logger.warning("storing %s waited %.1f s for the archive (locked by another writer?)", url, seconds)

    def close_spider(self) -> None:
        still_failing = []
        for item in self.pending:
            try:
                self._count(item, self._save(item))
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
        self._rebuild_stories()

    def _rebuild_stories(self) -> None:
        """Stories from the whole archive, once this run stored anything (a failure keeps the stories as they were)."""
        if not self.stored:
            return
        try:
            with session_scope(self._archive()) as session:
                report = rebuild_stories(session)
        except OperationalError as exc:
            logger.error("stories not rebuilt (run `newsarchive stories rebuild` later): %s", exc.orig)
            return
        self.crawler.stats.set_value("archive/stories", report.stories)
