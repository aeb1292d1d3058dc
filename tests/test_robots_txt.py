"""robots.txt is obeyed by every request, also those that arrive together while it is still being fetched.

Fleet workers sometimes stored the test site's robots-disallowed /private/secret.html: a worker that joins a run
starts with a batch of queued requests, all waiting for its robots.txt, and Scrapy's RobotsTxtMiddleware let every
waiter but the first through unchecked. Reproduced here without a fleet: a disallowed request that arrives while
another request's robots.txt download is under way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import RobotsTxtMiddleware

SITE = "http://www.qinghe.cn"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


class SlowRobotsEngine:
    """Answers the robots.txt download once the test lets it (`answer`), like a site that is slow to."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answer = asyncio.Event()

    async def download_async(self, request: Request) -> TextResponse:
        self.asked.append(request.url)
        await self.answer.wait()
        return TextResponse(request.url, body=ROBOTS, request=request)


def checked_together(cls: type[ScrapyRobotsTxtMiddleware], paths: list[str]) -> dict[str, str]:
    """path -> "allowed" or "forbidden", for requests that all reach the middleware before robots.txt is in."""
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    engine = SlowRobotsEngine()
    crawler.engine = engine  # type: ignore[assignment]
    mw = cls.from_crawler(crawler)

    async def check(path: str) -> str:
        try:
            await mw.process_request(Request(SITE + path))
        except IgnoreRequest:
            return "forbidden"
        return "allowed"

    async def run() -> list[Any]:
        checks = [asyncio.ensure_future(check(p)) for p in paths]
        await asyncio.sleep(0.01)  # every request is waiting for robots.txt now
        assert engine.asked == [SITE + "/robots.txt"], "one robots.txt download for all of them"
        engine.answer.set()
        return list(await asyncio.gather(*checks))

    return dict(zip(paths, asyncio.run(run()), strict=True))


PATHS = ["/", "/2015/0710/888.html", "/private/secret.html", "/private/other.html"]


def test_every_request_waiting_for_robots_txt_is_checked_against_it() -> None:
    assert checked_together(RobotsTxtMiddleware, PATHS) == {
        "/": "allowed",
        "/2015/0710/888.html": "allowed",
        "/private/secret.html": "forbidden",
        "/private/other.html": "forbidden",
    }


def test_scrapys_own_middleware_still_lets_the_later_waiters_through() -> None:
    """The bug this project's middleware replaces: if Scrapy fixes it, this fails and ours can go."""
    found = checked_together(ScrapyRobotsTxtMiddleware, PATHS)
    if found["/private/secret.html"] == "forbidden":
        pytest.fail("Scrapy checks every waiter now: crawler.middlewares.RobotsTxtMiddleware is no longer needed")
    assert found["/private/other.html"] == "allowed"


def test_the_crawl_uses_this_projects_robots_txt_middleware() -> None:
    from scrapy.utils.project import get_project_settings

    mws = get_project_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert mws.get("crawler.middlewares.RobotsTxtMiddleware") == 100
    assert mws.get("scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware", "absent") is None
