"""Downloader middlewares: keep every request on the site, decode each HTML page once and right, back off before
retries; and the readers of a response they prepared (`decoded`, `capture_of`).

Order (process_response runs from high numbers to low):

* 595 `PlainCompressedMiddleware` — a compressed HTML response is handed to HttpCompressionMiddleware (590) as
  a plain `Response`. Otherwise HttpCompressionMiddleware's `response.replace(...)` reads `.encoding` of the
  still-compressed body, which runs w3lib's charset inference over gzip bytes (~0.7 ms per page with no HTTP
  charset, for nothing: the result is thrown away).
* 585 `EncodingMiddleware` — decodes the (decompressed) page with `crawler.extract.encoding.decode_html`:
  gb2312/gbk labels read as gb18030, a wrong label is caught by checking the decoded text. The response
  comes back as an HtmlResponse with that encoding and its text cached, so MetaRefreshMiddleware (580), the
  spider and extraction share one decode. The codec is recorded with the capture.
* 560 `BackoffMiddleware` — a retried request (RetryMiddleware, 550) waits RETRY_BACKOFF_BASE * 2^(n-1)
  seconds (capped by RETRY_BACKOFF_MAX) before its n-th retry, so a struggling server gets room.
* 100 `RobotsTxtMiddleware` (in place of Scrapy's) — every request that waits for a site's robots.txt is checked
  against it, not only the first (see the class).
* 50 `SiteBoundMiddleware` (in place of Scrapy's OffsiteMiddleware) — no request leaves the spider's
  `allowed_domains`, whatever made it: a link, a robots.txt `Sitemap:` line, a feed, a start URL, a refetch, the
  next page of an article, or a redirect (3xx or `<meta http-equiv=refresh>`) of any of them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import tldextract
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares import cookies
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.extract.encoding import decode_html, decode_page, header_charset
from crawler.items import CaptureData

_CHARSET = re.compile(rb"charset=([\w-]+)", re.I)
logger = logging.getLogger(__name__)

# Scrapy's CookiesMiddleware asks tldextract with its defaults: on a machine with no cache yet (a fresh CI runner,
# a new user) the first crawl fetches the public suffix list over HTTP and logs a traceback when it cannot. Use
# the list bundled with tldextract, offline, as crawler.urls does.
cookies._split_domain = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def _plain_kwargs(response: Response) -> dict[str, Any]:
    # Response.attributes has no "encoding": building from it never triggers charset inference.
    return {name: getattr(response, name) for name in Response.attributes}


class PlainCompressedMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        if response.headers.get(b"Content-Encoding") and type(response) is HtmlResponse:
            return Response(**_plain_kwargs(response))
        return response


class EncodingMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        if type(response) is not HtmlResponse or response.headers.get(b"Content-Encoding"):
            return response
        m = _CHARSET.search(response.headers.get(b"Content-Type") or b"")
        declared = m.group(1).decode("ascii", "ignore") if m else None
        got = decode_page(response.body, declared)
        new = HtmlResponse(**_plain_kwargs(response), encoding=got.encoding)
        new._cached_ubody = got.text  # the decode we just did; TextResponse.text would redo it
        request.meta["decoded"] = (response.url, got.encoding, got.status)
        return new


def headers_of(response: Response) -> dict[str, str]:
    """A response's headers as one str per name (repeated headers joined with ", ")."""
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}


def capture_of(response: Response, fetched_at: datetime, encoding: str | None) -> CaptureData:
    """What the archive keeps of a response: the bytes as received, with what is needed to decode them again."""
    headers = headers_of(response)
    requested = response.request.url if response.request else response.url
    charset = header_charset(headers)
    done = response.meta.get("decoded") if response.request else None
    status = done[2] if done and done[0] == response.url else None  # how EncodingMiddleware's decode came out
    return CaptureData(
        requested, response.url, response.status, headers, response.body, fetched_at, charset, encoding, status
    )


def decoded(response: Response) -> tuple[str | None, str | None]:
    """(text, codec) of a page, (None, None) for a non-text body: as EncodingMiddleware decoded it, or decoded here
    when it did not run (a page that reached the spider some other way)."""
    if not isinstance(response, TextResponse):
        return None, None
    done = response.meta.get("decoded")
    if done and done[0] == response.url:
        return response.text, done[1]
    return decode_html(response.body, header_charset(headers_of(response)))


class SiteBoundMiddleware(OffsiteMiddleware):
    """Scrapy's offsite check (host in the spider's `allowed_domains` or below one), for every request.

    Scrapy's own lets `dont_filter` requests through, and a redirect keeps its request's `dont_filter`, so a start
    URL, a refetch or an article's next page could be redirected to any host. Here `dont_filter` means only what
    it says (no duplicate filter); `meta["allow_offsite"]` is still honoured. The check runs when a request is
    downloaded rather than when it is scheduled, so a request with an errback (an article's next page) hears of it.
    Counted as Scrapy counts it: `offsite/filtered`, `offsite/domains`.
    """

    def request_scheduled(self, request: Request, spider: Spider) -> None:
        return None

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        current = self.crawler.spider
        assert current is not None
        if request.meta.get("allow_offsite") or self.should_follow(request, current):
            return
        domain = urlparse_cached(request).hostname
        if domain and domain not in self.domains_seen:
            self.domains_seen.add(domain)
            self.stats.inc_value("offsite/domains")
            logger.info("not leaving the site: filtered a request to %s (%s)", domain, request.url)
        self.stats.inc_value("offsite/filtered")
        raise IgnoreRequest(f"Filtered offsite request to {domain!r}")


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt check, where every request that arrives while the site's robots.txt is being fetched
    waits for it and is checked against it.

    Scrapy (2.13+) has each such request await the one pending Deferred; Twisted's Deferred.asFuture passes the
    parser to the first waiter and None to the others, and Scrapy reads None as "no robots.txt: allow all". A
    single crawl rarely has a disallowed URL among its first requests, but a fleet worker that joins a run
    starts with a batch of queued ones: /private/secret.html of the test site was fetched and stored about one
    run in three. Here each waiter gets a Deferred of its own, fired with the parser.
    """

    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred[Any] = Deferred()
        pending.addBoth(_relay, mine)
        return await maybe_deferred_to_future(mine)


def _relay(result: Any, to: Deferred[Any]) -> Any:
    """Fire `to` with the result and pass the result on unchanged, to the next waiter."""
    to.callback(result)
    return result


@dataclass(frozen=True, slots=True)
class BackoffMiddleware:
    base: float
    cap: float

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        s = crawler.settings
        return cls(s.getfloat("RETRY_BACKOFF_BASE", 1.0), s.getfloat("RETRY_BACKOFF_MAX", 30.0))

    async def process_request(self, request: Request) -> None:
        tries = request.meta.get("retry_times", 0)
        if not tries or self.base <= 0:
            return None
        delay = min(self.base * 2 ** (tries - 1), self.cap)
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor, task

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))
        return None


# -- what Scrapy drops without a counter: redirect loops and decompression bombs, counted for `newsarchive runs` --
def _counted(stats: Any, key: str, request: Request, exc: IgnoreRequest) -> IgnoreRequest:
    stats.inc_value(key)
    logger.info("dropped %s: %s", request.url, str(exc).split(" because ")[0] if key.endswith("loop") else key)
    return exc


class CountedRedirectMiddleware(RedirectMiddleware):
    """Scrapy's 3xx redirects; a chain past REDIRECT_MAX_TIMES (a loop) is counted as `redirect/loop`."""

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            raise _counted(self.crawler.stats, "redirect/loop", request, exc) from None


class CountedMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's `<meta http-equiv=refresh>` redirects, loops counted as `redirect/loop`."""

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            raise _counted(self.crawler.stats, "redirect/loop", request, exc) from None


class CountedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (DOWNLOAD_MAXSIZE applies to the unpacked body); a bomb is counted as
    `pages/bomb_ignored` (Scrapy's own warning says how big it got)."""

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("httpcompression/bomb_ignored")
            raise
