"""What Scrapy logs about items: a URL and a reason, never an item's repr (its body, its captured bytes).

Scrapy's LogFormatter writes every dropped item with its whole repr at WARNING, so a crawl's log grew by kilobytes
per page (raw bodies included) through the README's cron line. Here a dropped item is one DEBUG line with the
drop's reason and URL (the reason is also counted in the stats, `dropped/<reason>`), a scraped item one DEBUG line
with its URL, and an item that raised in a pipeline one ERROR line with its URL (the traceback follows as Scrapy
logs it).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


def _url(item: Any) -> str:
    return str(getattr(item, "url", None) or type(item).__name__)


class QuietLogFormatter(LogFormatter):
    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Dropped (%(reason)s)", "args": {"reason": str(exception)}}

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> LogFormatterResult:
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": _url(item)}}

    def item_error(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        return {"level": logging.ERROR, "msg": "Error storing %(url)s", "args": {"url": _url(item)}}
