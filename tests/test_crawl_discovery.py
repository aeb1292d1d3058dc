"""Discovery and page verdicts, without a crawl: pagination forms, sitemaps, feeds, challenges, encodings."""

from __future__ import annotations

import gzip

import pytest
from parsel import Selector
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler import discovery, verdicts
from crawler.demo import build_site
from crawler.middlewares import EncodingMiddleware, PlainCompressedMiddleware
from crawler.urls import followable, registered_domain

BASE = "http://news.example.cn"
MAX_SIZE = 10 * 1024 * 1024


def _pager(html: str, url: str) -> discovery.Pager:
    return discovery.pagination(Selector(text=html), url, html)


@pytest.mark.parametrize(
    ("url", "links", "expected"),
    [
        ("/tzgg/index.html", ["index_2.html", "index_3.html"], "/tzgg/index_2.html"),
        ("/xxgk/index.shtml", ["index_1.shtml", "index_2.shtml"], "/xxgk/index_1.shtml"),
        ("/a/list_3_1.html", ["list_3_2.html", "list_3_3.html"], "/a/list_3_2.html"),
        ("/a/list_3_2.html", ["list_3_1.html", "list_3_3.html"], "/a/list_3_3.html"),
        ("/news/", ["?page=2", "?page=3"], "/news/?page=2"),
        ("/news/?page=2", ["?page=1", "?page=3"], "/news/?page=3"),
        ("/node_12.htm", ["node_12_2.htm", "node_12_3.htm", "node_13.htm"], "/node_12_2.htm"),
        ("/list-12-1.html", ["list-12-2.html"], "/list-12-2.html"),
    ],
)
def test_numbered_pagers(url: str, links: list[str], expected: str) -> None:
    anchors = " ".join(f'<a href="{href}">{i + 2}</a>' for i, href in enumerate(links))
    assert _pager(f"<html><body>{anchors}</body></html>", BASE + url).next == BASE + expected


def test_text_only_pager_and_trs_script() -> None:
    html = '<a href="/col/x9f.html">1</a><a href="/col/qq.html">下一页</a><a href="/col/zz.html">尾页</a>'
    pager = _pager(f"<html><body>{html}</body></html>", BASE + "/col/abc.html")
    assert pager.next == BASE + "/col/qq.html"
    assert BASE + "/col/zz.html" in pager.pages
    trs = '<script>createPageHTML(4, 1, "index", "shtml");</script>'
    pager = _pager(f"<html><body>{trs}</body></html>", BASE + "/xxgk/index_1.shtml")
    assert pager.next == BASE + "/xxgk/index_2.shtml"
    assert set(pager.pages) == {BASE + f"/xxgk/{n}.shtml" for n in ("index", "index_2", "index_3")}


def test_nav_links_are_not_a_pager() -> None:
    html = '<a href="/">首页</a><a href="/node_13.htm">要闻</a><a href="/content_123.htm">稿件</a>'
    assert _pager(f"<html><body>{html}</body></html>", BASE + "/node_12.htm") == discovery.Pager(None, [])


def test_sitemap_index_urlset_gzip_robots_and_feeds() -> None:
    site = build_site(BASE, "crawl")
    children, urls = discovery.parse_sitemap(site.pages["/sitemap_index.xml"].body, max_size=MAX_SIZE)
    assert children == [BASE + "/sitemap_1.xml", BASE + "/sitemap_2.xml"]
    assert urls == []
    children, urls = discovery.parse_sitemap(gzip.compress(site.pages["/sitemap_1.xml"].body), max_size=MAX_SIZE)
    assert children == []
    assert BASE + "/2015/0711/600.html" in urls
    assert discovery.robots_sitemaps(site.pages["/robots.txt"].body.decode()) == [BASE + "/sitemap_index.xml"]
    rss = discovery.parse_feed(site.pages["/rss.xml"].body, BASE + "/rss.xml", max_size=MAX_SIZE)
    assert rss[0] == BASE + "/2015/0712/700.html"
    atom = discovery.parse_feed(site.pages["/atom.xml"].body, BASE + "/atom.xml", max_size=MAX_SIZE)
    assert atom == [BASE + "/2015/0713/800.html"]
    home = Selector(text=site.pages["/"].body.decode())
    assert discovery.feed_links(home, BASE + "/") == [BASE + "/rss.xml", BASE + "/atom.xml"]


def test_challenges_soft_404_and_continuations() -> None:
    site = build_site(BASE, "crawl")
    def verdict(path: str, status: int = 200) -> verdicts.Verdict:
        return verdicts.judge(status, site.pages[path].body.decode(), BASE + path)

    assert verdicts.judge(521, "", BASE + "/2015/0715/904.html") == verdicts.Verdict("challenge", "http_521")
    assert verdict("/2015/0715/905.html") == verdicts.Verdict("challenge", "marker")
    wall = "<html><script>document.cookie='x=1';location.reload()</script></html>"
    assert verdicts.judge(200, wall, BASE + "/a.html") == verdicts.Verdict("challenge", "js_cookie_wall")
    assert verdicts.challenge_reason(site.pages["/2015/0710/888.html"].body.decode()) is None
    assert verdict("/2015/0715/903.html").kind == "soft_404"  # 页面不存在_青禾新闻网, and little text
    assert verdict("/2015/0710/888.html").kind == "article"  # 走近松岗镇的“夜间护路人”
    page2 = BASE + "/2015/0710/888_2.html"
    assert discovery.continuation_of(page2, [BASE + "/2015/0710/888.html"]) == BASE + "/2015/0710/888.html"
    assert discovery.continuation_of(BASE + "/zt/d.aspx?id=8&page=2", [BASE + "/zt/d.aspx?id=8"])
    assert discovery.continuation_of(BASE + "/node_12_2.htm", []) is None


def test_generic_mode_stays_on_the_registered_domain() -> None:
    domains = frozenset({registered_domain("http://www.example.cn/")})
    assert followable("http://news.example.cn/2015/0706/123.html", domains)
    assert not followable("http://www.other.cn/2015/0706/123.html", domains)
    assert not followable("http://www.example.cn/search.php?q=1", domains)
    assert not followable("http://www.example.cn/" + "a/" * 200, domains)


def test_gzipped_gbk_page_is_decoded_once_after_decompression(monkeypatch) -> None:
    crawler = get_crawler(settings_dict={})
    compression = HttpCompressionMiddleware.from_crawler(crawler)
    html = '<html><head><meta charset="gb2312"></head><body><h1>王喆的合作社</h1></body></html>'.encode("gb18030")
    request = Request(BASE + "/a.html")
    response = HtmlResponse(
        request.url,
        body=gzip.compress(html),
        request=request,
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
    )

    def no_inference(self):  # type: ignore[no-untyped-def]
        raise AssertionError("charset inference ran")

    monkeypatch.setattr(TextResponse, "_body_inferred_encoding", no_inference)
    response = PlainCompressedMiddleware().process_response(request, response)
    response = compression.process_response(request, response)
    response = EncodingMiddleware().process_response(request, response)
    assert isinstance(response, HtmlResponse)
    assert response.encoding == "gb18030"
    assert "王喆" in response.text
    assert request.meta["decoded"] == (request.url, "gb18030", "clean")  # codec and how clean the decode was
