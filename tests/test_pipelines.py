"""Pipelines: a non-article is dropped with a counted reason; an article is stored once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import DropItem
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.extract.types import Extracted
from crawler.items import ArticleItem, CaptureData
from pipelines.dedupe import DedupePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline
from storage.db import session_scope, shared_archive
from storage.query import Filters, search

FETCHED = datetime(2015, 7, 7, 2, 0, tzinfo=UTC)


class FakeCrawler:
    """Just what the pipelines use of a Scrapy crawler: settings and a stats collector."""

    def __init__(self, db_url: str) -> None:
        self.settings = Settings({"ARCHIVE_DB_URL": db_url})
        self.stats = MemoryStatsCollector(self)  # type: ignore[arg-type]
        self.spider = None


BUS_NEWS = "市交通运输局今天宣布，新开通三条公交线路，方便市民出行。线路途经火车站和市民中心。"


def article(url: str, title: str = "市区新增三条公交线路", body: str = BUS_NEWS) -> ArticleItem:
    capture = CaptureData(url, url, 200, {"Content-Type": "text/html"}, b"<html></html>", FETCHED)
    return ArticleItem(
        site="t", url=url, fetched_at=FETCHED, extracted=Extracted(url=url, title=title, body=body), captures=[capture]
    )


class Chain:
    """The pipelines of one crawl run, in settings order."""

    def __init__(self, crawler: FakeCrawler) -> None:
        self.crawler = crawler
        self.stages = [ValidatePipeline(crawler), NormalizePipeline(), DedupePipeline(crawler), StorePipeline(crawler)]

    def __call__(self, item: ArticleItem) -> ArticleItem:
        for stage in self.stages:
            item = stage.process_item(item)
        return item


@pytest.mark.parametrize(
    ("title", "body", "reason"),
    [("", "正文" * 50, "no_title"), ("标题", "太短了。", "short_body")],
)
def test_non_article_is_dropped_with_a_counted_reason(sqlite_url, title, body, reason):
    crawler = FakeCrawler(sqlite_url)
    with pytest.raises(DropItem, match=reason):
        Chain(crawler)(article("http://a.cn/1.html", title, body))
    assert crawler.stats.get_value(f"dropped/{reason}") == 1


def test_same_article_twice_is_stored_once(archive_url):
    run = Chain(FakeCrawler(archive_url))
    run(article("http://a.cn/1.html"))
    with pytest.raises(DropItem, match="duplicate_url"):
        run(article("http://a.cn/1.html?from=timeline"))
    assert run.crawler.stats.get_value("articles/new") == 1
    assert run.crawler.stats.get_value("dropped/duplicate_url") == 1


def test_archive_not_memory_answers_already_archived(archive_url):
    Chain(FakeCrawler(archive_url))(article("http://a.cn/1.html"))
    with pytest.raises(DropItem, match="already_archived"):
        Chain(FakeCrawler(archive_url))(article("http://a.cn/1.html"))
    with session_scope(shared_archive(archive_url)) as session:
        assert len(search(session, Filters())) == 1
