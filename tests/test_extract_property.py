"""Property tests: random, truncated and well-formed markup never makes extraction raise or lose a field."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract import FAILED_RULES, RULE_FIELDS, Extracted, decode_html, extract_article, page_kind

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)

#: the keys of Extracted.to_json() as documented there and in tests/fixtures/pages/README.md
DOCUMENTED_KEYS = {
    "url", "title", "subtitle", "published", "source", "author", "editor", "contributors", "body", "images",
    "column", "tags", "links", "canonical_url", "next_pages", "rules",
}

SAMPLE = """<html><head><title>市区新建口袋公园_示例在线</title><meta charset="utf-8"></head><body>
<h1>市区新建口袋公园</h1><div class="info">2019-01-01 10:00 来源：示例日报 作者：张三</div>
<div class="content"><p>今年以来，市园林部门新建了三座口袋公园。</p><p>上一篇：<a href="/1.html">旧闻</a></p>
<div class="pages"><a href="a_2.html">2</a></div><p>责任编辑：李四</p></div></body></html>"""

TOKENS = st.sampled_from(
    ["<p>", "</p>", "<div class='content'>", "</div>", "<h1>", "</h1>", "<a href='x_2.html'>", "</a>", "<br>",
     "来源：", "作者：", "责任编辑：", "2015-07-06 12:18", "昨天 10:20", "3分钟前", "上一篇：", "，", "。", "<!--",
     "<script>", "</script>", "<meta charset='gbk'>", "&nbsp;", "&#0;", "\x00", "<![CDATA[", "<?xml version='1.0'?>"]
)

# --- well-formed pages: every element closed, every value made of ordinary text --------------------------------

CJK_TEXT = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=30)
SENTENCE = st.builds(lambda a, b: f"{a}，{b}。", CJK_TEXT, CJK_TEXT)
NAME = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=3)
DATE = st.builds(
    lambda y, m, d, h, mi: f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}",
    st.integers(2000, 2019), st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59),
)
INFO_PART = st.one_of(
    DATE,
    st.builds(lambda v: f"来源：{v}", CJK_TEXT),
    st.builds(lambda v: f"记者 {v}", NAME),
    st.builds(lambda v: f"通讯员 {v}", NAME),
    st.builds(lambda v: f"责任编辑：{v}", NAME),
    st.builds(lambda v: f"<span>{v}</span>", CJK_TEXT),
)
WRAPPERS = st.sampled_from(["div", "section", "td", "span", "li", "p"])


def _wrap(tag: str, inner: str) -> str:
    if tag == "td":
        return f"<table><tr><td>{inner}</td></tr></table>"
    if tag == "li":
        return f"<ul><li>{inner}</li></ul>"
    return f"<{tag} class='box'>{inner}</{tag}>"


@st.composite
def well_formed_pages(draw: st.DrawFn) -> str:
    title = draw(CJK_TEXT)
    info = " ".join(draw(st.lists(INFO_PART, max_size=5)))
    paragraphs = "".join(f"<p>{s}</p>" for s in draw(st.lists(SENTENCE, min_size=0, max_size=8)))
    extra = draw(st.sampled_from([
        "", "<div class='pages'><a href='123_2.html'>2</a><a href='123_2.html'>下一页</a></div>",
        "<p>上一篇：<a href='/1.html'>另一篇文章的标题</a></p>",
        "<div class='related'><a href='/r/1.html'>相关的文章标题</a></div>",
        "<p>相关热词搜索：<a href='/t/1'>公园</a></p>", "<div class='share'>分享到：微信</div>",
    ]))
    body = f"<h1>{title}</h1><div class='info'>{info}</div><div class='content'>{paragraphs}{extra}</div>"
    for tag in draw(st.lists(WRAPPERS, max_size=6)):
        body = _wrap(tag, body)
    return f"<html><head><title>{title}_示例网</title></head><body>{body}</body></html>"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_formed_pages())
def test_well_formed_page_loses_no_field_and_has_the_documented_keys(html):
    got = extract_article(html, "http://news.example.cn/2019/0101/123.html", FETCHED)
    assert set(got.to_json()) == DOCUMENTED_KEYS
    assert set(got.rules) == set(RULE_FIELDS)
    failed = {field: rule for field, rule in got.rules.items() if rule in FAILED_RULES}
    assert not failed, failed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(TOKENS, st.text(max_size=20)), max_size=60), st.text(max_size=30))
def test_random_markup_never_raises(parts, url):
    got = extract_article("".join(parts), url, FETCHED)
    assert isinstance(got, Extracted)
    assert set(got.to_json()) == DOCUMENTED_KEYS
    assert isinstance(page_kind("".join(parts), url), str)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=len(SAMPLE)))
def test_truncated_markup_never_raises(cut):
    got = extract_article(SAMPLE[:cut], "http://news.example.cn/2019/0101/a.html", FETCHED)
    assert isinstance(got, Extracted)
    assert not set(got.rules.values()) & FAILED_RULES
    if got.published is not None:
        assert got.published.tzinfo is not None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.one_of(st.none(), st.sampled_from(["utf-8", "gbk", "gb2312", "big5", "x"])))
def test_random_bytes_never_raise(raw, declared):
    text, enc = decode_html(raw, declared)
    assert isinstance(text, str)
    assert isinstance(enc, str)
    got = extract_article(raw, "", FETCHED, encoding=declared)
    assert isinstance(got, Extracted)
    assert not set(got.rules.values()) & FAILED_RULES
