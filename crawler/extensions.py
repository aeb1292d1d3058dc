"""Crawl-wide watchers: the run record (`newsarchive runs` lists them) and the guard against challenge walls."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred

from crawler.verdicts import Verdict, page_judged
from storage.db import archive_for_settings, session_scope
from storage.repository import finish_run, start_run

logger = logging.getLogger(__name__)


def run_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """The counters a run record keeps, from Scrapy's stats."""
    statuses = {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    return {
        "mode": stats.get("crawl/mode", ""),
        "pages_fetched": stats.get("response_received_count", 0),
        "pages": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("pages/") and k.count("/") == 1},
        "articles_new": stats.get("articles/new", 0),
        "articles_updated": stats.get("articles/updated", 0),
        "articles_unchanged": stats.get("articles/unchanged", 0),
        "articles_duplicate": stats.get("dropped/duplicate_url", 0) + stats.get("dropped/already_archived", 0),
        "dropped": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("dropped/")},
        "http_errors": {code: n for code, n in statuses.items() if code.isdigit() and int(code) >= 400},
        "exceptions": stats.get("downloader/exception_count", 0),
        "challenges": stats.get("pages/challenge", 0),
        "soft_404": stats.get("pages/soft_404", 0),
        "articles_refetched": stats.get("articles/refetched", 0),
        "articles_partial": stats.get("articles/partial", 0),
        "articles_withdrawn": stats.get("articles/withdrawn", 0),
        "pagination_stopped": stats.get("discovery/pagination_stopped", 0),
        "fleet_run": stats.get("fleet/run"),
        "offsite_filtered": stats.get("offsite/filtered", 0),
        "bomb_ignored": stats.get("discovery/bomb_ignored", 0),
    }


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        spider: Any = self.crawler.spider  # a NewsSpider learns its run id (and so which run came before it)
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                self.run_id = start_run(session, spider.name, getattr(spider, "site_id", "")).id
            spider.run_id = self.run_id
        except SQLAlchemyError as exc:
            logger.error("cannot record the run in the archive: %s", exc)

    def spider_closed(self, reason: str) -> None:
        if self.run_id is None:
            return
        summary = run_summary(self.crawler.stats.get_stats())
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                finish_run(session, self.run_id, reason, summary)
        except SQLAlchemyError as exc:
            logger.error("cannot record the end of run %s: %s", self.run_id, exc)


class ChallengeGuard:
    """Close the crawl after NEWSARCHIVE_MAX_CHALLENGES challenge pages in a row (0 turns the guard off).

    A wall (HTTP 412/521, a JS cookie wall) is never bypassed; a site that walls every page has blocked us, and
    asking on only gets the crawler banned. The run ends with the reason "challenged".
    """

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.in_a_row = 0
        self.closing: Deferred[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeGuard:
        limit = crawler.settings.getint("NEWSARCHIVE_MAX_CHALLENGES")
        if limit <= 0:
            raise NotConfigured("NEWSARCHIVE_MAX_CHALLENGES is 0")
        guard = cls(crawler, limit)
        crawler.signals.connect(guard.page_judged, signal=page_judged)
        return guard

    def page_judged(self, verdict: Verdict, url: str) -> None:
        if verdict.kind != "challenge":
            self.in_a_row = 0
            return
        self.in_a_row += 1
        if self.in_a_row >= self.limit and self.closing is None and self.crawler.engine is not None:
            logger.error("%d challenge pages in a row (the last %s): the site blocks us, closing", self.in_a_row, url)
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="challenged"))
            self.closing.addErrback(lambda failure: logger.error("could not close the crawl: %s", failure.value))
