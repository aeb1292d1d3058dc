"""Keep every response a crawl received, not only article pages: list pages, robots.txt, sitemaps, feeds, errors.

A replay (`-s REPLAY_FROM=file.warc.gz`, crawler/replay.py) can only walk the site the way the crawl did when the
WARC holds the pages the crawl walked through; `newsarchive warc export` writes every capture, so every response
is kept as a capture of no article (payloads are stored once, so an unchanged list page costs a row, not a body).

Article pages are the exception: the store pipeline keeps them with their article (storage.repository). A page
the spider is going to judge is held until its verdict (`crawler.verdicts.page_judged`) and kept unless it is an
article; anything else (robots.txt, a sitemap, a feed, a filtered error) is kept when it arrives. Pages of a
multi-page article after the first are the article's, and a refetch of an archived article is the article's
business (the store pipeline decides whether it costs a copy). A page whose body is the same as the one kept for
its URL last time is not kept again: a re-run over an unchanged site stores nothing new. Off with
`NEWSARCHIVE_KEEP_PAGES=False`.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.items import CaptureData
from crawler.middlewares import capture_of
from crawler.verdicts import Verdict, page_judged
from pipelines.writer import ArchiveWriter
from storage.db import archive_for_settings, session_scope
from storage.models import Capture
from storage.repository import add_capture

logger = logging.getLogger(__name__)

#: callbacks whose response becomes a capture of an article (kept by the store pipeline, not here)
ARTICLE_CALLBACKS = frozenset({"parse_article_page"})
#: callbacks whose response the spider judges first (`page_judged`): held until then
JUDGED_CALLBACKS = frozenset({"parse"})
#: held pages never judged (an error Scrapy filtered before the spider) are kept once this many more arrive
HOLD_LIMIT = 64
#: seconds the close waits for queued captures to be written (pages, not articles: a warning, not an error)
CLOSE_TIMEOUT = 60.0


class PageCaptures:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site = ""
        #: url -> capture of a page waiting for its verdict, in arrival order
        self.held: dict[str, CaptureData] = {}
        self.writer: ArchiveWriter[CaptureData, bool] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCaptures:
        if not crawler.settings.getbool("NEWSARCHIVE_KEEP_PAGES", True):
            raise NotConfigured("NEWSARCHIVE_KEEP_PAGES is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.judged, signal=page_judged)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.site = str(getattr(spider, "site_id", "") or spider.name)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        callback = getattr(request.callback, "__name__", None)
        if callback in ARTICLE_CALLBACKS or request.meta.get("refetch"):
            return
        fetched_at = request.meta.get("fetched_at") or datetime.now(UTC)
        capture = capture_of(response, fetched_at, None)
        if callback in JUDGED_CALLBACKS or request.callback is None:  # None: the spider's parse
            self.held[response.url] = capture
            if len(self.held) > HOLD_LIMIT:
                url = next(iter(self.held))
                self._keep([self.held.pop(url)])
            return
        self._keep([capture])

    def judged(self, verdict: Verdict, url: str) -> None:
        capture = self.held.pop(url, None)
        if capture is not None and verdict.kind != "article":
            self._keep([capture])

    def spider_closed(self, spider: Any) -> None:
        held, self.held = list(self.held.values()), {}
        self._keep(held)
        if self.writer is not None and not self.writer.close(CLOSE_TIMEOUT):
            logger.warning("page captures still being written after %.0f s were not kept", CLOSE_TIMEOUT)

    def _keep(self, captures: list[CaptureData]) -> None:
        """Hand the captures to this extension's archive writer (pipelines/writer.py): written off the reactor's
        thread, many to a transaction, as articles are; a capture that fails is a warning, never the crawl."""
        for cap in captures:
            self._writer().submit(cap).add_done_callback(self._kept)

    def _writer(self) -> ArchiveWriter[CaptureData, bool]:
        if self.writer is None:
            factory = archive_for_settings(self.crawler.settings)
            self.writer = ArchiveWriter(factory, self._store, self._store_alone, name="page-captures")
        return self.writer

    def _store(self, session: Session, cap: CaptureData) -> bool:
        if _unchanged(session, cap):
            return False
        add_capture(session, self.site, cap)
        return True

    def _store_alone(self, cap: CaptureData) -> bool:
        with session_scope(archive_for_settings(self.crawler.settings)) as session:
            return self._store(session, cap)

    def _kept(self, done: Future[bool]) -> None:
        """On the writer thread, after the capture's transaction: count it, or say why it was not kept."""
        if (exc := done.exception()) is not None:
            logger.warning("a page capture was not kept: %s", exc)
        elif done.result():
            self.crawler.stats.inc_value("archive/page_captures")


def _unchanged(session: Session, cap: CaptureData) -> bool:
    """Is the latest page capture of this URL the same response (status and body)?"""
    last = session.execute(
        select(Capture.digest, Capture.status)
        .where(Capture.final_url == cap.final_url, Capture.article_id.is_(None))
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    return last is not None and tuple(last) == (hashlib.sha256(cap.body).hexdigest(), cap.status)
