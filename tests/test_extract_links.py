"""Links: tags, prev/next, related, pager pages, column, canonical."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import extract_article
from crawler.extract.rules import page_of

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
    assert len(prev) == 1
    assert prev[0].url == "http://news.example.cn/2019/0101/122.html"
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


def test_site_wide_meta_keywords_are_not_tags():
    html = HTML.replace('content="公园,绿化"', 'content="示例在线,本地新闻,示例"').replace("相关热词搜索：", "")
    html = html.replace('href="/tag/gy"', "").replace('href="/tag/lh"', "")
    assert extract_article(html, URL, FETCHED).tags == []


def test_meta_keyword_equal_to_column_is_dropped():
    html = HTML.replace('content="公园,绿化"', 'content="本地新闻,口袋公园"').replace("相关热词搜索：", "")
    html = html.replace('href="/tag/gy"', "").replace('href="/tag/lh"', "")
    got = extract_article(html, URL, FETCHED)
    assert got.column == "本地新闻"
    assert got.tags == ["口袋公园"]
    assert not _kinds(got.links, "tag")


def test_labels_inside_a_leading_strong():
    html = (HTML.replace("相关热词搜索：", "<strong>相关热词搜索：</strong>")
            .replace('<div class="position">当前位置：', '<div class="here"><strong>当前位置:</strong>'))
    got = extract_article(html, URL, FETCHED)
    assert got.tags == ["公园", "绿化"]
    assert got.column == "本地新闻"


def test_prev_next_in_one_block_split_by_br():
    html = HTML.replace(
        '<div>上一篇：<a href="/2019/0101/122.html">老城区改造启动</a></div><div>下一篇：没有了</div>',
        '<div class="np">上一篇：<a href="/2019/0101/122.html">老城区改造启动</a><br />'
        '下一篇：<a href="/2019/0101/124.html">河道清淤工程完工</a></div>',
    )
    got = extract_article(html, URL, FETCHED)
    assert [(x.kind, x.text) for x in got.links if x.kind in ("prev", "next")] == [
        ("prev", "老城区改造启动"), ("next", "河道清淤工程完工")]


def test_related_list_after_heading_in_definition_list():
    html = HTML.replace(
        '<div class="related"><h3>相关新闻</h3><ul>',
        '<div class="box"><dl><dt><strong>相关文章</strong></dt><dd><ul>',
    ).replace("</ul></div>\n</body>", "</ul></dd></dl></div>\n</body>")
    got = extract_article(html, URL, FETCHED)
    assert [x.text for x in _kinds(got.links, "related")] == ["全市绿化覆盖率再创新高"]


def test_related_heading_sharing_its_line_with_the_links():
    html = HTML.replace('<div class="related"><h3>相关新闻</h3><ul>', '<div>相关阅读：<ul>')
    got = extract_article(html, URL, FETCHED)
    assert [x.text for x in _kinds(got.links, "related")] == ["全市绿化覆盖率再创新高"]


def test_footer_address_is_not_a_site_name():
    html = HTML.replace('content="公园,绿化"', 'content="口袋公园,老城区"').replace("相关热词搜索：", "")
    html = html.replace('href="/tag/gy"', "").replace('href="/tag/lh"', "")
    html = html.replace("</body>", "<p>版权所有：示例日报社 地址：示例市老城区人民路1号</p></body>")
    assert extract_article(html, URL, FETCHED).tags == ["口袋公园", "老城区"]


def _pager_page(pager: str, url: str) -> list[str]:
    old = ('<div class="pages"><a href="123.html">1</a> <a href="123_2.html">2</a> <a href="123_3.html">3</a>\n'
           '<a href="123_2.html">下一页</a></div>')
    html = HTML.replace(old, pager)
    return extract_article(html, url, FETCHED).next_pages


def test_pager_with_an_unfamiliar_class_is_recognised_by_its_links():
    pager = '<div class="xq_fy"><span>1</span><a href="123_2.html">2</a><a href="123_3.html">3</a></div>'
    assert _pager_page(pager, URL) == ["http://news.example.cn/2019/0101/123_2.html",
                                       "http://news.example.cn/2019/0101/123_3.html"]


def test_trs_pager_numbers_the_second_page_1():
    url = "http://www.example.gov.cn/zwgk/201507/t20150706_334540.html"
    pager = ('<div class="fy">共3页 <span>1</span> <a href="t20150706_334540_1.html">2</a> '
             '<a href="t20150706_334540_2.html">3</a> <a href="t20150706_334540_1.html">下一页</a></div>')
    assert _pager_page(pager, url) == ["http://www.example.gov.cn/zwgk/201507/t20150706_334540_1.html",
                                       "http://www.example.gov.cn/zwgk/201507/t20150706_334540_2.html"]


def test_printed_page_count_completes_a_cut_pager():
    pager = ('<div class="pg"><span>共6页</span> <b>1</b> <a href="123_2.html">2</a> … <a href="123_6.html">6</a> '
             '<a href="123_2.html">下一页</a></div>')
    assert _pager_page(pager, URL) == [f"http://news.example.cn/2019/0101/123_{n}.html" for n in range(2, 7)]


def test_next_link_alone_and_page_of_x_with_a_hyphen():
    pager = '<table><tr><td>第1页/共3页</td><td><a href="123-2.html">下一页</a></td></tr></table>'
    assert _pager_page(pager, URL) == ["http://news.example.cn/2019/0101/123-2.html",
                                       "http://news.example.cn/2019/0101/123-3.html"]


def test_query_pager_with_traditional_next_word():
    url = "http://news.example.tw/news/show.php?id=5512"
    pager = '<div><a href="show.php?id=5512&amp;page=2">2</a> <a href="show.php?id=5512&amp;page=2">下一頁</a></div>'
    assert _pager_page(pager, url) == ["http://news.example.tw/news/show.php?id=5512&page=2"]


def test_english_next_to_a_page_directory():
    url = "http://blog.example.cn/2015/07/06/a-post/"
    pager = '<nav><span>Page 1 of 2</span> <a href="http://blog.example.cn/2015/07/06/a-post/2/">Next »</a></nav>'
    assert _pager_page(pager, url) == ["http://blog.example.cn/2015/07/06/a-post/2/"]


def test_links_with_headline_texts_are_not_pages_even_when_the_url_looks_like_one():
    pager = '<ul><li><a href="123_456.html">另一篇文章的标题</a></li><li><a href="123_2.html">阅读全文</a></li></ul>'
    assert _pager_page(pager, URL) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("第2页 共5页", (2, 5)), ("共5页 当前第2页", (2, 5)), ("2/5页", (2, 5)), ("Page 2 of 5", (2, 5)),
     ("共12页", (None, 12)), ("首页 上一页 下一页", None), ("2015/07页", None)],
)
def test_page_of_x_parser(text, expected):
    assert page_of(text) == expected
