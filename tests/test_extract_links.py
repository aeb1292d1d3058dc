# ruff: noqa: RUF001
"""Links: tags, prev/next, related, pager pages, column, canonical."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import extract_article

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
URL = "http://news.example.cn/2019/0101/123.html"

HTML = """<html><head><title>市区新建口袋公园_示例在线</title><meta name="keywords" content="公园,绿化">
<link rel="canonical" href="/2019/0101/123.html"></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/bd/">本地新闻</a> &gt; 正文</div>
<h1>市区新建口袋公园</h1><div class="info">2019-01-01 10:00 来源：示例日报</div>
<div class="content"><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>
<p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p>
<div class="pages"><a href="123.html">1</a> <a href="123_2.html">2</a> <a href="123_3.html">3</a>
<a href="123_2.html">下一页</a></div>
</div>
<p>相关热词搜索：<a href="/tag/gy">公园</a> <a href="/tag/lh">绿化</a></p>
<div>上一篇：<a href="/2019/0101/122.html">老城区改造启动</a></div><div>下一篇：没有了</div>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/2019/0101/100.html">全市绿化覆盖率再创新高</a></li></ul></div>
</body></html>"""


def _kinds(links, kind):
    return [link for link in links if link.kind == kind]


def test_tags_from_hot_words():
    got = extract_article(HTML, URL, FETCHED)
    assert got.tags == ["公园", "绿化"]
    assert [link.url for link in _kinds(got.links, "tag")] == [
        "http://news.example.cn/tag/gy",
        "http://news.example.cn/tag/lh",
    ]


def test_prev_link_and_no_next_when_text_only():
    got = extract_article(HTML, URL, FETCHED)
    prev = _kinds(got.links, "prev")
    assert len(prev) == 1 and prev[0].url == "http://news.example.cn/2019/0101/122.html"
    assert _kinds(got.links, "next") == []


def test_related_links():
    got = extract_article(HTML, URL, FETCHED)
    assert [link.text for link in _kinds(got.links, "related")] == ["全市绿化覆盖率再创新高"]


def test_next_pages_in_order_excluding_current():
    got = extract_article(HTML, URL, FETCHED)
    assert got.next_pages == ["http://news.example.cn/2019/0101/123_2.html", "http://news.example.cn/2019/0101/123_3.html"]
    assert _kinds(got.links, "pager")


def test_next_pages_with_query_pager():
    html = HTML.replace("123_2.html", "123.html?page=2").replace("123_3.html", "123.html?page=3")
    got = extract_article(html, URL, FETCHED)
    assert got.next_pages == ["http://news.example.cn/2019/0101/123.html?page=2",
                              "http://news.example.cn/2019/0101/123.html?page=3"]


def test_column_from_breadcrumb_and_meta():
    got = extract_article(HTML, URL, FETCHED)
    assert got.column == "本地新闻"
    html = HTML.replace("<head>", '<head><meta name="ColumnName" content="图片新闻">')
    assert extract_article(html, URL, FETCHED).column == "图片新闻"


def test_canonical_url_resolved():
    assert extract_article(HTML, URL, FETCHED).canonical_url == URL


def test_meta_keywords_as_tags_when_no_tag_links():
    html = HTML.replace("相关热词搜索：", "").replace('href="/tag/gy"', "").replace('href="/tag/lh"', "")
    assert extract_article(html, URL, FETCHED).tags == ["公园", "绿化"]
