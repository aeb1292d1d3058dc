"""Drop pages that are not articles, always with a counted reason (stats `dropped/<reason>`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

MIN_BODY_CHARS = 40


def drop(crawler: Crawler | None, reason: str, detail: str) -> DropItem:
    """Count the reason in the crawl stats and build the DropItem that says it."""
    if crawler is not None:
        crawler.stats.inc_value(f"dropped/{reason}")
    return DropItem(f"{reason}: {detail}")


def rejection(item: ArticleItem) -> str | None:
    """Why this item is not an article worth archiving, or None when it is."""
    ex = item.extracted
    if not ex.title.strip():
        return "no_title"
    if len(ex.body.strip()) < MIN_BODY_CHARS:
        return "short_body"
    return None


class ValidatePipeline:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        reason = rejection(item)
        if reason:
            raise drop(self.crawler, reason, item.url)
        return item
