"""FleetAddon: with NEWSARCHIVE_REDIS_URL set (environment, `-s`, or a Scrapyd `setting=`), crawl as a fleet worker.

An add-on rather than an `if` in settings.py, because add-ons run after every setting is known: a Redis URL
given on the command line or by Scrapyd switches the scheduler, middlewares and extensions just as the
environment does. Without it, nothing changes and the crawl is a single process's.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.throttle import AutoThrottle
from scrapy.settings import BaseSettings

from crawler.fleet.politeness import FleetAutoThrottle, FleetPolitenessMiddleware
from crawler.fleet.tracking import LeaseOutputMiddleware

#: outermost spider middleware (StartSpiderMiddleware is 25): it must see exactly what reaches the scraper
LEASE_OUTPUT_ORDER = 5
#: last downloader middleware before the download (after HttpCache 900 and replay 950)
POLITENESS_ORDER = 960


class FleetAddon:
    """Switch a crawl to the shared frontier and fleet-wide politeness when a Redis URL is configured."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetAddon:
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("NEWSARCHIVE_REDIS_URL")
        if not url:
            return
        # "project" priority: these replace settings.py's single-process choices, not a command line's
        settings.set("REDIS_URL", url, priority="project")
        settings.set("SCHEDULER", "crawler.fleet.scheduler.FleetScheduler", priority="project")
        # scrapy-redis's fingerprints; the scheduler keeps them in the run's own seen-set
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="project")
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", LeaseOutputMiddleware, LEASE_OUTPUT_ORDER)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", FleetPolitenessMiddleware, POLITENESS_ORDER)
        # AutoThrottle adapts the fleet's shared delay instead of each process's own
        settings.set_in_component_priority_dict("EXTENSIONS", AutoThrottle, None)
        settings.set_in_component_priority_dict("EXTENSIONS", FleetAutoThrottle, 0)
