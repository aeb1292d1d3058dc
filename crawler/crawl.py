"""Run the news spider in this process (used by `newsarchive demo` and the end-to-end tests)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.spiders.news import NewsSpider
from storage.db import archive_for_writing

#: loopback sites need no politeness: these lift the delays that protect real servers
LOOPBACK_OVERRIDES: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}


def run_crawl(
    db_url: str,
    spider_kwargs: dict[str, Any],
    settings: dict[str, Any] | None = None,
    watch: Callable[[Crawler], None] | None = None,
) -> dict[str, Any]:
    """Crawl into the archive at db_url and return Scrapy's final stats. Blocks until the crawl ends; `watch` is
    called with the crawler before it starts (to connect to its signals: the demo's progress line).

    The archive is made ready first (its schema created when empty), so an archive at an older schema stops the
    crawl before anything is fetched (storage.db.SchemaMismatch).
    """
    archive_for_writing(db_url)
    # Wherever it runs from (the demo runs in any directory, with no scrapy.cfg), use this project's settings.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    project = get_project_settings()
    project.set("ARCHIVE_DB_URL", db_url, priority="cmdline")
    for key, value in (settings or {}).items():
        project.set(key, value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(NewsSpider)
    if watch is not None:
        watch(crawler)
    process.crawl(crawler, **spider_kwargs)
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}
