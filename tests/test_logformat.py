"""Crawl logs name an item by URL and reason, never by repr: a dropped item is one DEBUG line without its body."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Spider

from crawler.extract.types import Extracted
from crawler.items import ArticleItem, CaptureData
from crawler.logformat import ArchiveLogFormatter
from pipelines.validate import drop

URL = "http://news.example.cn/2019/0101/1.html"
BODY = "这是一段很长的正文。" * 500


def item() -> ArticleItem:
    at = datetime(2019, 1, 1, tzinfo=UTC)
    capture = CaptureData(URL, URL, 200, {}, BODY.encode("utf-8"), at)
    return ArticleItem("t", URL, at, Extracted(url=URL, title="标题", body=BODY), [capture])


def line(result: dict) -> str:
    return result["msg"] % result["args"]


def test_a_dropped_item_is_one_debug_line_with_reason_and_url_and_no_body():
    from scrapy.utils.test import get_crawler

    from crawler import settings

    spider = Spider("s")
    spider.crawler = get_crawler(settings_dict={"DEFAULT_DROPITEM_LOG_LEVEL": settings.DEFAULT_DROPITEM_LOG_LEVEL})
    result = ArchiveLogFormatter().dropped(item(), drop(None, "short_body", URL), None, spider)
    assert result["level"] == logging.DEBUG
    assert line(result) == f"Dropped: short_body: {URL}"


def test_scraped_and_failed_items_are_named_by_url_only():
    formatter = ArchiveLogFormatter()
    scraped = formatter.scraped(item(), None, Spider("s"))
    failed = formatter.item_error(item(), ValueError("x"), None, Spider("s"))
    assert (scraped["level"], line(scraped)) == (logging.DEBUG, f"Scraped ArticleItem({URL})")
    assert failed["level"] == logging.ERROR
    assert line(failed) == f"Error processing ArticleItem({URL})"
    assert all("正文" not in line(r) for r in (scraped, failed))


def test_the_crawl_settings_use_it():
    from crawler import settings

    assert settings.LOG_FORMATTER == "crawler.logformat.ArchiveLogFormatter"
