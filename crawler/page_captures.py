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
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from crawler.items import CaptureData
from crawler.middlewares import capture_of
from crawler.verdicts import Verdict, page_judged
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


class PageCaptures:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.site = ""
        #: url -> capture of a page waiting for its verdict, in arrival order
        self.held: dict[str, CaptureData] = {}

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

    def _keep(self, captures: list[CaptureData]) -> None:
        if not captures:
            return
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                captures = [cap for cap in captures if not _unchanged(session, cap)]
                for cap in captures:
                    add_capture(session, self.site, cap)
        except SQLAlchemyError as exc:  # a page capture is worth a warning, never the crawl
            logger.warning("page capture of %s not kept: %s", captures[0].url, exc)
            return
        if captures:
            self.crawler.stats.inc_value("archive/page_captures", len(captures))


def _unchanged(session: Session, cap: CaptureData) -> bool:
    """Is the latest page capture of this URL the same response (status and body)?"""
    last = session.execute(
        select(Capture.digest, Capture.status)
        .where(Capture.final_url == cap.final_url, Capture.article_id.is_(None))
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    return last is not None and tuple(last) == (hashlib.sha256(cap.body).hexdigest(), cap.status)
