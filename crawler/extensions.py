"""Crawl-wide watchers: the run record (`newsarchive runs` lists them), the guard against challenge walls and the
guard of a JOBDIR against a queue a killed run left behind."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.job import job_dir
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import Deferred

from crawler.verdicts import Verdict, page_judged
from storage.db import archive_for_settings, session_scope
from storage.repository import finish_run, start_run

logger = logging.getLogger(__name__)


def run_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """The counters a run record keeps, from Scrapy's stats."""
    statuses = {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    return {
        "mode": stats.get("crawl/mode", ""),
        "pages_fetched": stats.get("response_received_count", 0),
        "pages": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("pages/") and k.count("/") == 1},
        "articles_new": stats.get("articles/new", 0),
        "articles_updated": stats.get("articles/updated", 0),
        "articles_unchanged": stats.get("articles/unchanged", 0),
        "articles_duplicate": stats.get("dropped/duplicate_url", 0) + stats.get("dropped/already_archived", 0),
        "dropped": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("dropped/")},
        "http_errors": {code: n for code, n in statuses.items() if code.isdigit() and int(code) >= 400},
        "exceptions": stats.get("downloader/exception_count", 0),
        "challenges": stats.get("pages/challenge", 0),
        "soft_404": stats.get("pages/soft_404", 0),
        "articles_refetched": stats.get("articles/refetched", 0),
        "articles_partial": stats.get("articles/partial", 0),
        "articles_withdrawn": stats.get("articles/withdrawn", 0),
        "pagination_stopped": stats.get("discovery/pagination_stopped", 0),
        "fleet_run": stats.get("fleet/run"),
        "offsite_filtered": stats.get("offsite/filtered", 0),
        "bomb_ignored": stats.get("discovery/bomb_ignored", 0) + stats.get("httpcompression/bomb_ignored", 0),
        "redirect_loops": stats.get("redirect/loop", 0),
        "unsaved": stats.get("archive/unsaved", 0),
        "archive_stalled_seconds": round(stats.get("archive/stalled_seconds", 0.0), 1),
    }


#: finish reasons of a run that did what it was asked (a closespider limit is asked for; a fleet run named to resume
#: had already finished: nothing was left to do); anything else exits 1
COMPLETE_REASONS = frozenset({"finished", "closespider_itemcount", "closespider_pagecount", "closespider_timeout",
                              "closespider_errorcount", "closespider_timeout_no_item", "run_finished"})


def crawl_summary(stats: dict[str, Any]) -> tuple[str, bool]:
    """The one line a crawl ends with, and whether it succeeded: it did not, when an article it fetched was not
    stored, the run was interrupted (Ctrl-C: resume it) or stopped by the site (challenge walls)."""
    s = run_summary(stats)
    reason = str(stats.get("finish_reason", "unknown"))
    dropped = sum(s["dropped"].values())
    line = (
        f"crawl {reason}: {s['pages_fetched']} pages, {s['articles_new']} new articles, {s['articles_updated']} "
        f"updated, {dropped} dropped, {s['exceptions']} download errors"
    )
    extras = [f"{s[k]} {label}" for k, label in (("bomb_ignored", "bombs ignored"), ("redirect_loops",
              "redirect loops dropped"), ("offsite_filtered", "off-site requests filtered"),
              ("articles_partial", "partial articles")) if s[k]]
    if extras:
        line += ", " + ", ".join(extras)
    problems = []
    if s["unsaved"]:
        problems.append(f"{s['unsaved']} articles NOT stored (the archive was unavailable): run the crawl again")
    if stats.get("archive/run_not_recorded"):
        problems.append("the run could not be recorded in the archive")
    if reason == "shutdown":
        problems.append("interrupted: run the same command again to resume")
    elif reason not in COMPLETE_REASONS:
        problems.append(f"stopped early ({reason})")
    return (f"{line}; " + "; ".join(problems) if problems else line), not problems


class RunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        spider: Any = self.crawler.spider  # a NewsSpider learns its run id (and so which run came before it)
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                self.run_id = start_run(session, spider.name, getattr(spider, "site_id", "")).id
            spider.run_id = self.run_id
        except SQLAlchemyError as exc:
            self.crawler.stats.set_value("archive/run_not_recorded", 1)
            logger.error("cannot record the run in the archive: %s", getattr(exc, "orig", None) or exc)

    def spider_closed(self, reason: str) -> None:
        if self.run_id is None:
            return
        summary = run_summary(self.crawler.stats.get_stats())
        if summary["unsaved"]:  # not "finished": the next run resumes (walks every list page) and finds them
            reason = "unsaved"
        try:
            with session_scope(archive_for_settings(self.crawler.settings)) as session:
                finish_run(session, self.run_id, reason, summary)
        except SQLAlchemyError as exc:
            self.crawler.stats.set_value("archive/run_not_recorded", 1)
            logger.error("cannot record the end of run %s: %s", self.run_id, getattr(exc, "orig", None) or exc)


class ProgressLog:
    """One INFO line every NEWSARCHIVE_PROGRESS_SECONDS with our own counters (in the spirit of Scrapy's LogStats):
    pages fetched, new and updated articles, dropped items, download errors, and the rate since the last line."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.task: Any = None
        self.pages_before = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLog:
        interval = crawler.settings.getfloat("NEWSARCHIVE_PROGRESS_SECONDS", 60)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.log)
        self.task.start(self.interval, now=False)

    def line(self) -> str:
        s = run_summary(self.crawler.stats.get_stats())
        rate = (s["pages_fetched"] - self.pages_before) * 60 / self.interval
        self.pages_before = s["pages_fetched"]
        return (f"progress: {s['pages_fetched']} pages ({rate:.0f}/min), {s['articles_new']} new articles, "
                f"{s['articles_updated']} updated, {sum(s['dropped'].values())} dropped, {s['exceptions']} errors")

    def log(self) -> None:
        logger.info(self.line())

    def spider_closed(self) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()


class ChallengeGuard:
    """Close the crawl after NEWSARCHIVE_MAX_CHALLENGES challenge pages in a row (0 turns the guard off).

    A wall (HTTP 412/521, a JS cookie wall) is never bypassed; a site that walls every page has blocked us, and
    asking on only gets the crawler banned. The run ends with the reason "challenged".
    """

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.crawler = crawler
        self.limit = limit
        self.in_a_row = 0
        self.closing: Deferred[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeGuard:
        limit = crawler.settings.getint("NEWSARCHIVE_MAX_CHALLENGES")
        if limit <= 0:
            raise NotConfigured("NEWSARCHIVE_MAX_CHALLENGES is 0")
        guard = cls(crawler, limit)
        crawler.signals.connect(guard.page_judged, signal=page_judged)
        return guard

    def page_judged(self, verdict: Verdict, url: str) -> None:
        if verdict.kind != "challenge":
            self.in_a_row = 0
            return
        self.in_a_row += 1
        if self.in_a_row >= self.limit and self.closing is None and self.crawler.engine is not None:
            logger.error("%d challenge pages in a row (the last %s): the site blocks us, closing", self.in_a_row, url)
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="challenged"))
            self.closing.addErrback(lambda failure: logger.error("could not close the crawl: %s", failure.value))


class JobDirGuard:
    """A JOBDIR (`-s JOBDIR=…`) is taken up only when the run that wrote it stopped cleanly (Ctrl-C once, a
    closespider limit): then its queue and the frontier's decisions (spider.state, see Frontier.keep_in) resume
    where it stopped, and nothing is fetched twice. A run killed before Scrapy saved the queue (SIGKILL, a second
    Ctrl-C, a crash) leaves a queue that is stale or cut short (queuelib writes its header only on close: a 0-byte
    file, then `struct.error` on every pop), and a finished run leaves nothing worth resuming; both are moved
    aside (`*.stale`), and the run starts afresh from the archive: the run record says the last run did not finish,
    so the frontier walks every list page again ("resume" mode) and fetches no article the archive holds.
    A queue that cannot be read back although its run stopped cleanly is treated the same way, loudly.
    """

    #: what the guard writes in the JOBDIR: the state of the run that used it last ("running" until it closes)
    MARKER = "newsarchive-run.json"
    #: what Scrapy keeps there (scheduler queue, spider.state)
    KEPT = ("requests.queue", "spider.state")

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobDirGuard:
        jobdir = job_dir(crawler.settings)
        if not jobdir:
            raise NotConfigured  # no message, so no "Disabled" WARNING on every crawl without a JOBDIR
        guard = cls(crawler, Path(jobdir))
        guard.check()
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def last_reason(self) -> str | None:
        try:
            return str(json.loads((self.path / self.MARKER).read_text("utf-8"))["reason"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def check(self) -> None:
        """Before the scheduler opens the queue: keep it, or move it aside and say why."""
        if not any((self.path / name).exists() for name in self.KEPT):
            return
        reason = self.last_reason()
        if reason == "finished":
            logger.info("JOBDIR %s: its run finished; this run starts a new job there", self.path)
            self.set_aside()
        elif reason is None or reason == "running":
            logger.warning(
                "JOBDIR %s: the run that used it was killed before it could save its queue; "
                "not resuming from it but from the archive (every list page is walked again, no archived article "
                "is fetched again)", self.path,
            )
            self.set_aside()
        elif not self.queue_readable():
            logger.error(
                "JOBDIR %s: its queue cannot be read back (a truncated file?); resuming from the archive instead "
                "(every list page is walked again, no archived article is fetched again)", self.path,
            )
            self.set_aside()

    def queue_readable(self) -> bool:
        """Can every saved queue file be opened (queuelib reads its header on open) and its last request read?"""
        from scrapy.utils.misc import load_object

        queue_dir = self.path / "requests.queue"
        disk_queue = load_object(self.crawler.settings["SCHEDULER_DISK_QUEUE"])
        try:
            json.loads((queue_dir / "active.json").read_text("utf-8"))
            for file in queue_dir.rglob("*"):
                if file.is_file() and file.name != "active.json":
                    queue = disk_queue.from_crawler(self.crawler, str(file))
                    queue.peek()
                    queue.close()
        except Exception as exc:  # any failure to read it back means it cannot be trusted
            logger.debug("JOBDIR queue check failed: %r", exc)
            return False
        return True

    def set_aside(self) -> None:
        for name in self.KEPT:
            path, stale = self.path / name, self.path / f"{name}.stale"
            if not path.exists():
                continue
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
            path.rename(stale)
        self.crawler.stats.inc_value("jobdir/set_aside")

    def _write(self, reason: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / self.MARKER).write_text(json.dumps({"reason": reason}), "utf-8")

    def spider_opened(self) -> None:
        self._write("running")

    def spider_closed(self, reason: str) -> None:
        self._write(reason)
