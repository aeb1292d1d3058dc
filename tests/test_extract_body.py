"""The body cascade: a chosen block is checked against the page; a collapsed one gives way to the next strategy."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import extract_article

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
URL = "http://news.example.cn/2019/0101/1.html"
ARTICLE = [
    "今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。",
    "据介绍，这些公园面积不大，但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。",
    "园林部门表示，下一步还将结合旧城改造，继续推进小微绿地建设，让绿色融入城市。",
    "不少市民说，以前想散散步得走很远，现在下楼就有好去处，生活更方便了。",
]
PROMO = ("<div class='wx'><p>扫码关注“示例发布”微信公众号，第一时间获取本地权威资讯，"
         "参与互动还能赢取精美礼品！</p></div>")
LINKS = "".join(f"<li><a href='/n/{i}.html'>本地新闻标题示例第{i}条</a></li>" for i in range(30))


def _page(wrapper_open: str, wrapper_close: str, extra: str = PROMO) -> str:
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE)
    return f"""<html><head><title>口袋公园开放_示例在线</title></head><body>
    <div class="nav"><ul>{LINKS}</ul></div>
    <h1>口袋公园开放</h1><div class="info">2019-01-01 10:00</div>
    {wrapper_open}{paras}{wrapper_close}{extra}
    <div class="links"><ul>{LINKS}</ul></div></body></html>"""


def test_plain_container_is_found_by_density():
    got = extract_article(_page("<div class='content'>", "</div>"), URL, FETCHED)
    assert got.body.split("\n") == ARTICLE
    assert got.rules["body"] in ("density", "known+density")


def test_article_in_a_chrome_looking_wrapper_beats_a_promo_line():
    for wrapper in ("<div class='main-side'>", "<div id='print_area'>", "<div id='shareContent'>",
                    "<div class='hot-article'>", "<div class='left_side'><div class='txt'>"):
        close = "</div>" * wrapper.count("<div")
        got = extract_article(_page(wrapper, close), URL, FETCHED)
        assert got.body.split("\n") == ARTICLE, wrapper
        assert got.rules["body"] in ("relaxed-density", "prose-run", "prose-lines"), wrapper


def test_an_empty_density_result_falls_back_to_the_prose_run():
    got = extract_article(_page("<div class='share-box'>", "</div>", extra=""), URL, FETCHED)
    assert got.body.split("\n") == ARTICLE
    assert got.rules["body"] == "prose-run"


def test_a_teaser_after_the_article_stays_out_of_the_fallback_block():
    teaser = ("<div class='next'><div class='box'><p>明日本报将推出系列报道第二篇，讲述老城区居民的新生活，"
              "敬请关注。</p></div></div>")
    got = extract_article(_page("<div id='print_area'><div class='inner'>", "</div></div>", extra=teaser), URL,
                          FETCHED)
    assert got.body.split("\n") == ARTICLE


def test_comment_rules_in_chrome_do_not_replace_a_short_article():
    rules = "".join(f"<li>请遵守互联网相关规定，文明发言，第{i}条留言规则的内容较长，违者删除，谢谢合作。</li>"
                    for i in range(8))
    paras = f"<p>{ARTICLE[0]}</p><p>{ARTICLE[1]}</p>"
    html = f"""<html><body><h1>口袋公园开放</h1><div class="info">2019-01-01 10:00</div>
    <div class="content">{paras}</div>{"<div class='filler'></div>" * 20}
    <section class="comments"><div class="comment-rules"><ul>{rules}</ul></div></section></body></html>"""
    got = extract_article(html, URL, FETCHED)
    assert got.body.split("\n") == ARTICLE[:2]


def test_promo_lines_are_not_body_text():
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE) + "<p>关注示例在线微信公众号，看更多新闻</p>"
    got = extract_article(_page("<div class='content'>", "</div>", extra="").replace(
        "".join(f"<p>{p}</p>" for p in ARTICLE), paras), URL, FETCHED)
    assert got.body.split("\n") == ARTICLE


def test_a_long_credit_line_is_not_body_text():
    credit = "<p>本报记者 张晓明、李丽华、王建国、赵明远、刘思远、陈静怡、杨帆 通讯员 何一平 吴可</p>"
    got = extract_article(_page("<div class='content'>" + credit, "</div>"), URL, FETCHED)
    assert got.body.split("\n") == ARTICLE


def test_a_prose_notice_above_the_headline_is_not_the_article():
    notice = ("<header><div class='lang-bar'><p>本网站使用浏览器缓存技术改善您的浏览体验，"
              "继续浏览即表示您同意我们的隐私政策，您也可以随时在设置中更改，详情请阅读网站说明。</p>"
              "<p>本网所刊载的文字、图片与影音内容，均受著作权法保护，未经授权不得转载，违者必究，"
              "如需授权请与本网联系。</p></div></header>")
    paras = f"<p>{ARTICLE[0]}</p><p>{ARTICLE[1]}</p>"
    html = f"""<html><body>{notice}<h1>口袋公园开放</h1><div class="info">2019-01-01 10:00</div>
    <article><div class="paragraph">{paras}</div></article></body></html>"""
    got = extract_article(html, URL, FETCHED)
    assert got.body.split("\n") == ARTICLE[:2]
