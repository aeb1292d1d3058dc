"""Titles: the printed headline, never a promo line or a site/column suffix; meta and permalink fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import extract_article
from crawler.extract.title import strip_site_suffix

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
URL = "http://news.example.cn/2019/0101/1.html"
PARAS = (
    "<p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>"
    "<p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p>"
)
NAV = "<ul class='menu'>" + "".join(
    f"<li><a href='/{i}/'>{n}</a></li>" for i, n in enumerate(["首页", "新闻中心", "本地", "财经", "文旅"])) + "</ul>"


def _x(head: str, body: str, url: str = URL) -> str:
    html = f"<html><head>{head}</head><body>{NAV}{body}<p>版权所有 示例网</p></body></html>"
    return extract_article(html, url, FETCHED).title


@pytest.mark.parametrize(
    ("title", "names", "expected"),
    [
        ("口袋公园开放_本地_示例网", {"示例网", "本地"}, "口袋公园开放"),
        ("嘉禾-青溪城际公交开通-新闻中心-示例网", {"示例网", "新闻中心"}, "嘉禾-青溪城际公交开通"),
        ("示例网 | 口袋公园开放", {"示例网"}, "口袋公园开放"),
        ("口袋公园开放-新华示例网", set(), "口袋公园开放"),
        ("口袋公园开放", {"示例网"}, "口袋公园开放"),
    ],
)
def test_strip_site_suffix_by_the_sites_own_names(title, names, expected):
    assert strip_site_suffix(title, names) == expected


def test_promo_line_in_h1_is_not_the_headline():
    body = (f"<h1>看示例新闻，关注示例网官方微信</h1><div class='art-title'>口袋公园开放</div>"
            f"<div>2019-01-01 10:00</div>{PARAS}")
    assert _x("<title>口袋公园开放_本地_示例网</title>", body) == "口袋公园开放"


def test_promo_line_with_a_generic_title_tag():
    body = f"<h1>扫码关注示例网，看更多本地新鲜事</h1><h2>口袋公园开放</h2><div>发布时间：2019-01-01 10:00</div>{PARAS}"
    assert _x("<title>示例网-正文</title>", body) == "口袋公园开放"


def test_no_headline_element_uses_the_title_tag_without_column_and_site():
    assert _x("<title>嘉禾-青溪城际公交开通-新闻中心-示例网</title>", f"<div>2019-01-01</div>{PARAS}") == \
        "嘉禾-青溪城际公交开通"


def test_trs_article_title_meta_when_the_page_draws_the_headline_as_an_image():
    head = '<title>示例县人民政府</title><meta name="ArticleTitle" content="关于做好近期防汛工作的通知">'
    assert _x(head, f"<div><img src='t.png'></div>{PARAS}") == "关于做好近期防汛工作的通知"


def test_og_title_when_the_title_tag_is_empty():
    head = '<title></title><meta property="og:title" content="新图书馆成了打卡地 | 示例网">'
    assert _x(head, PARAS) == "新图书馆成了打卡地"


def test_permalink_to_the_page_itself_is_the_headline():
    body = f"<div class='day'><a href='{URL}'>云岭镇的新茶季</a>{PARAS}</div>"
    assert _x("<title>山水随笔 - 博客文章</title>", body) == "云岭镇的新茶季"


def test_the_sites_name_in_an_h1_does_not_beat_the_headline():
    body = (f"<h1><a href='/'>茶山行者的博客</a></h1><p>记录山水</p><h2>云岭采茶记</h2>"
            f"<div>发表于 2015-07-04 20:05</div>{PARAS}")
    assert _x("<title>云岭采茶记 - 茶山行者的博客</title>", body) == "云岭采茶记"
