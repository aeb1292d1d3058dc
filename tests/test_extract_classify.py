"""page_kind: article vs list vs other."""

from __future__ import annotations

from parsel import Selector

from crawler.extract import page_kind

ARTICLE = """<html><body><h1>市区新建口袋公园</h1><div class="info">2019-01-01 10:00 来源：示例日报</div>
<div class="content"><p>今年以来，市园林部门在老城区见缝插绿，新建了三座口袋公园，方便市民就近休闲。
据介绍，这些公园面积不大，
但配备了座椅、步道和儿童游乐设施，受到周边居民欢迎。园林部门表示，下一步还将结合旧城改造，继续推进小微绿地建设，
让绿色融入城市，让市民推窗见绿、出门进园，切实提升城市宜居品质和市民的幸福感、获得感。</p></div></body></html>"""

LIST = "<html><body><ul>" + "".join(
    f'<li><a href="/2019/0101/{i}.html">本地新闻标题第{i}条示例</a> 2019-01-01</li>' for i in range(40)
) + "</ul></body></html>"


def test_article_by_content_and_url():
    assert page_kind(ARTICLE, "http://news.example.cn/2019/0101/123.html") == "article"
    assert page_kind(ARTICLE, "http://www.example.gov.cn/zwgk/201507/t20150706_123.html") == "article"


def test_list_page_of_many_short_links():
    assert page_kind(LIST, "http://news.example.cn/bd/index_2.html") == "list"
    assert page_kind(LIST, "http://news.example.cn/bd/") == "list"


def test_accepts_selector_and_bytes():
    assert page_kind(Selector(text=ARTICLE), "http://news.example.cn/a/content_123.htm") == "article"
    assert page_kind(ARTICLE.encode("utf-8"), "http://news.example.cn/a/content_123.htm") == "article"


def test_empty_page_is_other():
    assert page_kind("", "http://news.example.cn/about") == "other"
    assert page_kind(None, "") == "other"


NAV = "".join(f'<a href="/lm/{i}/index.html">栏目导航第{i}项</a>' for i in range(90))  # a portal's ~100 links


def _first_page(pager: str) -> str:
    """Page 1 of a four-page article: one short paragraph of the body, no date next to the headline."""
    return (f"<html><body><div class='nav'>{NAV}</div><h1>城东片区旧改项目全面启动</h1>"
            "<div class='content'><p>记者从城东街道获悉，片区改造项目日前正式开工，涉及居民四百余户。</p>"
            f"<p>街道成立了工作专班，逐户听取意见。</p></div><div class='pages'>{pager}</div></body></html>")


OWN_PAGER = (
    '<a href="5120.html">1</a><a href="5120_2.html">2</a><a href="5120_3.html">3</a><a href="5120_2.html">下一页</a>'
)


def test_page_one_of_a_multi_page_article_under_a_link_heavy_template_is_an_article():
    url = "http://news.example.cn/2016/0412/5120.html"
    assert page_kind(_first_page(OWN_PAGER), url) == "article"
    assert page_kind(_first_page(OWN_PAGER.replace("_", "-")), url) == "article"
    assert page_kind(_first_page(""), url) == "list"  # without its pager the same page reads like a list


def test_page_one_of_a_multi_page_article_beside_a_sidebar_of_dated_headlines_is_an_article():
    sidebar = "<ul>" + "".join(f'<li><a href="/2016/04{i:02}/{i}.html">要闻{i}</a> 2016-04-{i:02}</li>'
                               for i in range(1, 13)) + "</ul>"
    url = "http://news.example.cn/2016/0412/5120.html"
    assert page_kind(_first_page(OWN_PAGER).replace("</body>", f"{sidebar}</body>"), url) == "article"
    assert page_kind(_first_page("").replace("</body>", f"{sidebar}</body>"), url) == "list"
