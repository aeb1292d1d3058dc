"""Title, source, author, editor, body, images, rules: small hand-written pages."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import Contributor, Extracted, extract_article
from crawler.sites import SiteProfile

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)

PARAS = (
    "<p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。</p>"
    "<p>据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。</p>"
    "<p>园林部门表示，下一步还将结合旧城改造，继续推进小微绿地建设，让绿色融入城市。</p>"
)


def _page(
    info: str = "", extra: str = "", title_tag: str = "市区新建三座口袋公园_示例在线", h1: str = "市区新建三座口袋公园"
) -> str:
    return f"""<html><head><title>{title_tag}</title></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/bd/">本地新闻</a> <a href="/gn/">国内新闻</a></div>
    <h1>{h1}</h1><div class="info">{info}</div>
    <div id="content" class="content">{PARAS}{extra}</div>
    <div class="footer">关于我们 | 联系方式 | 版权所有 示例在线</div></body></html>"""


def _x(html: str, url: str = "http://news.example.cn/2019/0101/1.html", **kw) -> Extracted:
    return extract_article(html, url, FETCHED, **kw)


def test_title_is_headline_not_title_tag_with_site_suffix():
    assert _x(_page()).title == "市区新建三座口袋公园"


def test_title_falls_back_to_title_tag_first_part():
    html = f"<html><head><title>老城区口袋公园开放-新华示例网</title></head><body>{PARAS}</body></html>"
    assert _x(html).title == "老城区口袋公园开放"


def test_title_prefers_heading_followed_by_date_line():
    html = f"""<html><head><title>新闻动态--示例学会</title></head><body><h3>首页 - 新闻动态</h3>
    <h5>学术年会在本市成功举行</h5><div>发布时间：2019-05-18 来源：示例学会</div>{PARAS}</body></html>"""
    assert _x(html).title == "学术年会在本市成功举行"


def test_subtitle_kept_apart_from_title():
    html = _page(info="2019-01-01 10:00", extra="").replace(
        '<div class="info">', '<p>原标题：老城区变绿了</p><div class="info">'
    )
    got = _x(html)
    assert got.title == "市区新建三座口袋公园"
    assert got.subtitle == "老城区变绿了"
    assert "原标题" not in got.body


def test_source_stops_before_following_fields():
    got = _x(_page("2019-01-01 10:00 来源：嘉兴日报 作者：张三 编辑：李四"))
    assert got.source == "嘉兴日报"
    assert got.author == ["张三"]
    assert got.editor == ["李四"]


def test_source_label_with_nothing_after_is_empty_string():
    got = _x(_page("2015-07-06 12:18:38 &nbsp; 来源: &nbsp; 今日浏量:"))
    assert got.source == ""


def test_source_is_none_without_label():
    assert _x(_page("2015-07-06 12:18:38")).source is None


def test_source_variants():
    for label in ("稿源：", "出处：", "信息来源：", "来源于：", "稿件来源： "):
        assert _x(_page(f"2019-01-01 {label}示例晚报")).source == "示例晚报", label


def test_source_from_trs_meta():
    html = _page("2019-01-01").replace("<head>", '<head><meta name="ContentSource" content="省政府办公厅">')
    assert _x(html).source == "省政府办公厅"


def test_author_forms_and_staff_codes_removed():
    got = _x(_page("2019-01-01 记者 王小明 通讯员 李华"))
    assert got.author == ["王小明"]
    assert got.contributors == [Contributor("李华", "correspondent")]
    assert _x(_page("2019-01-01", extra="<p>（责任编辑：赵六_NT1234）</p>")).editor == ["赵六"]
    got = _x(_page("2019-01-01", extra="<p>文/张三</p>"))
    assert got.author == ["张三"]


def test_author_from_dateline():
    extra = ""
    html = _page("2019-01-01").replace(
        "<p>今年以来", "<p>新华社北京1月1日电（记者王明）今年以来"
    ) + extra
    assert _x(html).author == ["王明"]


def test_editor_labels():
    got = _x(_page("2019-01-01", extra="<p>(责编：汤一、丁二)</p>"))
    assert got.editor == ["汤一", "丁二"]
    assert "责编" not in got.body


def test_body_in_order_without_chrome():
    extra = """<div class="share">分享到：微信 微博</div><p>相关热词搜索：<a href="/t/1">公园</a></p>
    <p>上一篇：<a href="/p.html">旧闻</a></p><p>下一篇：没有了</p>"""
    got = _x(_page("2019-01-01 10:00 来源：示例日报", extra=extra))
    lines = got.body.split("\n")
    assert lines[0].startswith("今年以来")
    assert lines[-1].startswith("园林部门表示")
    for junk in ("分享到", "相关热词", "上一篇", "下一篇", "来源", "关于我们", "市区新建三座口袋公园"):
        assert junk not in got.body
    assert got.rules["body"] in ("density", "known+density")


def test_images_resolved_with_caption():
    extra = '<figure><img src="/img/a.jpg" alt="公园一角"><figcaption>新建的口袋公园一角</figcaption></figure>'
    got = _x(_page("2019-01-01", extra=extra))
    assert got.images
    assert got.images[0].src == "http://news.example.cn/img/a.jpg"
    assert got.images[0].caption == "新建的口袋公园一角"


def test_rules_record_each_field():
    got = _x(_page("2019-01-01 10:00 来源：示例日报"))
    assert got.rules["title"] == "h1"
    assert got.rules["published"] == "info-line"
    assert got.rules["source"] == "label"


def test_profile_selectors_override_generic_rules():
    html = _page("2019-01-01").replace('<div class="info">', '<div class="special">特别标题</div><div class="info">')
    profile = SiteProfile(id="x", selectors={"title": "div.special", "body": "//div[@id='content']"})
    got = _x(html, profile=profile)
    assert got.title == "特别标题"
    assert got.rules["title"] == "profile"
    assert got.body.startswith("今年以来")


def test_bytes_input_is_decoded():
    raw = _page("2019-01-01 来源：示例日报").replace("<head>", '<head><meta charset="gbk">').encode("gbk")
    got = _x(raw)
    assert got.title == "市区新建三座口袋公园"
    assert got.source == "示例日报"


def test_gbk_page_with_wrong_utf8_label():
    raw = _page("2019-01-01").replace("<head>", '<head><meta charset="utf-8">').encode("gbk")
    got = extract_article(raw, "", FETCHED, encoding="utf-8")
    assert got.title == "市区新建三座口袋公园"
    assert "口袋公园" in got.body


def test_malformed_html_still_extracts():
    html = (
        "<html><body><h1>标题未闭合的页面<div class=info>2019-01-01 10:00"
        "<p>第一段内容，标签没有闭合，但仍然是正文。<p>第二段内容，同样没有闭合。"
    )
    got = _x(html)
    assert got.published is not None
    assert "第一段内容" in got.body


def test_empty_and_junk_input_never_raise():
    for html in ("", b"", "<<<>>>", b"\x00\xff\xfe", "<html>", "纯文本没有标签"):
        got = extract_article(html, "", FETCHED)
        assert isinstance(got, Extracted)


def test_source_keeps_words_that_are_not_labels():
    assert _x(_page("2019-01-01 10:00 来源：示例发布 发布时间：2019-01-01")).source == "示例发布"


def test_source_after_relative_time_without_space():
    html = _page('<span class="t">3分钟前</span><span class="s">来源：示例发布</span>')
    assert _x(html).source == "示例发布"


def test_editor_glued_to_next_label():
    got = _x(_page(extra='<div class="foot"><span>责任编辑：王敏</span><span>更新时间：2019-01-02 09:00</span></div>'))
    assert got.editor == ["王敏"]


def test_info_span_inside_h1_not_in_title():
    html = _page(h1='市区新建三座口袋公园<br /><span>2019-01-01 10:00 来源： 浏览：</span>')
    assert _x(html).title == "市区新建三座口袋公园"


def test_page_tool_lines_and_subtitle_not_in_body():
    html = _page(info="2019-01-01 10:00", extra="<p>【打印本页】 【关闭窗口】</p><p>【收藏】【打印】【关闭】</p>")
    html = html.replace('<div class="info">', '<div class="subtitle">——老城区变绿了</div><div class="info">')
    got = _x(html)
    assert got.subtitle == "老城区变绿了"
    assert "打印" not in got.body
    assert "老城区变绿了" not in got.body


def test_bracketed_page_tool_is_not_an_author():
    assert _x(_page("发布时间：2019-01-01 10:00　　来源：市水利局　　【<a href='#'>字体</a>】")).author == []


def test_correspondents_are_contributors_not_authors():
    got = _x(_page("2019-01-01 10:00 记者 张三 通讯员 李四"))
    assert got.author == ["张三"]
    assert got.contributors == [Contributor("李四", "correspondent")]
