"""The one generic news spider: it routes (list page → article page → next page); others decide and extract.

What to fetch is the Frontier's decision (crawler/frontier.py), what a page is the verdict's (crawler/verdicts.py),
where URLs come from discovery's (pagers, robots.txt, sitemaps, feeds); crawler/multipage.py merges an article's
pages. Arguments: `site` (profile id), `start_url`, `backfill=1`, `refetch_days=N` (NEWSARCHIVE_REFETCH_DAYS).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler import discovery, verdicts
from crawler.extract import extract_article
from crawler.frontier import Fetch, Frontier
from crawler.incremental import ArchiveState
from crawler.items import ArticleItem, WithdrawnItem
from crawler.middlewares import capture_of, decoded
from crawler.multipage import PageChain, ParkedPages
from crawler.sites import SiteProfile, load_profile
from crawler.urls import absolute_links, registered_domain
from storage.db import archive_for_settings


class NewsSpider(scrapy.Spider):
    """Crawl one site, from a profile (`-a site=ID`) or from a bare start URL (`-a start_url=URL`)."""

    name = "news"
    #: set by RunRecorder (crawler.extensions): this run's record, by which the previous run is found
    run_id: int | None = None
    #: set by the fleet scheduler (crawler.fleet) when workers share a Redis frontier
    fleet_run: Any = None

    def __init__(self, start_url: str | None = None, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # `-a backfill=1`, `-a refetch_days=N` come as kwargs (strings)
        if not (site or start_url):
            raise ValueError("give a site profile (-a site=ID) or a start URL (-a start_url=URL)")
        self.profile = load_profile(site) if site else SiteProfile(id=urlsplit(start_url or "").netloc)
        if start_url:
            self.profile = replace(self.profile, start_urls=(start_url,))
        self.site_id = self.profile.id
        self.backfill = str(kwargs.get("backfill", "")).strip().lower() in ("1", "true", "yes", "on")
        self.refetch_days = float(kwargs["refetch_days"]) if kwargs.get("refetch_days") not in (None, "") else None
        self.domains = frozenset(self.profile.domains or {registered_domain(u) for u in self.profile.start_urls})
        self.allowed_domains = sorted(self.domains)  # for every request, redirects too (middlewares.SiteBound…)
        self.article_patterns = [re.compile(p) for p in self.profile.article_patterns]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for name, value in spider.profile.rate_settings().items():  # "spider" priority: -s still overrides
            crawler.settings.set(name, value, priority="spider")
        return spider

    # -- start -------------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        s, p = self.crawler.settings, self.profile
        days = self.refetch_days if self.refetch_days is not None else s.getfloat("NEWSARCHIVE_REFETCH_DAYS")
        archive = ArchiveState(archive_for_settings(s), self.site_id, days)
        limits = s.getint("NEWSARCHIVE_MAX_HOPS", 10), s.getint("NEWSARCHIVE_MAX_LIST_PAGES", 5000)
        self.frontier = Frontier(archive, self.domains, self.crawler.stats, p.allows, *limits)
        agree = self.fleet_run.agree if self.fleet_run is not None else None
        mode = self.frontier.begin(self.backfill, self.run_id, agree, getattr(self, "state", None))  # state: JOBDIR
        self.crawler.stats.set_value("crawl/mode", mode)
        self.parked = ParkedPages.kept_in(getattr(self, "state", None))  # later pages waiting for their page 1
        self.logger.info("crawl mode %s for site %s", mode, self.site_id)
        robots = [] if p.sitemaps else [urljoin(u, "/robots.txt") for u in p.start_urls]  # p.sitemaps replace it
        meta = {"hops": 0, "handle_httpstatus_all": True, "dont_obey_robotstxt": True}  # for robots.txt
        for request in chain(
            self._claimed(p.start_urls, self.parse, dont_filter=True),
            self._listings(p.feeds, "feed", dont_filter=True),
            self._listings(p.sitemaps, "sitemap", dont_filter=True),
            self._claimed(robots, self.parse_robots, errback=self.no_robots, meta=meta, dont_filter=True, priority=10),
        ):
            yield request

    def _claimed(self, urls: Iterable[str], callback: Callable[..., Any], **kwargs: Any) -> Iterator[scrapy.Request]:
        """Requests for the URLs (start pages, robots.txt, sitemaps, feeds) this run has not scheduled yet."""
        kwargs.setdefault("meta", {"hops": 0})
        return (scrapy.Request(url, callback, **kwargs) for url in urls if self.frontier.claim(url))

    def _listings(self, urls: Iterable[str], kind: str, **kwargs: Any) -> Iterator[scrapy.Request]:
        return self._claimed(urls, self.parse_listing, cb_kwargs={"kind": kind}, **kwargs)

    def _requests(self, fetches: Iterable[Fetch]) -> Iterator[scrapy.Request]:
        for f in fetches:
            meta: dict[str, Any] = {"hops": f.hops, "list_page": f.list_page}
            if f.validators is None:
                yield scrapy.Request(f.url, self.parse, meta=meta)
            else:  # a refetch: conditional, and its 304/404/410 answer reaches parse
                meta.update(refetch=True, handle_httpstatus_list=list(verdicts.REFETCH_ANSWERS))
                yield scrapy.Request(f.url, self.parse, headers=dict(f.validators), meta=meta, dont_filter=True)

    # -- robots.txt, sitemaps and feeds ------------------------------------------------------------
    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        found = discovery.robots_sitemaps(response.body, response.url) if response.status == 200 else []
        yield from self._listings(found or [response.urljoin("/sitemap.xml")], "sitemap")

    def no_robots(self, failure: Any) -> None:
        self.logger.debug("no robots.txt: %s", failure.value)

    def parse_listing(self, response: Response, kind: str) -> Iterator[scrapy.Request]:
        """A sitemap (or sitemap index) or a feed: its child sitemaps and the pages it lists."""
        size = int(response.meta.get("download_maxsize", self.crawler.settings.getint("DOWNLOAD_MAXSIZE")))
        try:
            children, urls = discovery.parse_listing(kind, response.body, response.url, max_size=size)
        except discovery.TooLarge as exc:  # a compressed listing unpacks no larger than a page may be
            self.crawler.stats.inc_value("discovery/bomb_ignored")
            self.logger.warning("ignored %s: it %s (DOWNLOAD_MAXSIZE)", response.url, exc)
            return
        self.crawler.stats.inc_value(f"discovery/{kind}_urls", len(urls))
        yield from self._listings(children, kind)
        yield from self._requests(self.frontier.discovered(urls, kind))

    # -- pages -------------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Any]:
        """Any page: judge it (error, challenge, soft 404, article, list, other), then follow its links."""
        html, encoding = decoded(response)
        verdict = self._judge(response, html)
        self.frontier.judged(response.url, article=verdict.kind == "article")
        if verdict.kind == "withdrawn":
            yield WithdrawnItem(url=response.url, status=response.status, fetched_at=datetime.now(UTC))
        sel, hops = verdict.selector, response.meta.get("hops", 0)
        if not verdict.has_content or sel is None or html is None:
            return
        links = absolute_links(sel.xpath("//a/@href").getall(), response.url)
        if verdict.kind == "article":
            yield from self._article(response, html, encoding)
            yield from self._requests(self.frontier.follow(links, hops + 1))
            return
        yield from self._listings(discovery.feed_links(sel, response.url), "feed", meta={"hops": hops})
        if not self.frontier.too_deep(hops):
            pager = discovery.pagination(sel, response.url, html)
            yield from self._requests(self.frontier.list_page(links, pager, hops, response.meta.get("list_page", 1)))

    def _judge(self, response: Response, html: str | None) -> verdicts.Verdict:
        refetch = bool(response.meta.get("refetch"))
        verdict = verdicts.judge(response.status, html, response.url, self.article_patterns, refetch)
        for counter in verdict.counters:
            self.crawler.stats.inc_value(counter)
        if (notice := verdict.notice) is not None:
            self.logger.log(notice[0], "%s: %s", notice[1], response.url)
        self.crawler.signals.send_catch_log(verdicts.page_judged, verdict=verdict, url=response.url)
        return verdict

    # -- articles ----------------------------------------------------------------------------------
    def _article(self, response: Response, html: str, encoding: str | None) -> Iterator[Any]:
        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)  # a replay's: the capture's time
        extracted = extract_article(html, response.url, fetched_at, self.profile)
        capture = capture_of(response, fetched_at, encoding)
        pager = [link.url for link in extracted.links if link.kind == "pager"]
        first = discovery.continuation_of(response.url, pager)
        if first is not None:  # page N of a multi-page article, reached on its own: parked for page 1's chain
            self.crawler.stats.inc_value("pages/continuation")
            self.parked.park(response.url, extracted, capture)
            yield from self._requests(self.frontier.continuation(first, response.meta.get("hops", 0), pager))
            return
        item = ArticleItem(self.site_id, response.url, fetched_at, extracted, [capture], page_urls=[response.url])
        if response.meta.get("refetch"):
            item.extra["refetch"] = True
        pages = PageChain.start(item)  # None: a one-page article
        yield from [item] if pages is None else self._next_page(pages)

    def _next_page(self, pages: PageChain) -> Iterator[Any]:
        url = pages.next_url(self.parked)  # a parked page is merged on the way, without a request
        self.frontier.mark(pages.remaining if url is None else [url, *pages.remaining])
        if url is None:
            if pages.partial:
                self.crawler.stats.inc_value("articles/partial")
            yield pages.item
            return
        cb, eb = self.parse_article_page, self.article_page_failed
        yield scrapy.Request(url, callback=cb, errback=eb, cb_kwargs={"pages": pages}, dont_filter=True)

    def parse_article_page(self, response: Response, pages: PageChain) -> Iterator[Any]:
        """Merge page N of a multi-page article into the item of page 1, then fetch page N+1 or finish."""
        html, encoding = decoded(response)
        if self._judge(response, html).has_content and html is not None:
            fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
            page = extract_article(html, response.url, fetched_at, self.profile)
            pages.add(page, response.url, capture_of(response, fetched_at, encoding))
        else:
            pages.failed()
        yield from self._next_page(pages)

    def article_page_failed(self, failure: Any) -> Iterator[Any]:
        """A later page that fails still leaves the pages we have: go on with the rest, store what we got."""
        pages: PageChain = failure.request.cb_kwargs["pages"]
        pages.failed()
        yield from self._next_page(pages)
