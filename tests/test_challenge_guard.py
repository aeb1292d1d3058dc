"""ChallengeGuard: this many challenge pages in a row close the crawl; 0 turns the guard off."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extensions import ChallengeGuard
from crawler.verdicts import Verdict, page_judged

WALL = Verdict("challenge", "http_521")
PAGE = Verdict("article")


class FakeEngine:
    def __init__(self) -> None:
        self.closed: list[str] = []

    async def close_spider_async(self, *, reason: str = "cancelled") -> None:
        self.closed.append(reason)


def guard(limit: int) -> tuple[ChallengeGuard, FakeEngine]:
    crawler = get_crawler(settings_dict={"NEWSARCHIVE_MAX_CHALLENGES": limit})
    engine = FakeEngine()
    crawler.engine = engine  # type: ignore[assignment]
    return ChallengeGuard.from_crawler(crawler), engine


def judged(g: ChallengeGuard, *verdicts: Verdict) -> None:
    """Send the verdicts as the spider does, inside an event loop (as in a crawl), and let the loop run."""

    async def send() -> None:
        for v in verdicts:
            for _handler, result in g.crawler.signals.send_catch_log(page_judged, verdict=v, url="http://x.cn/"):
                assert result is None, result  # a handler that raised would be logged, not seen here
        await asyncio.sleep(0)

    asyncio.run(send())


def test_limit_challenges_in_a_row_close_the_crawl_as_challenged() -> None:
    g, engine = guard(3)
    judged(g, WALL, WALL)
    assert engine.closed == []
    judged(g, WALL)
    assert engine.closed == ["challenged"]
    judged(g, WALL, WALL)
    assert engine.closed == ["challenged"]  # asked to close once


def test_a_page_between_challenges_resets_the_count() -> None:
    g, engine = guard(3)
    judged(g, WALL, WALL, PAGE, WALL, WALL, Verdict("error", "404"), WALL, WALL)
    assert engine.closed == []
    judged(g, WALL)
    assert engine.closed == ["challenged"]


def test_zero_turns_the_guard_off() -> None:
    with pytest.raises(NotConfigured):
        guard(0)
