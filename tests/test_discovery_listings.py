"""Sitemaps, feeds and robots.txt through kept parsers, unpacked no further than a page may be."""

from __future__ import annotations

import gzip
import logging
import time
import tracemalloc

import pytest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler import discovery
from crawler.frontier import Frontier
from crawler.spiders.news import NewsSpider
from tests.test_frontier import FakeArchive

SITE = "http://www.qinghe.cn"
LIMIT = 10 * 1024 * 1024  # the project's DOWNLOAD_MAXSIZE


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 2 MB of gzip that unpacks to 2 GiB of zeros (32 members of 64 MiB each)."""
    return gzip.compress(b"\0" * (64 << 20), compresslevel=9) * 32


def test_sitemap_bomb_stops_at_the_size_limit_with_little_memory(bomb: bytes) -> None:
    assert len(bomb) < 3 << 20
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(discovery.TooLarge):
            discovery.parse_sitemap(bomb, max_size=LIMIT)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * LIMIT, f"peak {peak >> 20} MiB while unpacking"
    assert elapsed < 5, f"{elapsed:.1f} s"


def test_feed_bomb_is_refused_too(bomb: bytes) -> None:
    with pytest.raises(discovery.TooLarge):
        discovery.parse_feed(bomb, SITE + "/rss.xml.gz", max_size=LIMIT)


def test_gzipped_sitemap_within_the_limit_is_read() -> None:
    xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{SITE}/a/1.html</loc></url></urlset>'
    assert discovery.parse_sitemap(gzip.compress(xml.encode()), max_size=LIMIT) == ([], [SITE + "/a/1.html"])
    with pytest.raises(discovery.TooLarge):
        discovery.parse_sitemap(gzip.compress(xml.encode()), max_size=50)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"\x1f\x8b\x08\x00broken gzip",
        b"<html><body><p>a page</p></body></html>",
        b"\xff\xfe" * 50,
    ],
    ids=["empty", "text", "corrupt-gzip", "html", "binary"],
)
def test_what_is_not_a_sitemap_or_feed_lists_nothing(body: bytes) -> None:
    assert discovery.parse_sitemap(body, max_size=LIMIT) == ([], [])
    assert discovery.parse_feed(body, SITE + "/feed", max_size=LIMIT) == []


def test_feeds_in_rss_1_rss_2_and_atom_give_their_entry_links() -> None:
    rss2 = (
        "<rss version='2.0'><channel><title>青禾</title><link>/</link>"
        "<item><title>一</title><link>/2016/0303/1.html</link></item>"
        "<item><title>二</title><link> http://www.qinghe.cn/2016/0303/2.html </link></item></channel></rss>"
    )
    rss1 = (
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>"
        "<channel rdf:about='x'><title>青禾</title></channel>"
        "<item rdf:about='http://www.qinghe.cn/2016/0303/3.html'><title>三</title>"
        "<link>http://www.qinghe.cn/2016/0303/3.html</link></item></rdf:RDF>"
    )
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>青禾</title>"
        "<entry><title>四</title><link rel='enclosure' href='/media/4.mp3'/>"
        "<link rel='alternate' href='/2016/0303/4.html'/>"
        "</entry><entry><title>五</title><link href='2016/0303/5.html'/></entry></feed>"
    )
    feed = SITE + "/"
    assert discovery.parse_feed(rss2.encode(), feed, max_size=LIMIT) == [f"{SITE}/2016/0303/{n}.html" for n in (1, 2)]
    assert discovery.parse_feed(rss1.encode(), feed, max_size=LIMIT) == [f"{SITE}/2016/0303/3.html"]
    assert discovery.parse_feed(atom.encode(), feed, max_size=LIMIT) == [f"{SITE}/2016/0303/{n}.html" for n in (4, 5)]


def test_a_feed_declared_in_gbk_is_read() -> None:
    rss = "<?xml version='1.0' encoding='gbk'?><rss version='2.0'><channel><title>青禾新闻</title>"
    rss += "<item><title>柳溪乡</title><link>http://www.qinghe.cn/2016/0303/6.html</link></item></channel></rss>"
    assert discovery.parse_feed(rss.encode("gbk"), SITE + "/rss", max_size=LIMIT) == [SITE + "/2016/0303/6.html"]


def test_robots_sitemap_lines_any_case_relative_or_absolute() -> None:
    robots = b"User-agent: *\nDisallow: /private/\nSITEMAP: /sitemap_index.xml\nsitemap:http://cdn.other.cn/s.xml\n"
    assert discovery.robots_sitemaps(robots, SITE + "/robots.txt") == [
        SITE + "/sitemap_index.xml",
        "http://cdn.other.cn/s.xml",
    ]


def spider_for(settings: dict | None = None) -> NewsSpider:  # type: ignore[type-arg]
    crawler = get_crawler(NewsSpider, settings or {})
    spider = crawler._create_spider(start_url=SITE + "/")
    spider.frontier = Frontier(FakeArchive(), spider.domains, crawler.stats)
    return spider


def listing(url: str, body: bytes) -> Response:
    return Response(url, body=body, request=Request(url))


@pytest.mark.parametrize("kind", ["sitemap", "feed"])
def test_the_spider_ignores_a_bomb_counts_it_and_logs_one_line(kind: str, bomb: bytes, caplog) -> None:  # type: ignore[no-untyped-def]
    spider = spider_for({"DOWNLOAD_MAXSIZE": LIMIT})
    with caplog.at_level(logging.INFO):
        requests = list(spider.parse_listing(listing(SITE + "/sitemap.xml.gz", bomb), kind))
    assert requests == []
    assert spider.crawler.stats.get_value("discovery/bomb_ignored") == 1
    lines = [r for r in caplog.records if "sitemap.xml.gz" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.WARNING
    assert "\n" not in lines[0].getMessage()


def test_the_spider_schedules_a_sitemaps_children_and_pages() -> None:
    spider = spider_for({"DOWNLOAD_MAXSIZE": LIMIT})
    index = f"<sitemapindex><sitemap><loc>{SITE}/sitemap_1.xml</loc></sitemap></sitemapindex>".encode()
    (child,) = spider.parse_listing(listing(SITE + "/sitemap_index.xml", index), "sitemap")
    assert child.url == SITE + "/sitemap_1.xml"
    assert child.cb_kwargs == {"kind": "sitemap"}
    urlset = f"<urlset><url><loc>{SITE}/2016/0303/7.html</loc></url></urlset>".encode()
    (page,) = spider.parse_listing(listing(child.url, urlset), "sitemap")
    assert page.url == SITE + "/2016/0303/7.html"
    assert spider.crawler.stats.get_value("discovery/sitemap_scheduled") == 1
