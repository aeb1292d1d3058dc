"""What a worker does when Redis goes away mid-crawl: one line, and it stops; Redis keeps what it held."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

#: the spider's close reason when the fleet's Redis stopped answering
REASON = "redis_unavailable"
#: crawler attribute set once the worker is stopping for it (so nothing is acknowledged any more)
_FLAG = "_fleet_redis_lost"


def redis_lost(crawler: Any, exc: Exception) -> None:
    """Stop the crawl once, with one line. Leased requests stay leased in Redis: a later worker redoes them."""
    if getattr(crawler, _FLAG, False):
        return
    setattr(crawler, _FLAG, True)
    logger.error("fleet: Redis stopped answering (%s); this worker stops, its leased requests stay queued", exc)
    engine = getattr(crawler, "engine", None)
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=REASON))


def is_lost(crawler: Any) -> bool:
    return bool(getattr(crawler, _FLAG, False))
