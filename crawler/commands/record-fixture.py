"""`scrapy record-fixture URL DIR`: fetch one live page and save it as a test fixture.

The same format as `newsarchive fixture save` (body.bin byte-exact, headers.json, meta.json with the fetch time,
expected.json from the current extractors); review expected.json before committing it.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response


class RecordFixtureSpider(scrapy.Spider):
    name = "record_fixture"
    custom_settings = {  # noqa: RUF012 - Scrapy's own class attribute
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {"crawler.extensions.RunRecorder": None},
        "HTTPERROR_ALLOW_ALL": True,
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, url: str, out: str, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url, self.out, self.site = url, Path(out), site
        self.saved: Path | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url, callback=self.save, dont_filter=True)

    def save(self, response: Response) -> None:
        from crawler.items import CaptureData
        from crawler.offline.fixtures import fixture_from_response
        from crawler.offline.reextract import profile_for

        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
        headers = {
            k.decode("latin-1"): b", ".join(v).decode("latin-1")
            for k, v in response.headers.items()
            if k.lower() not in (b"content-encoding", b"transfer-encoding", b"content-length")
        }
        received = CaptureData(response.url, response.url, response.status, headers, response.body, fetched_at)
        self.saved = fixture_from_response(self.out, received, profile_for(self.site) if self.site else None)
        self.logger.info("saved %s (%d bytes, status %d) to %s", response.url, len(response.body), response.status,
                         self.out)  # the command prints the one line a user sees


class Command(ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_LEVEL": "WARNING"}  # noqa: RUF012

    def syntax(self) -> str:
        return "[options] URL DIR"

    def short_desc(self) -> str:
        return "Fetch one page and save it as a test fixture (body bytes, headers, fetch time, expected.json)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--site", help="site profile id whose selectors/time zone the extraction uses")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 2:
            raise UsageError("give the page URL and the fixture directory")
        url, out = args
        assert self.crawler_process is not None  # scrapy.cmdline sets it before run
        crawler = self.crawler_process.create_crawler(RecordFixtureSpider)
        self.crawler_process.crawl(crawler, url=url, out=out, site=opts.site)
        self.crawler_process.start()
        spider = crawler.spider
        if not isinstance(spider, RecordFixtureSpider) or spider.saved is None:
            self.exitcode = 1
            print(f"record-fixture: could not fetch {url}")
        else:
            print(f"saved {url} to {spider.saved}")
