"""The bundled demo site: enough realistic, reachable, correctly encoded pages for offline crawl tests."""

from __future__ import annotations

import gzip
import html
import http.client
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from crawler.demo import Page, Pages, SiteServer, build_site, expected_articles, lookup, serve, serve_site

BASE = "http://127.0.0.1:8000"
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def site() -> Pages:
    return build_site(BASE).pages


@pytest.fixture(scope="module")
def truth() -> list[dict[str, Any]]:
    return expected_articles(BASE)


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    with serve_site() as running:
        yield running


def decode(page: Page) -> str:
    """Decode like a browser: header charset, else the meta tag; gb2312/gbk labels mean GB18030."""
    content_type = page.headers.get("Content-Type", "")
    label = content_type.split("charset=")[1] if "charset=" in content_type else ""
    if not label and (match := META_CHARSET.search(page.body[:2048])):
        label = match.group(1).decode()
    label = label.lower() or "utf-8"
    return page.body.decode("gb18030" if label in ("gb2312", "gbk") else label)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def page_for(site: Pages, url: str) -> Page:
    page = lookup(site, url)
    assert page is not None, url
    return page


def walk(site: Pages, start: str = "/") -> dict[str, int]:
    """Follow every same-site href from `start` (no Scrapy): URL → status."""
    seen: dict[str, int] = {}
    queue = [BASE + start]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        page = lookup(site, url)
        seen[url] = page.status if page else 404
        if page is None or not page.headers.get("Content-Type", "").startswith("text/html"):
            continue
        for href in HREF.findall(decode(page)):
            target = urldefrag(urljoin(url, html.unescape(href)))[0]
            if target.startswith(BASE + "/") and target not in seen:
                queue.append(target)
    return seen


def fetch(server: SiteServer, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- the generated site


def test_site_has_at_least_36_articles_in_four_template_families(truth: list[dict[str, Any]]) -> None:
    families = Counter(a["family"] for a in truth)
    assert len(truth) >= 36
    assert set(families) == {"phpcms", "dede", "trs", "modern"}
    assert min(families.values()) >= 6
    own = [a for a in truth if a["original"] is None]  # a syndicated copy keeps its original's title
    assert len({a["title"] for a in own}) == len(own)
    assert len({a["url"] for a in truth}) == len(truth)


def test_same_seed_builds_identical_site_and_another_seed_other_stories() -> None:
    first, again = build_site(BASE).pages, build_site(BASE).pages
    assert first.keys() == again.keys()
    assert all(first[k].body == again[k].body for k in first)
    other = {a["title"] for a in expected_articles(BASE, seed=7)}
    assert other != {a["title"] for a in expected_articles(BASE)}


def test_unknown_option_is_rejected() -> None:
    with pytest.raises(TypeError):
        build_site(BASE, trapz=True)


def test_ground_truth_matches_each_article_page(site: Pages, truth: list[dict[str, Any]]) -> None:
    for article in truth:
        pages = [article["url"], *article["next_pages"]]
        text = "".join(decode(page_for(site, url)) for url in pages)
        assert html.escape(article["title"]) in text
        for line in article["paragraphs"]:
            assert html.escape(line) in text, (article["url"], line)
        for name in article["author"] + article["editor"]:
            assert name in text
        assert article["published"].endswith("+08:00")


def test_truth_covers_missing_author_empty_source_and_credits(truth: list[dict[str, Any]]) -> None:
    assert any(not a["author"] for a in truth)
    assert any(a["source"] is None for a in truth)
    assert any(len(a["author"]) >= 2 for a in truth if a["family"] == "modern")
    assert all(a["editor"] for a in truth if a["family"] == "dede")
    assert any(a["images"] for a in truth)
    assert all(a["body"] == "\n".join(a["paragraphs"]) for a in truth)


def test_gbk_pages_are_gb18030_bytes_with_no_charset_in_header(site: Pages, truth: list[dict[str, Any]]) -> None:
    dede = [a for a in truth if a["family"] == "dede"]
    outside_gb2312 = 0
    for article in dede:
        page = page_for(site, article["url"])
        assert page.headers["Content-Type"] == "text/html"
        assert b"<meta charset=gb2312>" in page.body
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        assert article["title"] in page.body.decode("gb18030")
        try:
            page.body.decode("gb2312")
        except UnicodeDecodeError:
            outside_gb2312 += 1
    assert outside_gb2312 >= 1, "some GBK page should need more than GB2312, as real 'gb2312' pages do"


def test_trs_art_pages_declare_gbk_in_header_and_meta(site: Pages, truth: list[dict[str, Any]]) -> None:
    art = [a for a in truth if "/art/" in a["url"]]
    assert art
    for article in art:
        page = page_for(site, article["url"])
        assert page.headers["Content-Type"] == "text/html; charset=GBK"
        assert b'<meta name="ContentSource"' in page.body
        assert article["title"] in page.body.decode("gbk")


@pytest.mark.parametrize(
    ("family", "marker"),
    [
        ("phpcms", '<div id="Article">'),
        ("dede", '<div class="title"><h2>'),
        ("trs", '<div class="TRS_Editor">'),
        ("modern", '"@type": "NewsArticle"'),
    ],
)
def test_each_family_has_its_cms_markup_and_page_furniture(
    site: Pages, truth: list[dict[str, Any]], family: str, marker: str
) -> None:
    for article in (a for a in truth if a["family"] == family):
        text = decode(page_for(site, article["url"]))
        assert marker in text
        for furniture in ("热点新闻", "相关热词搜索", "分享到", "上一篇", "版权所有"):
            assert furniture in text, (article["url"], furniture)


def test_sidebar_hot_news_lists_other_articles_with_dates(site: Pages, truth: list[dict[str, Any]]) -> None:
    article = truth[0]
    text = decode(page_for(site, article["url"]))
    sidebar = text[text.index("热点新闻") :]
    linked = [a for a in truth if a["url"] in sidebar]
    assert len(linked) >= 5
    assert article not in linked
    assert all(a["published"][:10] in sidebar for a in linked)


def test_first_phpcms_article_shows_first_page_without_link(site: Pages, truth: list[dict[str, Any]]) -> None:
    first = min((a for a in truth if a["family"] == "phpcms"), key=lambda a: a["published"])
    text = decode(page_for(site, first["url"]))
    assert "<strong>上一篇：</strong>第一页<br />" in text


def test_multi_page_article_spreads_body_over_numbered_pages(site: Pages, truth: list[dict[str, Any]]) -> None:
    (article,) = [a for a in truth if a["next_pages"]]
    assert [u.rsplit("/", 1)[1] for u in article["next_pages"]] == [
        article["url"].rsplit("/", 1)[1].replace(".html", f"_{n}.html") for n in (2, 3)
    ]
    first = decode(page_for(site, article["url"]))
    assert "上一页" in first
    assert "下一页" in first
    assert all(url in first for url in article["next_pages"])
    assert article["paragraphs"][-1] not in first


def test_column_lists_paginate_in_four_cms_styles(site: Pages) -> None:
    for first, second in [
        ("/list-12-1.html", "/list-12-2.html"),
        ("/a/nongye/list_3_1.html", "/a/nongye/list_3_2.html"),
        ("/xxgk/index.html", "/xxgk/index_1.html"),
        ("/news/", "/news/?page=2"),
    ]:
        first_page, second_page = page_for(site, first), page_for(site, second)
        assert first_page.body != second_page.body
        assert "下一页" in decode(first_page)
    assert "尾页" in decode(page_for(site, "/a/nongye/list_3_1.html"))
    assert lookup(site, "/list-12-3.html") is not None


def test_every_article_is_reachable_by_following_links_from_home(site: Pages, truth: list[dict[str, Any]]) -> None:
    seen = walk(site)
    missing = [a["url"] for a in truth if a["url"] not in seen]
    assert not missing
    broken = [url for url, status in seen.items() if status == 404]
    assert all(path_of(url).startswith("/plus/") for url in broken), broken


def test_tracking_param_url_serves_the_same_article(site: Pages, truth: list[dict[str, Any]]) -> None:
    (article,) = [a for a in truth if a["aliases"]]
    assert article["aliases"] == [article["url"] + "?from=timeline"]
    assert page_for(site, article["aliases"][0]) is page_for(site, article["url"])
    assert article["aliases"][0] in decode(page_for(site, "/"))
    assert page_for(site, article["url"] + "?utm_source=wechat&from=groupmessage") is page_for(site, article["url"])


def test_sitemap_rss_and_robots_list_the_articles(site: Pages, truth: list[dict[str, Any]]) -> None:
    sitemap = page_for(site, "/sitemap.xml").body.decode()
    assert all(f"<loc>{a['url']}</loc>" in sitemap for a in truth)
    rss = page_for(site, "/rss.xml").body.decode()
    assert rss.count("<item>") == 20
    assert "+0800</pubDate>" in rss
    robots = page_for(site, "/robots.txt").body.decode()
    assert "Allow: /" in robots
    assert f"Sitemap: {BASE}/sitemap.xml" in robots


def test_misbehaving_pages_exist_only_when_asked_for(site: Pages) -> None:
    for path in ("/zt/500.html", "/zt/slow.html", "/zt/challenge.html", "/calendar?date=2015-07-06"):
        assert lookup(site, path) is None
    special = build_site(BASE, error_page=True, slow=0.5, challenge=True).pages
    assert page_for(special, "/zt/500.html").status == 500
    assert page_for(special, "/zt/slow.html").delay == 0.5
    challenge = page_for(special, "/zt/challenge.html")
    assert challenge.status == 521
    assert b"document.cookie" in challenge.body
    home = decode(page_for(special, "/"))
    assert all(p in home for p in ("/zt/500.html", "/zt/slow.html", "/zt/challenge.html"))


def test_traps_lead_into_endless_calendar_and_search_pages() -> None:
    trapped = build_site(BASE, traps=True).pages
    assert "/calendar?date=" in decode(page_for(trapped, "/"))
    day = decode(page_for(trapped, "/calendar?date=1999-12-31"))
    assert "/calendar?date=2000-01-01" in day
    deep = decode(page_for(trapped, "/search?q=%E4%BA%A4%E9%80%9A&page=5000"))
    assert "page=5001" in html.unescape(deep)
    assert lookup(trapped, "/calendar?date=not-a-date") is None


def test_print_view_is_an_opt_in_duplicate_pointing_to_canonical(truth: list[dict[str, Any]]) -> None:
    printable = build_site(BASE, print_view=True).pages
    article = truth[0]
    text = decode(page_for(printable, article["url"] + "?print=1"))
    assert f'<link rel="canonical" href="{article["url"]}">' in text
    assert f"{article['url']}?print=1" in decode(page_for(printable, article["url"]))


# ---------------------------------------------------------------- over HTTP


def test_server_serves_articles_over_loopback_with_gzip(server: SiteServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    article = expected_articles(server.base_url)[0]
    path = path_of(article["url"])
    status, headers, body = fetch(server, path, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == lookup(server.pages, path).body  # type: ignore[union-attr]
    status, headers, plain = fetch(server, path)
    assert status == 200
    assert "content-encoding" not in headers
    assert article["title"] in plain.decode()


def test_server_keeps_query_in_lookup_but_ignores_tracking_params(server: SiteServer) -> None:
    _, _, first = fetch(server, "/news/")
    _, _, second = fetch(server, "/news/?page=2")
    assert first != second
    article = next(a for a in expected_articles(server.base_url) if a["aliases"])
    _, _, canonical = fetch(server, path_of(article["url"]))
    status, _, shared = fetch(server, path_of(article["aliases"][0]))
    assert status == 200
    assert shared == canonical


def test_server_answers_unknown_paths_with_html_404(server: SiteServer) -> None:
    status, headers, body = fetch(server, "/no/such/page.html")
    assert status == 404
    assert headers["content-type"].startswith("text/html")
    assert "页面不存在" in body.decode()


def test_serve_answers_a_given_page_map_and_stops_cleanly() -> None:
    pages = {"/": Page(200, {"Content-Type": "text/plain"}, b"hello")}
    running = serve(pages)
    try:
        assert fetch(running, "/")[2] == b"hello"
        assert fetch(running, "/missing")[0] == 404
    finally:
        running.stop()
    running.stop()


def test_server_delays_the_slow_page_and_sends_521_challenge() -> None:
    with serve_site(slow=0.3, challenge=True) as running:
        started = time.monotonic()
        assert fetch(running, "/zt/slow.html")[0] == 200
        assert time.monotonic() - started >= 0.3
        status, headers, body = fetch(running, "/zt/challenge.html")
        assert status == 521
        assert "__jsluid_h" in headers["set-cookie"]
        assert b"__jsl_clearance" not in body  # the cookie name is assembled by the script, as real walls do
