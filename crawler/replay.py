"""Replay a crawl offline: a downloader middleware that answers every request from a WARC file or fixture directory.

    scrapy crawl news -a site=demo -s REPLAY_FROM=crawl.warc.gz
    scrapy crawl news -a start_url=http://… -s REPLAY_FROM=tests/fixtures/pages

The real spider and pipelines run; nothing touches the network. A URL the source does not hold answers 404 (counted
as `replay/missing`), robots.txt included. A capture whose requested URL differs from its final URL answers the
request with a 302 to the final URL, so the redirect middleware sees what it saw live. Each response carries the
capture's fetch time in `response.meta["fetched_at"]`, the "now" for relative dates. Matching is by exact URL,
then by the archive's scheme-less canonical key (tracking parameters, index.html, http/https folded).

A replay that answers no request from its source (an empty file, or one of another site) says so in one line and
the crawl command exits with status 1 (`NOTHING_REPLAYED`), instead of a quiet crawl of nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from crawler.items import CaptureData
from crawler.urls import url_key

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
#: replays of this process that found nothing to replay (REPLAY_FROM paths): crawler.commands.crawl exits 1
NOTHING_REPLAYED: list[str] = []


class ReplaySource:
    """CaptureData responses by URL, loaded from a WARC file or a directory of saved-page fixtures."""

    def __init__(self, entries: list[CaptureData]) -> None:
        self.by_url: dict[str, CaptureData] = {}
        self.by_key: dict[str, CaptureData] = {}
        for entry in sorted(entries, key=lambda e: e.fetched_at):  # a later capture of a URL wins
            self.by_url[entry.url] = entry
            self.by_key[url_key(entry.url)] = entry

    def __len__(self) -> int:
        return len(self.by_url)

    def get(self, url: str) -> CaptureData | None:
        return self.by_url.get(url) or self.by_key.get(url_key(url))

    @classmethod
    def load(cls, path: str | Path) -> ReplaySource:
        path = Path(path)
        if path.is_dir():
            return cls(list(_from_fixtures(path)))
        if path.is_file():
            return cls(list(_from_warc(path)))
        raise FileNotFoundError(f"REPLAY_FROM: no such file or directory: {path}")


def _from_fixtures(root: Path) -> Iterator[CaptureData]:
    for meta_path in sorted(root.rglob("meta.json")):
        case = meta_path.parent
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        headers_path = case / "headers.json"
        headers = json.loads(headers_path.read_text(encoding="utf-8")) if headers_path.exists() else {}
        url, fetched_at = meta["url"], datetime.fromisoformat(meta["fetched_at"])
        status = int(meta.get("status", 200))
        yield CaptureData(url, url, status, headers, (case / "body.bin").read_bytes(), fetched_at)


def _from_warc(path: Path) -> Iterator[CaptureData]:
    from storage.warc import read_captures

    for wc in read_captures(path):
        cap = wc.capture
        yield replace(cap, url=cap.final_url)  # the answer at the final URL
        if cap.url != cap.final_url:  # and a redirect to it from the URL requested
            yield replace(cap, status=302, headers={"Location": cap.final_url}, body=b"")


@dataclass
class ReplayMiddleware:
    """Enabled by the REPLAY_FROM setting (a .warc/.warc.gz file or a fixture directory)."""

    source: ReplaySource
    stats: StatsCollector

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReplayMiddleware:
        path = crawler.settings.get("REPLAY_FROM")
        if not path:
            raise NotConfigured  # no message: Scrapy logs "Disabled …: message" as a WARNING on every crawl
        source = ReplaySource.load(path)
        crawler.stats.set_value("replay/recorded", len(source))
        mw = cls(source, crawler.stats)
        mw.path = str(path)
        from scrapy import signals

        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    path: str = ""

    def spider_closed(self, spider: object) -> None:
        if not self.stats.get_value("replay/responses"):
            logger.error("replay: nothing to replay from %s (%d recorded responses, none asked for by this crawl)",
                         self.path, len(self.source))
            NOTHING_REPLAYED.append(self.path)

    def process_request(self, request: Request) -> Response:
        entry = self.source.get(request.url)
        if entry is None:
            self.stats.inc_value("replay/missing")
            return Response(request.url, status=404, body=b"", request=request, flags=["replay"])
        self.stats.inc_value("replay/responses")
        request.meta["fetched_at"] = entry.fetched_at
        headers = Headers({k: v for k, v in entry.headers.items() if k.lower() not in _DROP_HEADERS})
        cls = responsetypes.from_args(headers=headers, url=request.url, body=entry.body)
        return cls(
            url=request.url, status=entry.status, headers=headers, body=entry.body, request=request, flags=["replay"]
        )
