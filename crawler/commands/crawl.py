"""`scrapy crawl`, checking the archive first: an archive at an older schema stops the crawl with one line.

Scrapy's own crawl command, run after `storage.db.archive_for_writing`: an empty archive gets its schema at head
before any worker's pipelines open it (on PostgreSQL under the schema lock, so workers started together do not
race), and an archive at another schema ends the command with exit code 1 and the line that says what to run,
instead of a traceback per item. Project commands override Scrapy's built-ins of the same name.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from sqlalchemy.exc import SQLAlchemyError

from storage.db import ArchiveError, archive_for_writing, masked


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        url = self.settings.get("ARCHIVE_DB_URL") if self.settings is not None else None
        try:
            archive_for_writing(url or None)
        except ArchiveError as exc:
            print(f"scrapy crawl: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            print(f"scrapy crawl: cannot use the archive at {masked(url)}: {reason}", file=sys.stderr)
            self.exitcode = 1
            return
        super().run(args, opts)
        from crawler.replay import NOTHING_REPLAYED

        if NOTHING_REPLAYED:
            print(f"scrapy crawl: nothing to replay from {NOTHING_REPLAYED[0]}", file=sys.stderr)
            self.exitcode = 1
