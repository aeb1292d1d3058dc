"""How Scrapy's item messages read in a crawl's log: one short line each, never an item's repr.

Scrapy's LogFormatter writes the whole item after "Dropped:" and "Error processing": an ArticleItem holds its
pages' bodies, so `newsarchive demo` logged 165 KB of bytes for its dropped list pages, and a crawl's log grew by
kilobytes per page through the README's cron line. Here a dropped item is one line with the reason and the URL
(pipelines.validate.drop words it; the reason is also counted, `dropped/<reason>`) at DEFAULT_DROPITEM_LOG_LEVEL
(DEBUG in crawler/settings.py: at INFO a crawl says at most one line per stored article), a scraped item one DEBUG
line with its URL, and an item that raised in a pipeline one ERROR line naming it (Scrapy's traceback follows).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


def item_ref(item: Any) -> str:
    """An item as a log line names it: its type and URL."""
    url = getattr(item, "url", None)
    return f"{type(item).__name__}({url})" if url else type(item).__name__


class ArchiveLogFormatter(LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        return {**result, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Scraped %(item)s", "args": {"item": item_ref(item)}}

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        return {**result, "args": {**dict(result.get("args") or {}), "item": item_ref(item)}}
