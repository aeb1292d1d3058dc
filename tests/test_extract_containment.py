"""Failures are contained per field: a finder that raises or runs out of time loses its field only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawler.extract import FAILED_RULES, RULE_FIELDS, extract_article
from crawler.extract import links as links_mod
from crawler.extract import title as title_mod
from crawler.extract.budget import Budget, OutOfTime

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
#: SHARED_MACHINE: tests that assert no field timed out pass ten times the production budget, so that only a
#: finder slow by orders of magnitude fails them (the prev/next finder took 113 s on 1,000 nested labels)
URL = "http://news.example.cn/2019/0101/123.html"

PAGE = """<html><head><title>市区新建三座口袋公园_示例在线</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/bd/">本地新闻</a></div>
<h1>市区新建三座口袋公园</h1><div class="info">2019-01-01 10:00 来源：示例日报 记者 张三 通讯员 李四</div>
<div class="content"><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>
<p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p>
<p>上一篇：<a href="/2019/0101/122.html">老城区改造启动</a></p>
<div class="pages"><a href="123_2.html">2</a> <a href="123_2.html">下一页</a></div>
<p>（责任编辑：王五）</p></div></body></html>"""


def _boom(*_args: object, **_kwargs: object) -> object:
    raise RuntimeError("finder bug")


def test_a_finder_that_raises_loses_only_its_field(monkeypatch):
    monkeypatch.setattr(title_mod, "find_title", _boom)
    got = extract_article(PAGE, URL, FETCHED)
    assert got.rules["title"] == "error"
    assert got.title == ""
    assert got.published == datetime(2019, 1, 1, 2, 0, tzinfo=UTC)
    assert got.source == "示例日报"
    assert got.author == ["张三"]
    assert got.editor == ["王五"]
    assert got.body.startswith("今年以来")
    assert got.next_pages == ["http://news.example.cn/2019/0101/123_2.html"]
    assert [k for k, v in got.rules.items() if v in FAILED_RULES] == ["title"]


def test_a_finder_that_runs_out_of_time_loses_only_its_field(monkeypatch):
    def spin(page, base):  # a pathological finder: it never finishes on its own
        while True:
            page.check()

    monkeypatch.setattr(links_mod, "find_article_links", spin)
    got = extract_article(PAGE, URL, FETCHED, budget=Budget(page_s=5.0, field_s=0.05))
    assert got.rules["links"] == "timeout"
    assert [link for link in got.links if link.kind in ("prev", "next")] == []
    assert got.title == "市区新建三座口袋公园"
    assert got.next_pages == ["http://news.example.cn/2019/0101/123_2.html"]
    assert [k for k, v in got.rules.items() if v in FAILED_RULES] == ["links"]


def test_a_spent_page_budget_skips_the_remaining_finders():
    ticks = iter([0.0, 0.0, 0.5, *([10.0] * 100)])  # the clock jumps past the page deadline after parsing
    got = extract_article(PAGE, URL, FETCHED, budget=Budget(page_s=1.0, field_s=1.0, clock=lambda: next(ticks)))
    assert set(got.rules) == set(RULE_FIELDS)
    assert set(got.rules.values()) <= FAILED_RULES | {"h1"}
    assert "timeout" in got.rules.values()


def test_out_of_time_is_raised_by_check_after_the_deadline():
    now = [0.0]
    budget = Budget(page_s=1.0, field_s=0.2, clock=lambda: now[0])
    budget.start_field("title")
    budget.check()
    now[0] = 0.3
    with pytest.raises(OutOfTime):
        budget.check()
    assert not budget.spent()
    now[0] = 1.5
    assert budget.spent()


def test_every_field_records_a_rule_and_none_failed_on_a_plain_page():
    got = extract_article(PAGE, URL, FETCHED)
    assert set(got.rules) == set(RULE_FIELDS)
    assert not set(got.rules.values()) & FAILED_RULES


def test_deeply_nested_json_ld_does_not_lose_the_article():
    deep = "[" * 50_000 + "]" * 50_000
    html = PAGE.replace("</head>", f'<script type="application/ld+json">{deep}</script></head>')
    got = extract_article(html, URL, FETCHED)
    assert got.title == "市区新建三座口袋公园"
    assert got.body.startswith("今年以来")
    assert not set(got.rules.values()) & FAILED_RULES


def test_deeply_nested_json_ld_graph_is_read_without_recursion():
    leaf = json.dumps({"@type": "NewsArticle", "headline": "深层图中的标题", "datePublished": "2019-01-01"})
    doc = '{"@graph": [' * 3000 + leaf + "]}" * 3000
    html = f'<html><head><script type="application/ld+json">{doc}</script></head><body></body></html>'
    got = extract_article(html, URL, FETCHED)
    assert not set(got.rules.values()) & FAILED_RULES
    assert got.published is not None


@pytest.mark.parametrize("label", ["下一篇：", "上一篇：", "相关阅读", "来源：", "作者：", "相关热词搜索："])
def test_a_thousand_nested_labelled_divs_lose_no_field(label):
    html = "<html><body><h1>标题测试页面</h1>" + f"<div>{label}" * 1000 + "<a href='/a/2.html'>下一篇的标题</a>" + \
        "</div>" * 1000 + "</body></html>"
    assert len(html.encode()) < 40_000
    got = extract_article(html, URL, FETCHED, budget=Budget(page_s=10.0, field_s=5.0))  # see SHARED_MACHINE
    assert not set(got.rules.values()) & FAILED_RULES, got.rules


def test_nested_next_label_still_finds_the_link():
    html = "<html><body><h1>标题测试页面</h1>" + "<div>下一篇：" * 1000 + "<a href='/a/2.html'>另一篇文章</a>" + \
        "</div>" * 1000 + "</body></html>"
    got = extract_article(html, URL, FETCHED)
    assert [(link.kind, link.url) for link in got.links if link.kind == "next"] == [
        ("next", "http://news.example.cn/a/2.html")]
