"""Property tests: random and truncated markup never makes extraction raise."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import Extracted, decode_html, extract_article, page_kind

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)

SAMPLE = """<html><head><title>市区新建口袋公园_示例在线</title><meta charset="utf-8"></head><body>
<h1>市区新建口袋公园</h1><div class="info">2019-01-01 10:00 来源：示例日报 作者：张三</div>
<div class="content"><p>今年以来，市园林部门新建了三座口袋公园。</p><p>上一篇：<a href="/1.html">旧闻</a></p>
<div class="pages"><a href="a_2.html">2</a></div><p>责任编辑：李四</p></div></body></html>"""

TOKENS = st.sampled_from(
    ["<p>", "</p>", "<div class='content'>", "</div>", "<h1>", "</h1>", "<a href='x_2.html'>", "</a>", "<br>",
     "来源：", "作者：", "责任编辑：", "2015-07-06 12:18", "昨天 10:20", "3分钟前", "上一篇：", "，", "。", "<!--",
     "<script>", "</script>", "<meta charset='gbk'>", "&nbsp;", "&#0;", "\x00", "<![CDATA[", "<?xml version='1.0'?>"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TOKENS, st.text(max_size=20)), max_size=60), st.text(max_size=30))
def test_random_markup_never_raises(parts, url):
    got = extract_article("".join(parts), url, FETCHED)
    assert isinstance(got, Extracted)
    assert isinstance(page_kind("".join(parts), url), str)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(SAMPLE)))
def test_truncated_markup_never_raises(cut):
    got = extract_article(SAMPLE[:cut], "http://news.example.cn/2019/0101/a.html", FETCHED)
    assert isinstance(got, Extracted)
    if got.published is not None:
        assert got.published.tzinfo is not None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.one_of(st.none(), st.sampled_from(["utf-8", "gbk", "gb2312", "big5", "x"])))
def test_random_bytes_never_raise(raw, declared):
    text, enc = decode_html(raw, declared)
    assert isinstance(text, str)
    assert isinstance(enc, str)
    assert isinstance(extract_article(raw, "", FETCHED, encoding=declared), Extracted)
