"""Canonical URLs and text cleaning decide what counts as "the same article"."""

from __future__ import annotations

import pytest

from crawler.urls import canonical_url, content_digest, followable, is_trap, registered_domain
from pipelines.normalize import clean_text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://News.Example.cn:80/a/1.html?from=timeline", "http://news.example.cn/a/1.html"),
        ("http://news.example.cn/a/1.html?utm_source=x&id=3#top", "http://news.example.cn/a/1.html?id=3"),
        ("https://news.example.cn:443/a/index.html", "https://news.example.cn/a/"),
        ("http://news.example.cn/a/1.html?spm=a.b.c&page=2", "http://news.example.cn/a/1.html?page=2"),
        ("http://127.0.0.1:8000/x.html", "http://127.0.0.1:8000/x.html"),
    ],
)
def test_canonical_url_drops_tracking_params_default_ports_and_index_pages(url, expected):
    assert canonical_url(url) == expected


def test_clean_text_collapses_full_width_blanks_and_blank_lines():
    assert clean_text("\u3000\u3000第一段。 \n\n\n  第二段\u00a0\u00a0结束。 ") == "第一段。\n第二段 结束。"


def test_content_digest_ignores_whitespace_only_differences():
    assert content_digest("第一段。\n第二段。") == content_digest("第一段。 第二段。\n")
    assert content_digest("第一段。") != content_digest("第二段。")


def test_registered_domain_groups_subdomains_of_one_site():
    assert registered_domain("http://news.jiahe.gov.cn/a.html") == registered_domain("http://www.jiahe.gov.cn/")
    assert registered_domain("http://127.0.0.1:8080/") == "127.0.0.1"


@pytest.mark.parametrize(
    "url",
    [
        "http://www.jiahe.cn/search?q=平安&page=9",
        "http://www.jiahe.cn/calendar/2015-07.html",
        "http://www.jiahe.cn/a/1.html?print=1",
        "http://www.jiahe.cn/member/login.php",
        "http://www.jiahe.cn/plus/stow.php?aid=1207",
        "http://www.jiahe.cn/list.php?a=1&b=2&c=3&d=4",
        "http://www.jiahe.cn/" + "x/" * 200,
    ],
)
def test_url_traps_are_not_followed(url):
    assert is_trap(url)
    assert not followable(url, frozenset({"jiahe.cn"}))


def test_pagination_and_articles_on_other_subdomains_are_followed():
    domains = frozenset({"jiahe.cn"})
    assert followable("http://news.jiahe.cn/list_3_2.html", domains)
    assert followable("http://www.jiahe.cn/list.php?catid=3&page=2", domains)
    assert followable("http://www.jiahe.cn/plus/view.php?aid=1207", domains)
    assert not followable("http://www.other.cn/a/1.html", domains)
    assert not followable("http://www.jiahe.cn/uploads/photo.jpg", domains)
