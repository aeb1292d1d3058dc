"""Store an article, its URLs, captures and version in the archive; mark withdrawn articles; stories at close."""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from twisted.internet.defer import Deferred

from crawler.items import ArticleItem, WithdrawnItem
from pipelines.validate import drop
from pipelines.writer import MAX_BATCH, ArchiveWriter
from storage.clusters import rebuild_stories, stories_stale
from storage.db import archive_for_settings, session_scope
from storage.repository import StoreResult, mark_withdrawn, save_item, store_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: stats counter per store outcome
OUTCOME_STAT = {
    "new": "articles/new",
    "same_content": "articles/duplicate_content",
    "unchanged": "articles/unchanged",
    "updated": "articles/updated",
}
#: a store that waits this long (a SQLite lock held by another writer) is logged: downloading waited with it
STALL_SECONDS = 2.0
#: seconds `close_spider` waits for the writer to store what is queued before it gives up saying so
CLOSE_TIMEOUT = 120.0

Stored = StoreResult | int | None  # an article's store result; a withdrawn page's article id (None: unknown URL)


class StorePipeline:
    """Each article is stored in one transaction (a batch of articles shares one), so a crash or Ctrl-C never leaves
    half an article behind, and an item counts as stored (the item chain goes on, a fleet lease is acknowledged)
    only once its transaction committed.

    With `NEWSARCHIVE_STORE_THREAD` (on in crawler/settings.py) the writing happens on a writer thread
    (pipelines/writer.py: bounded queue, batched transactions) while the reactor goes on downloading; without it
    (a bare Settings, as in unit tests) `process_item` stores synchronously and returns the item.

    A unique-constraint clash (another process stored the same URL first) is retried once against the winner, so a
    race ends as "unchanged" or "updated", not as a crash; an unreachable database keeps the item in memory and
    retries when the spider closes, saying so loudly. When the spider closes, the archive's stories are rebuilt
    from what it holds (storage.clusters), so every worker of a fleet leaves the same stories behind.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: list[ArticleItem] = []
        self.stored = 0
        self.writer: ArchiveWriter[ArticleItem | WithdrawnItem, Stored] | None = None
        if crawler.settings.getbool("NEWSARCHIVE_STORE_THREAD"):
            self.writer = ArchiveWriter(
                self._archive(),
                self._store,
                self._store_alone,
                on_slow=self._stalled,
                slow_seconds=STALL_SECONDS,
                max_batch=crawler.settings.getint("NEWSARCHIVE_STORE_BATCH", MAX_BATCH),
            )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def _archive(self) -> sessionmaker[Session]:
        return archive_for_settings(self.crawler.settings)

    # -- writing (on the writer thread when there is one) ------------------------------------------------------
    def _store(self, session: Session, item: ArticleItem | WithdrawnItem) -> Stored:
        """Store one item in a batch's transaction (the writer commits, or replays the batch item by item)."""
        if isinstance(item, WithdrawnItem):
            return mark_withdrawn(session, item.url, item.status, item.fetched_at)
        return store_item(session, item)

    def _store_alone(self, item: ArticleItem | WithdrawnItem) -> Stored:
        """One item in its own transaction, a lost race retried once (storage.repository.save_item): the path of
        an item whose batch failed (a lost race folds into the winner's row there)."""
        started = time.monotonic()
        try:
            if isinstance(item, WithdrawnItem):
                with session_scope(self._archive()) as session:
                    return mark_withdrawn(session, item.url, item.status, item.fetched_at)
            return save_item(self._archive(), item)
        finally:
            self._stalled(time.monotonic() - started, 1)

    def _stalled(self, seconds: float, items: int) -> None:
        """A write that waited for the archive (called from the writer thread too: stats and logging are safe)."""
        if seconds >= STALL_SECONDS:
            stats = self.crawler.stats
            stats.set_value("archive/stalled_seconds", stats.get_value("archive/stalled_seconds", 0.0) + seconds)
            logger.warning("storing %d article(s) waited %.1f s for the archive (locked by another writer?)",
                           items, seconds)

    # -- the item chain (reactor thread) -----------------------------------------------------------------------
    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem | WithdrawnItem):
            return item
        if self.writer is None:
            done: Future[Stored] = Future()
            try:
                done.set_result(self._store_alone(item))
            except Exception as exc:
                done.set_exception(exc)
            return self._settle(item, done)
        return self._after_commit(item, self.writer.submit(item))

    async def _after_commit(self, item: ArticleItem | WithdrawnItem, future: Future[Stored]) -> Any:
        """Wait, without blocking the reactor, for the writer to commit the item; then settle it on this thread."""
        from twisted.internet import reactor

        committed: Deferred[Future[Stored]] = Deferred()
        future.add_done_callback(lambda f: reactor.callFromThread(committed.callback, f))
        return self._settle(item, await maybe_deferred_to_future(committed))

    def _settle(self, item: ArticleItem | WithdrawnItem, done: Future[Stored]) -> Any:
        """Count the outcome of a stored item, drop a duplicate, keep an item the archive could not take."""
        stats = self.crawler.stats
        try:
            result = done.result()
        except IntegrityError as exc:
            if isinstance(item, WithdrawnItem):
                raise
            raise drop(self.crawler, "duplicate_url", item.canonical_url) from exc
        except OperationalError as exc:
            stats.inc_value("archive/write_errors")
            if isinstance(item, WithdrawnItem):
                logger.error("archive unavailable, withdrawal of %s not recorded: %s", item.url, exc.orig)
                return item
            logger.error("archive unavailable, keeping %s to retry at the end: %s", item.url, exc.orig)
            item.extra["archive_pending"] = True  # not stored yet: a fleet lease of its request stays unacknowledged
            self.pending.append(item)
            return item
        if isinstance(item, WithdrawnItem):
            stats.inc_value("articles/withdrawn" if result else "articles/withdrawn_unknown")
            return item
        assert isinstance(result, StoreResult)
        self._count(item, result)
        return item

    def _count(self, item: ArticleItem, result: StoreResult) -> None:
        self.stored += 1
        item.extra["article_id"] = result.article_id
        item.extra["store"] = result.outcome
        if result.changed:
            item.extra["changed"] = result.changed
        self.crawler.stats.inc_value(OUTCOME_STAT[result.outcome])

    def close_spider(self) -> None:
        if self.writer is not None and not self.writer.close(CLOSE_TIMEOUT):
            logger.error("the archive writer did not finish within %.0f s; what it had not committed is not stored "
                         "and will be fetched again by the next run", CLOSE_TIMEOUT)
        still_failing = []
        for item in self.pending:
            try:
                result = self._store_alone(item)
            except IntegrityError:
                self.crawler.stats.inc_value("dropped/duplicate_url")
            except OperationalError:
                still_failing.append(item)
            else:
                assert isinstance(result, StoreResult)
                self._count(item, result)
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
        """Stories from the whole archive, once it holds articles the last rebuild did not see: this run's, or a
        killed worker's that it never rebuilt (a failure keeps the stories as they were)."""
        try:
            with session_scope(self._archive()) as session:
                if not self.stored and not stories_stale(session):
                    return
                report = rebuild_stories(session)
        except OperationalError as exc:
            logger.error("stories not rebuilt (run `newsarchive stories rebuild` later): %s", exc.orig)
            return
        self.crawler.stats.set_value("archive/stories", report.stories)
