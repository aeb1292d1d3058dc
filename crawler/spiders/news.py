"""The one generic news spider: it routes (list page → article page → next page) and extracts nothing itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.extract import extract_article
from crawler.extract.classify import page_kind
from crawler.extract.encoding import decode_html
from crawler.items import ArticleItem, CaptureData
from crawler.sites import SiteProfile, load_profile
from crawler.urls import absolute_links, followable, registered_domain

_CHARSET = re.compile(r"charset=([\w-]+)", re.I)


def header_charset(response: Response) -> str | None:
    """The charset the HTTP Content-Type declares, if any."""
    ctype = response.headers.get(b"Content-Type", b"").decode("latin-1")
    m = _CHARSET.search(ctype)
    return m.group(1).lower() if m else None


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


class NewsSpider(scrapy.Spider):
    """Crawl one site, from a profile (`-a site=ID`) or from a bare start URL (`-a start_url=URL`)."""

    name = "news"

    def __init__(self, start_url: str | None = None, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if site:
            self.profile = load_profile(site)
        elif start_url:
            self.profile = SiteProfile(id=urlsplit(start_url).netloc, start_urls=(start_url,))
        else:
            raise ValueError("give a site profile (-a site=ID) or a start URL (-a start_url=URL)")
        if start_url and site:
            self.profile = _with_start(self.profile, start_url)
        self.site_id = self.profile.id
        if self.profile.download_delay is not None:
            self.download_delay = self.profile.download_delay  # Scrapy's per-spider delay attribute
        self.domains = frozenset(self.profile.domains or {registered_domain(u) for u in self.profile.start_urls})
        self.article_patterns = [re.compile(p) for p in self.profile.article_patterns]
        #: links already scheduled in this run; far cheaper than letting the dupefilter see each one
        self.scheduled: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.profile.start_urls:
            self.scheduled.add(url)
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    # -- routing -----------------------------------------------------------------------------------
    def parse(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse) or response.status >= 400:
            self.crawler.stats.inc_value(f"pages/skipped/{'binary' if response.status < 400 else response.status}")
            return
        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
        html, encoding = decode_html(response.body, header_charset(response))
        sel = Selector(text=html, base_url=response.url)
        if self._is_article(sel, response.url):
            yield from self._article(response, html, encoding, fetched_at)
        yield from self._follow(sel, response.url)

    def _is_article(self, sel: Selector, url: str) -> bool:
        if self.article_patterns:
            return any(p.search(url) for p in self.article_patterns)
        return page_kind(sel, url) == "article"

    def _follow(self, sel: Selector, base_url: str) -> Iterator[scrapy.Request]:
        for url in absolute_links(sel.xpath("//a/@href").getall(), base_url):
            if url in self.scheduled or not followable(url, self.domains) or not self.profile.allows(url):
                continue
            self.scheduled.add(url)
            yield scrapy.Request(url, callback=self.parse)

    # -- articles ----------------------------------------------------------------------------------
    def _article(self, response: Response, html: str, encoding: str, fetched_at: datetime) -> Iterator[Any]:
        extracted = extract_article(html, response.url, fetched_at, self.profile)
        item = ArticleItem(
            site=self.site_id,
            url=response.url,
            fetched_at=fetched_at,
            extracted=extracted,
            captures=[capture_of(response, fetched_at, encoding)],
            page_urls=[response.url],
        )
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
            fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
            html, encoding = decode_html(response.body, header_charset(response))
            page = extract_article(html, response.url, fetched_at, self.profile)
            if page.body:
                item.extracted.body = f"{item.extracted.body}\n{page.body}"
            item.extracted.images.extend(page.images)
            item.captures.append(capture_of(response, fetched_at, encoding))
            item.page_urls.append(response.url)
            known = set(item.page_urls) | set(remaining)
            remaining = remaining + [u for u in page.next_pages if u not in known]
        if remaining:
            yield self._next_page(item, remaining)
        else:
            yield item

    def article_page_failed(self, failure: Any) -> Iterator[ArticleItem]:
        """A later page that fails still leaves the pages we have: store them rather than lose page 1."""
        self.crawler.stats.inc_value("articles/partial")
        yield failure.request.cb_kwargs["item"]


def _with_start(profile: SiteProfile, start_url: str) -> SiteProfile:
    from dataclasses import replace

    return replace(profile, start_urls=(start_url,))
