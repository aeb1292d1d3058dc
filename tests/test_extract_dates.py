"""Published date: every printed form, labels, meta tags, URL dates, relative dates against fetched_at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.extract import extract_article
from crawler.sites import SiteProfile

FETCHED = datetime(2016, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
CN = timezone(timedelta(hours=8))


def _article(info: str, *, head: str = "", url: str = "http://news.example.cn/a/1.html") -> object:
    html = f"""<html><head><title>市区新建三座口袋公园_示例在线</title>{head}</head><body>
    <div class="nav"><a href="/">首页</a> <a href="/list">本地</a></div>
    <h1>市区新建三座口袋公园</h1>
    <div class="info">{info}</div>
    <div class="content"><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>
    <p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p></div>
    </body></html>"""
    return extract_article(html, url, FETCHED)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("2015-07-06 12:18:38 来源：示例日报", datetime(2015, 7, 6, 12, 18, 38, tzinfo=CN)),
        ("2015-7-6 9:05", datetime(2015, 7, 6, 9, 5, tzinfo=CN)),
        ("2015年07月06日 12:18", datetime(2015, 7, 6, 12, 18, tzinfo=CN)),
        ("发布时间：2015/07/06", datetime(2015, 7, 6, tzinfo=CN)),
        ("发布日期：2015.07.06", datetime(2015, 7, 6, tzinfo=CN)),
        ("时间：2015-07-06 08:00", datetime(2015, 7, 6, 8, 0, tzinfo=CN)),
        ("[2015-07-06]", datetime(2015, 7, 6, tzinfo=CN)),
        ("2015年7月6日 星期一 下午3:20", datetime(2015, 7, 6, 15, 20, tzinfo=CN)),
    ],
)
def test_published_printed_forms(info, expected):
    assert _article(info).published == expected


def test_published_is_timezone_aware_shanghai_by_default():
    got = _article("2015-07-06 12:18").published
    assert got is not None
    assert got.utcoffset() == timedelta(hours=8)


def test_published_profile_timezone_is_used():
    html = "<h1>標題測試新聞</h1><div>2016/03/01 10:00</div><p>內容段落，這是一段新聞內容，用來測試時區。</p>"
    got = extract_article(html, "", FETCHED, SiteProfile(id="t", timezone="Asia/Tokyo")).published
    assert got is not None
    assert got.utcoffset() == timedelta(hours=9)


def test_published_relative_date_uses_fetch_time():
    assert _article("3分钟前").published == datetime(2016, 3, 10, 11, 57, tzinfo=CN)
    assert _article("刚刚").published == datetime(2016, 3, 10, 12, 0, tzinfo=CN)
    assert _article("昨天 10:20").published == datetime(2016, 3, 9, 10, 20, tzinfo=CN)


def test_published_without_year_resolves_against_fetch_time():
    assert _article("03-08 10:30").published == datetime(2016, 3, 8, 10, 30, tzinfo=CN)
    # a month after the fetch month belongs to the previous year
    assert _article("12-20 10:30").published == datetime(2015, 12, 20, 10, 30, tzinfo=CN)


def test_published_from_meta_when_no_info_line():
    head = '<meta property="article:published_time" content="2015-07-06T04:18:38Z">'
    got = _article("", head=head).published
    assert got == datetime(2015, 7, 6, 12, 18, 38, tzinfo=CN)


def test_published_from_json_ld():
    head = (
        '<script type="application/ld+json">'
        '{"@type":"NewsArticle","datePublished":"2015-07-06T12:18:00+08:00"}</script>'
    )
    assert _article("", head=head).published == datetime(2015, 7, 6, 12, 18, tzinfo=CN)


def test_published_from_pubdate_meta():
    head = '<meta name="PubDate" content="2015-07-06 12:18">'
    assert _article("", head=head).published == datetime(2015, 7, 6, 12, 18, tzinfo=CN)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.gov.cn/art/2015/0706/123.html",
        "http://www.example.gov.cn/zwgk/201507/t20150706_123.html",
        "http://news.example.cn/2015-07/06/content_123.htm",
    ],
)
def test_published_from_url_as_last_resort(url):
    got = _article("", url=url).published
    assert got is not None
    assert got.date() == datetime(2015, 7, 6).date()


def test_published_prefers_date_line_over_sidebar_dates():
    html = """<html><body>
    <div class="side"><ul><li><a href="/1.html">旧闻一</a> 2014-01-02 08:00</li>
    <li><a href="/2.html">旧闻二</a> 2014-01-03 09:00</li></ul></div>
    <h1>本地新闻标题示例</h1><div class="info">2015-07-06 12:18 来源：示例日报</div>
    <div class="content"><p>正文第一段，介绍了事件的经过，内容足够长以便识别为正文。</p></div>
    <div class="related"><ul><li><a href="/3.html">相关一</a> 2016-01-01</li></ul></div>
    </body></html>"""
    got = extract_article(html, "", FETCHED).published
    assert got == datetime(2015, 7, 6, 12, 18, tzinfo=CN)


def test_published_update_time_is_not_preferred():
    got = _article("发布时间：2015-07-06 09:00 最后更新：2015-07-07 10:00").published
    assert got == datetime(2015, 7, 6, 9, 0, tzinfo=CN)


def test_published_missing_is_none():
    html = "<html><body><h1>没有日期的页面标题</h1><p>正文内容，没有任何日期信息。</p></body></html>"
    assert extract_article(html, "http://example.cn/about", FETCHED).published is None


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("2015-07-06 下午 3:11", datetime(2015, 7, 6, 15, 11, tzinfo=CN)),
        ("2015-07-06 03:11 PM", datetime(2015, 7, 6, 15, 11, tzinfo=CN)),
        ("2015-07-06 3:11 p.m.", datetime(2015, 7, 6, 15, 11, tzinfo=CN)),
        ("2015-07-06 12:05 AM", datetime(2015, 7, 6, 0, 5, tzinfo=CN)),
        ("2015-07-06 12:05 PM", datetime(2015, 7, 6, 12, 5, tzinfo=CN)),
        ("2015年7月6日 晚上8:30", datetime(2015, 7, 6, 20, 30, tzinfo=CN)),
        ("2015年7月6日 上午9:30", datetime(2015, 7, 6, 9, 30, tzinfo=CN)),
    ],
)
def test_published_twelve_hour_times(info, expected):
    assert _article(info).published == expected


def test_year_less_date_takes_the_urls_year():
    got = _article("07-06 12:18", url="http://news.example.cn/2014/0706/1.html").published
    assert got == datetime(2014, 7, 6, 12, 18, tzinfo=CN)


def test_year_less_date_takes_the_metadata_year():
    got = _article("7月6日 08:30", head='<meta name="publishdate" content="2014-07-06">').published
    assert got == datetime(2014, 7, 6, 8, 30, tzinfo=CN)


def test_year_less_day_without_time_in_a_short_info_line():
    assert _article("7月6日", url="http://news.example.cn/2015/0706/1.html").published == datetime(
        2015, 7, 6, tzinfo=CN)


def test_time_printed_in_the_next_element_without_a_space():
    got = _article('<span class="d">2015-07-06</span><span class="t">12:18</span>').published
    assert got == datetime(2015, 7, 6, 12, 18, tzinfo=CN)


def test_time_printed_in_the_next_block():
    got = _article('<div>2015年07月06日</div><div>08:05:30</div>').published
    assert got == datetime(2015, 7, 6, 8, 5, 30, tzinfo=CN)


def test_dated_teaser_list_under_the_headline_is_not_the_date():
    items = "".join(f"<li><a href='/n/{d}.html'>其他新闻标题第{d}条</a><span>2015-06-{d}</span></li>" for d in (28, 29))
    html = f"""<html><body><h1>市区新建三座口袋公园</h1><ul>{items}</ul>
    <div class="content"><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p></div>
    <div class="foot">发布日期：2015-07-05 17:40</div></body></html>"""
    assert extract_article(html, "", FETCHED).published == datetime(2015, 7, 5, 17, 40, tzinfo=CN)


def test_an_info_line_with_a_linked_source_is_still_the_info_line():
    got = _article('2015-07-06 08:18 <a href="http://paper.example.cn/">示例日报社</a>').published
    assert got == datetime(2015, 7, 6, 8, 18, tzinfo=CN)


def test_a_time_mentioned_in_prose_is_not_an_info_line():
    html = """<html><body><h1>飞船与空间站完成对接</h1><div class="info">2015-07-06</div><div class="content">
    <p>北京时间6月24日12时55分，在航天员的精准操控下，飞船与空间站顺利完成对接，这是一次重要的试验。</p>
    <p>此次试验验证了多项关键技术，为后续任务打下了坚实基础，参试人员表示十分振奋。</p></div></body></html>"""
    got = extract_article(html, "", FETCHED)
    assert got.body.startswith("北京时间6月24日12时55分")
