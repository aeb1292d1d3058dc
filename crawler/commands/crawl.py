"""`scrapy crawl`, checking the archive first and ending with one summary line and an honest exit code.

Scrapy's own crawl command, run after `storage.db.archive_for_writing`: an empty archive gets its schema at head
before any worker's pipelines open it (on PostgreSQL under the schema lock, so workers started together do not
race), and an archive at another schema ends the command with exit code 1 and the line that says what to run,
instead of a traceback per item. Spider arguments are checked before anything starts (one line, exit 2). The crawl
ends with `crawler.extensions.crawl_summary`'s line on stderr and exit code 1 when an article was not stored, the
run was interrupted or stopped early: cron sees it. Project commands override Scrapy's built-ins of the same name.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler.extensions import crawl_summary
from crawler.replay import NOTHING_REPLAYED
from storage import db
from storage.db import ArchiveError, archive_for_writing, masked


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            print("scrapy crawl: give one spider name: scrapy crawl news -a site=ID (or -a start_url=URL)",
                  file=sys.stderr)
            self.exitcode = 2
            return
        if not self._arguments_ok(args[0], opts):
            return
        assert self.settings is not None
        db.sqlite_busy_seconds = self.settings.getfloat("NEWSARCHIVE_SQLITE_BUSY_SECONDS", db.sqlite_busy_seconds)
        url = self.settings.get("ARCHIVE_DB_URL")
        try:
            archive_for_writing(url or None)
        except ArchiveError as exc:
            print(f"scrapy crawl: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        except SQLAlchemyError as exc:
            reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]  # psycopg: 2 lines
            print(f"scrapy crawl: cannot use the archive at {masked(url)}: {reason}", file=sys.stderr)
            self.exitcode = 1
            return
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        self._summary(crawler)
        if NOTHING_REPLAYED:  # REPLAY_FROM named a file that answered no request: say so, fail
            print(f"scrapy crawl: nothing to replay from {NOTHING_REPLAYED[0]}", file=sys.stderr)
            self.exitcode = 1

    def _arguments_ok(self, name: str, opts: argparse.Namespace) -> bool:
        """The spider exists and takes these arguments (a missing or unknown site profile is one line, exit 2)."""
        assert self.crawler_process is not None
        try:
            spider = self.crawler_process.spider_loader.load(name)
            spider(**opts.spargs)
        except (KeyError, ValueError, TypeError, OSError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            print(f"scrapy crawl {name}: {message}", file=sys.stderr)
            self.exitcode = 2
            return False
        return True

    def _summary(self, crawler: Crawler) -> None:
        if self.crawler_process is not None and self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        if crawler.stats is None:
            return
        line, ok = crawl_summary(crawler.stats.get_stats())
        print(line, file=sys.stderr)
        if not ok:
            self.exitcode = 1
