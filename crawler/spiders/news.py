"""The one generic news spider: it routes (list page → article page → next page) and extracts nothing itself.

Discovery: start URLs, links, list pagination (crawler.discovery), robots.txt `Sitemap:` lines, sitemaps and
RSS/Atom feeds. Before a link is scheduled the archive is asked whether it already holds it (one query per
page), so a scheduled re-run fetches only new articles. In an incremental run a list's pagination is walked
only while its pages still link to something new; `-a backfill=1` walks every page. A run that follows a
killed or interrupted one walks every page too, so nothing the interrupted run missed is lost.

Spider arguments: `site` (profile id), `start_url`, `backfill=1`, `refetch_days=N` (refetch articles published
in the last N days, conditionally; default setting NEWSARCHIVE_REFETCH_DAYS).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import CloseSpider
from scrapy.http import Response, TextResponse

from crawler import discovery
from crawler.extract import extract_article
from crawler.extract.classify import page_kind
from crawler.extract.encoding import decode_html
from crawler.incremental import ArchiveState, Lookup
from crawler.items import ArticleItem, CaptureData
from crawler.sites import SiteProfile, load_profile
from crawler.urls import absolute_links, followable, registered_domain
from storage.db import archive_for_settings

_CHARSET = re.compile(r"charset=([\w-]+)", re.I)
_TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)


def header_charset(response: Response) -> str | None:
    """The charset the HTTP Content-Type declares, if any."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
    m = _CHARSET.search(ctype)
    return m.group(1).lower() if m else None


def decoded(response: TextResponse) -> tuple[str, str]:
    """(text, codec) of a page: decoded once by EncodingMiddleware, or here when it did not run."""
    done = response.meta.get("decoded")
    if done and done[0] == response.url:
        return response.text, done[1]
    return decode_html(response.body, header_charset(response))


def capture_of(response: Response, fetched_at: datetime, encoding: str | None) -> CaptureData:
    return CaptureData(
        url=response.request.url if response.request else response.url,
        final_url=response.url,
        status=response.status,
        headers={k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()},
        body=response.body,
        fetched_at=fetched_at,
        declared_charset=header_charset(response),
        encoding=encoding,
    )


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class NewsSpider(scrapy.Spider):
    """Crawl one site, from a profile (`-a site=ID`) or from a bare start URL (`-a start_url=URL`)."""

    name = "news"

    def __init__(
        self,
        start_url: str | None = None,
        site: str | None = None,
        backfill: str | bool = False,
        refetch_days: str | float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if site:
            self.profile = load_profile(site)
        elif start_url:
            self.profile = SiteProfile(id=urlsplit(start_url).netloc, start_urls=(start_url,))
        else:
            raise ValueError("give a site profile (-a site=ID) or a start URL (-a start_url=URL)")
        if start_url and site:
            self.profile = replace(self.profile, start_urls=(start_url,))
        self.site_id = self.profile.id
        self.backfill = _flag(backfill)
        self.refetch_days = float(refetch_days) if refetch_days not in (None, "") else None
        self.domains = frozenset(self.profile.domains or {registered_domain(u) for u in self.profile.start_urls})
        self.article_patterns = [re.compile(p) for p in self.profile.article_patterns]
        #: links already scheduled in this run; far cheaper than letting a dupefilter see each one
        self.scheduled: set[str] = set()
        #: links the archive said it holds (so each is asked about once per run)
        self.archived: set[str] = set()
        #: archived links in the refetch window, with their conditional-GET headers, until refetched
        self.refetch_due: dict[str, dict[str, str]] = {}
        #: archived links refetched in this run
        self.refetched: set[str] = set()
        #: links of the start pages (site navigation: on every page, so never "new on this list page")
        self.nav: set[str] = set()
        #: URLs fetched in this run that turned out not to be articles (errors, challenges, lists)
        self.not_articles: set[str] = set()
        self.mode = "full"
        self.ask_archive = True
        self.challenges_in_a_row = 0

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        # The profile's request rate applies unless the command line (-s) says otherwise.
        settings = crawler.settings
        if spider.profile.concurrency:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", spider.profile.concurrency, priority="spider")
        if spider.profile.download_delay is not None:
            settings.set("DOWNLOAD_DELAY", spider.profile.download_delay, priority="spider")
        return spider

    # -- start -------------------------------------------------------------------------------------
    def _setup(self) -> None:
        settings = self.crawler.settings
        days = self.refetch_days if self.refetch_days is not None else settings.getfloat("NEWSARCHIVE_REFETCH_DAYS")
        self.max_hops = settings.getint("NEWSARCHIVE_MAX_HOPS", 10)
        self.max_list_pages = settings.getint("NEWSARCHIVE_MAX_LIST_PAGES", 5000)
        self.max_challenges = settings.getint("NEWSARCHIVE_MAX_CHALLENGES", 20)
        self.archive_state = ArchiveState(archive_for_settings(settings), self.site_id, days)
        holds = self.archive_state.holds_site()
        self.ask_archive = holds
        if self.backfill or not holds:
            self.mode = "backfill" if self.backfill else "full"
        elif not self.archive_state.previous_run_finished(getattr(self, "run_id", None)):
            self.mode = "resume"  # the previous run was killed or stopped: walk every list page again
        else:
            self.mode = "incremental"
        self.crawler.stats.set_value("crawl/mode", self.mode)
        self.logger.info("crawl mode %s for site %s", self.mode, self.site_id)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self._setup()
        for url in self.profile.start_urls:
            self.scheduled.add(url)
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, meta={"hops": 0})
        for url in self.profile.feeds:
            self.scheduled.add(url)
            yield scrapy.Request(url, callback=self.parse_feed, dont_filter=True, meta={"hops": 0})
        if self.profile.sitemaps:
            for url in self.profile.sitemaps:
                self.scheduled.add(url)
                yield scrapy.Request(url, callback=self.parse_sitemap, dont_filter=True, meta={"hops": 0})
            return
        for origin in dict.fromkeys("{0.scheme}://{0.netloc}".format(urlsplit(u)) for u in self.profile.start_urls):
            yield scrapy.Request(
                f"{origin}/robots.txt",
                callback=self.parse_robots,
                errback=self.no_robots,
                dont_filter=True,
                meta={"hops": 0, "handle_httpstatus_all": True, "dont_obey_robotstxt": True},
                priority=10,
            )

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        sitemaps = (
            discovery.robots_sitemaps(response.text)
            if response.status == 200 and isinstance(response, TextResponse)
            else []
        )
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(response.url))
        for url in sitemaps or [f"{origin}/sitemap.xml"]:
            if url not in self.scheduled:
                self.scheduled.add(url)
                yield scrapy.Request(url, callback=self.parse_sitemap, meta={"hops": 0, "guessed": not sitemaps})

    def no_robots(self, failure: Any) -> None:
        self.logger.debug("no robots.txt: %s", failure.value)

    # -- sitemaps and feeds ------------------------------------------------------------------------
    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            return
        children, urls = discovery.parse_sitemap(response.body)
        self.crawler.stats.inc_value("discovery/sitemap_urls", len(urls))
        for url in children:
            if url not in self.scheduled:
                self.scheduled.add(url)
                yield scrapy.Request(url, callback=self.parse_sitemap, meta={"hops": 0})
        yield from self._schedule(urls, hops=1, source="sitemap")

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            return
        urls = discovery.parse_feed(response.body, response.url)
        self.crawler.stats.inc_value("discovery/feed_urls", len(urls))
        yield from self._schedule(urls, hops=1, source="feed")

    # -- pages -------------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Any]:
        """Any page: classify it (article, list, challenge, error), then follow its links."""
        stats = self.crawler.stats
        self.not_articles.add(response.url)  # removed again below when it is an article
        if response.meta.get("refetch") and response.status in (304, 404, 410):
            yield from self._refetch_answer(response)
            return
        if response.status in discovery.CHALLENGE_STATUS:
            self._challenge(response, f"http_{response.status}")
            return
        if response.status >= 400:
            stats.inc_value(f"pages/error/{response.status}")
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("pages/skipped/binary")
            return
        html, encoding = decoded(response)
        reason = discovery.challenge_reason(response.status, html)
        if reason:
            self._challenge(response, reason)
            return
        self.challenges_in_a_row = 0
        fetched_at = datetime.now(UTC)
        sel = Selector(text=html, base_url=response.url)
        hops = response.meta.get("hops", 0)
        kind = self._kind(sel, response.url)
        if kind == "article":
            title = sel.xpath("normalize-space(//title)").get() or ""
            h1 = sel.xpath("normalize-space(//h1)").get() or ""
            if discovery.is_soft_404(f"{title} {h1}", len(_TAGS.sub("", html))):
                stats.inc_value("pages/soft_404")
                self.logger.info("soft 404 (error template with status 200): %s", response.url)
                return
            stats.inc_value("pages/article")
            self.not_articles.discard(response.url)
            yield from self._article(response, html, encoding, fetched_at)
            links = absolute_links(sel.xpath("//a/@href").getall(), response.url)
            yield from self._follow(links, hops + 1)
            return
        stats.inc_value("pages/list" if kind == "list" else "pages/other")
        if kind != "list" and discovery.is_soft_404(sel.xpath("normalize-space(//title)").get() or "", 0):
            stats.inc_value("pages/soft_404")
            return
        for feed in discovery.feed_links(sel, response.url):
            if feed not in self.scheduled:
                self.scheduled.add(feed)
                yield scrapy.Request(feed, callback=self.parse_feed, meta={"hops": hops})
        links = absolute_links(sel.xpath("//a/@href").getall(), response.url)
        if hops >= self.max_hops:
            stats.inc_value("pages/max_hops")
            return
        pager = discovery.pagination(sel, response.url, html)
        if self.mode != "incremental":
            links += [u for u in pager.pages if u not in set(links)]  # a JS pager has no <a> links
            yield from self._follow(links, hops + 1, pager=set(pager.pages), pager_hops=hops)
            return
        # Incremental: the pager is walked one page at a time, and only while pages still link to new articles.
        pager_urls = set(pager.pages)
        others = [u for u in links if u not in pager_urls]
        lookup = self._ask(others)
        if hops == 0:
            self.nav.update(others)
        fresh = any(
            discovery.looks_like_article(u)
            and u not in self.archived
            and u not in lookup.archived
            and u not in self.nav
            and u not in self.not_articles
            for u in others
        )
        yield from self._follow(others, hops + 1, lookup=lookup)
        page_no = response.meta.get("list_page", 1)
        if pager.next and fresh and page_no < self.max_list_pages:
            if pager.next not in self.scheduled:
                self.scheduled.add(pager.next)
                yield scrapy.Request(pager.next, callback=self.parse, meta={"hops": hops, "list_page": page_no + 1})
        elif pager.next and not fresh:
            stats.inc_value("discovery/pagination_stopped")

    def _kind(self, sel: Selector, url: str) -> str:
        if self.article_patterns:
            return "article" if any(p.search(url) for p in self.article_patterns) else "list"
        return page_kind(sel, url)

    def _challenge(self, response: Response, reason: str) -> None:
        stats = self.crawler.stats
        stats.inc_value("pages/challenge")
        stats.inc_value(f"pages/challenge/{reason}")
        self.logger.warning("challenge page (%s), not bypassed, not stored: %s", reason, response.url)
        self.challenges_in_a_row += 1
        if self.max_challenges and self.challenges_in_a_row >= self.max_challenges:
            raise CloseSpider("challenged")

    # -- scheduling --------------------------------------------------------------------------------
    def _ask(self, urls: Iterable[str]) -> Lookup:
        """The archive's answer for those of these links this run has not asked about yet."""
        if not self.ask_archive:
            return Lookup()
        todo = [u for u in urls if u not in self.scheduled and u not in self.archived]
        if not todo:
            return Lookup()
        todo = [u for u in todo if followable(u, self.domains)]
        lookup = self.archive_state.lookup(todo)
        self.archived |= lookup.archived
        self.refetch_due.update((u, v) for u, v in lookup.refetch.items() if u not in self.refetched)
        return lookup

    def _follow(
        self,
        links: list[str],
        hops: int,
        lookup: Lookup | None = None,
        pager: set[str] | None = None,
        pager_hops: int = 0,
    ) -> Iterator[scrapy.Request]:
        """Schedule the links not yet scheduled or archived, and refetch the archived ones due for a refetch.

        `lookup` is the archive's answer for these links when the caller already asked (`_ask` records it in
        `self.archived` and `self.refetch_due`); otherwise the archive is asked here.
        """
        if hops > self.max_hops:
            return
        links = [u for u in links if u not in self.scheduled and followable(u, self.domains) and self.profile.allows(u)]
        if not links:
            return
        if lookup is None:
            self._ask(links)
        for url in links:
            if url in self.archived:
                validators = self.refetch_due.pop(url, None)
                if validators is not None and url not in self.refetched:
                    self.refetched.add(url)
                    yield self._refetch_request(url, validators, hops)
                continue
            self.scheduled.add(url)
            if pager and url in pager:  # a list's next pages stay at the list's depth
                yield scrapy.Request(url, callback=self.parse, meta={"hops": pager_hops})
            else:
                yield scrapy.Request(url, callback=self.parse, meta={"hops": hops})

    def _schedule(self, urls: list[str], hops: int, source: str) -> Iterator[scrapy.Request]:
        before = len(self.scheduled)
        yield from self._follow(list(dict.fromkeys(urls)), hops)
        self.crawler.stats.inc_value(f"discovery/{source}_scheduled", len(self.scheduled) - before)

    def _refetch_request(self, url: str, validators: dict[str, str], hops: int) -> scrapy.Request:
        self.crawler.stats.inc_value("articles/refetched")
        return scrapy.Request(
            url,
            callback=self.parse,
            headers=validators,
            meta={"hops": hops, "refetch": True, "handle_httpstatus_list": [304, 404, 410]},
            dont_filter=True,
        )

    def _refetch_answer(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("articles/unchanged")
            self.crawler.stats.inc_value("articles/not_modified")
            return
        from crawler import items

        withdrawn = getattr(items, "WithdrawnItem", None)
        self.crawler.stats.inc_value("articles/withdrawn_seen")
        if withdrawn is not None:
            yield withdrawn(url=response.url, status=response.status, fetched_at=datetime.now(UTC))

    # -- articles ----------------------------------------------------------------------------------
    def _article(self, response: Response, html: str, encoding: str, fetched_at: datetime) -> Iterator[Any]:
        extracted = extract_article(html, response.url, fetched_at, self.profile)
        pager_urls = [link.url for link in extracted.links if link.kind == "pager"]
        first = discovery.continuation_of(response.url, pager_urls)
        if first is not None:  # page N of a multi-page article, reached on its own: page 1 collects it
            self.crawler.stats.inc_value("pages/continuation")
            if first not in self.scheduled and first not in self.archived and not self._ask([first]).archived:
                self.scheduled.add(first)
                yield scrapy.Request(first, callback=self.parse, meta={"hops": response.meta.get("hops", 0)})
            return
        item = ArticleItem(
            site=self.site_id,
            url=response.url,
            fetched_at=fetched_at,
            extracted=extracted,
            captures=[capture_of(response, fetched_at, encoding)],
            page_urls=[response.url],
        )
        if response.meta.get("refetch"):
            item.extra["refetch"] = True
        pages = [u for u in extracted.next_pages if u != response.url]
        if not pages:
            yield item
            return
        self.scheduled.update(pages)
        yield self._next_page(item, pages)

    def _next_page(self, item: ArticleItem, remaining: list[str]) -> scrapy.Request:
        return scrapy.Request(
            remaining[0],
            callback=self.parse_article_page,
            errback=self.article_page_failed,
            cb_kwargs={"item": item, "remaining": remaining[1:]},
            dont_filter=True,
        )

    def parse_article_page(self, response: Response, item: ArticleItem, remaining: list[str]) -> Iterator[Any]:
        """Merge page N of a multi-page article into the item of page 1, then fetch page N+1 or finish."""
        if isinstance(response, TextResponse) and response.status < 400:
            fetched_at = datetime.now(UTC)
            html, encoding = decoded(response)
            page = extract_article(html, response.url, fetched_at, self.profile)
            if page.body:
                item.extracted.body = f"{item.extracted.body}\n{page.body}"
            item.extracted.images.extend(page.images)
            item.captures.append(capture_of(response, fetched_at, encoding))
            item.page_urls.append(response.url)
            known = set(item.page_urls) | set(remaining)
            remaining = remaining + [u for u in page.next_pages if u not in known]
        else:
            self.crawler.stats.inc_value("articles/partial")
        if remaining:
            yield self._next_page(item, remaining)
        else:
            yield item

    def article_page_failed(self, failure: Any) -> Iterator[Any]:
        """A later page that fails still leaves the pages we have: go on with the rest, store what we got."""
        self.crawler.stats.inc_value("articles/partial")
        kwargs = failure.request.cb_kwargs
        if kwargs["remaining"]:
            yield self._next_page(kwargs["item"], kwargs["remaining"])
        else:
            yield kwargs["item"]
