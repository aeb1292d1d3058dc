"""One verdict per page — error, challenge, soft 404, list, article, other — from status, text and URL."""

from __future__ import annotations

import re
import time

import pytest

from crawler.verdicts import Verdict, judge, text_chars

BASE = "http://www.qinghe.cn"
ARTICLE_URL = BASE + "/2016/0301/4512.html"

PARAGRAPH = (
    "<p>三月一日上午，柳溪乡召开春耕备耕工作推进会，乡农技站的技术员逐村讲解育秧要点，"
    "并现场发放了稻种和有机肥。当地种粮大户表示，今年计划扩种早稻两百亩，争取再获丰收。</p>"
)


def page(title: str, body: str, head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


ARTICLE = page(
    "柳溪乡部署春耕备耕_青禾新闻网", f"<h1>柳溪乡部署春耕备耕</h1><div>2016-03-01 09:12</div>{PARAGRAPH * 6}"
)
LIST = page(
    "通知公告_青禾新闻网",
    "<ul>"
    + "".join(
        f'<li><a href="/2016/0301/{n}.html">柳溪乡第{n}期工作简报发布</a><span>2016-03-01</span></li>'
        for n in range(30)
    )
    + "</ul>",
)


@pytest.mark.parametrize(
    ("status", "html", "expected"),
    [
        (521, "<html><script>x</script></html>", Verdict("challenge", "http_521")),
        (412, "", Verdict("challenge", "http_412")),
        (404, page("404", "<h1>Not Found</h1>"), Verdict("error", "404")),
        (500, None, Verdict("error", "500")),
        (200, None, Verdict("other", "binary")),
        (
            200,
            "<html><script>document.cookie='a=1';location.reload()</script></html>",
            Verdict("challenge", "js_cookie_wall"),
        ),
        (200, page("访问验证", "<script>var t='__jsl_clearance';</script>"), Verdict("challenge", "marker")),
        (200, page("请稍候", "<p>请开启JAVASCRIPT后刷新</p><i>ACW_TC</i>"), Verdict("challenge", "marker")),
    ],
    ids=["521", "412", "404", "500", "binary", "js-cookie-wall", "waf-marker", "marker-in-capitals"],
)
def test_status_walls_and_bodies_give_a_verdict_without_parsing(status, html, expected) -> None:  # type: ignore[no-untyped-def]
    verdict = judge(status, html, ARTICLE_URL)
    assert verdict == expected
    assert verdict.selector is None
    assert not verdict.has_content


def test_article_and_list_pages_carry_their_parsed_selector() -> None:
    article = judge(200, ARTICLE, ARTICLE_URL)
    assert article.kind == "article"
    assert article.has_content
    assert article.selector is not None
    assert article.selector.xpath("string(//h1)").get() == "柳溪乡部署春耕备耕"
    assert judge(200, LIST, BASE + "/tzgg/index.html").kind == "list"


def test_error_template_served_with_200_is_a_soft_404_on_any_url_but_a_list() -> None:
    error = page("页面不存在_青禾新闻网", "<h1>404</h1><p>对不起，您访问的页面不存在或已被删除！</p>")
    assert judge(200, error, ARTICLE_URL).kind == "soft_404"
    assert judge(200, error, BASE + "/about/contact.html").kind == "soft_404"
    soft = judge(200, error, ARTICLE_URL)
    assert soft.selector is not None
    assert not soft.has_content


def test_an_article_that_mentions_404_in_its_title_is_still_an_article() -> None:
    html = ARTICLE.replace("柳溪乡部署春耕备耕_", "G404国道柳溪段改造完工_")
    assert judge(200, html, ARTICLE_URL).kind == "article"


def test_text_in_scripts_and_styles_does_not_make_an_error_template_a_page() -> None:
    script = (
        "<script>" + "var banner = '页面加载中，请稍候';" * 200 + "</script><style>" + "p{margin:0}" * 200 + "</style>"
    )
    error = page("信息不存在", "<h1>信息不存在</h1>" + script)
    assert judge(200, error, ARTICLE_URL).kind == "soft_404"


def test_profile_article_patterns_decide_article_against_list() -> None:
    patterns = [re.compile(r"/html/\d{4}/\w+_\d{4}/\d+\.html$")]
    assert judge(200, LIST, BASE + "/html/2016/news_0301/88.html", patterns).kind == "article"
    assert judge(200, ARTICLE, ARTICLE_URL, patterns).kind == "list"


@pytest.mark.parametrize(
    ("status", "kind", "counters"),
    [
        (304, "unchanged", ("articles/unchanged", "articles/not_modified")),
        (404, "withdrawn", ("articles/withdrawn_seen",)),
        (410, "withdrawn", ("articles/withdrawn_seen",)),
    ],
)
def test_refetch_answers_mean_unchanged_or_withdrawn(status: int, kind: str, counters: tuple[str, ...]) -> None:
    verdict = judge(status, None, ARTICLE_URL, refetch=True)
    assert verdict.kind == kind
    assert verdict.counters == counters
    assert judge(status, None, ARTICLE_URL).kind != kind  # the same status answering a first fetch


def test_counters_keep_the_names_the_run_record_reads() -> None:
    assert Verdict("challenge", "http_521").counters == ("pages/challenge", "pages/challenge/http_521")
    assert Verdict("error", "404").counters == ("pages/error/404",)
    assert Verdict("other", "binary").counters == ("pages/skipped/binary",)
    assert Verdict("soft_404").counters == ("pages/soft_404",)
    assert Verdict("article").counters == ("pages/article",)


def test_visible_text_is_counted_only_up_to_the_limit() -> None:
    sel = judge(200, ARTICLE, ARTICLE_URL).selector
    assert sel is not None
    assert text_chars(sel, 50) >= 50
    assert text_chars(sel, 50) < 50 + len(PARAGRAPH)  # stopped at the first block past the limit


PATHOLOGICAL = {
    "unclosed-scripts": "<script>var a=1;" * 22_500,
    "unclosed-styles": "<style>p{x:1}" * 27_700,
    "unclosed-tags": "<a href='/x' " * 27_700,
    "nested-divs": "<div>页面" * 33_000,
}


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_hostile_360kb_page_is_judged_in_linear_time(body: str) -> None:
    """Wall-clock bound, generous on purpose (2 s for ~360 KB): a quadratic scan takes tens of seconds here."""
    html = page("404 页面不存在", body)
    assert 350_000 <= len(html.encode()) <= 400_000
    started = time.perf_counter()
    verdict = judge(200, html, ARTICLE_URL)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"{elapsed:.1f} s"
    assert verdict.kind in ("soft_404", "other", "list", "article")


def test_a_challenge_is_logged_as_a_warning_and_a_soft_404_as_info_while_articles_say_nothing() -> None:
    import logging

    wall = judge(521, "<html></html>", ARTICLE_URL)
    assert wall.notice is not None
    assert wall.notice[0] == logging.WARNING
    assert "http_521" in wall.notice[1]
    missing = judge(200, page("页面不存在_青禾新闻网", "<h1>404 页面不存在</h1>"), ARTICLE_URL)
    assert missing.kind == "soft_404"
    assert missing.notice is not None
    assert missing.notice[0] == logging.INFO
    assert judge(200, ARTICLE, ARTICLE_URL).notice is None
