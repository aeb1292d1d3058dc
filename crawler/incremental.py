"""What the archive already holds, asked by the spider while it crawls (read-only queries, one per page).

The archive, not an in-memory set, answers "already archived?", so a re-run, a resumed run or a run on another
machine fetches no stored article again. Articles published within the refetch window are the exception: they
are fetched again (conditionally, with the stored ETag/Last-Modified) to catch corrections.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import session_scope
from storage.models import Article, Capture, CrawlRun
from storage.query import archived_articles

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Lookup:
    """The archive's answer for a batch of URLs (keys are the URLs as asked, not canonical)."""

    archived: set[str] = field(default_factory=set)
    #: archived URLs to refetch -> conditional-GET headers from their stored first-page capture
    refetch: dict[str, dict[str, str]] = field(default_factory=dict)


class ArchiveState:
    """The spider's window on the archive for one site."""

    def __init__(self, factory: sessionmaker[Session], site: str, refetch_days: float = 0.0) -> None:
        self.factory = factory
        self.site = site
        self.refetch_since = datetime.now(UTC) - timedelta(days=refetch_days) if refetch_days > 0 else None
        self.queries = 0

    def holds_site(self) -> bool:
        with session_scope(self.factory) as session:
            return session.scalar(select(Article.id).where(Article.site == self.site).limit(1)) is not None

    def previous_run_finished(self, current_run_id: int | None) -> bool:
        """Did the last run of this site before this one end normally? (False after a kill or a Ctrl-C.)"""
        stmt = select(CrawlRun.finish_reason).where(CrawlRun.site == self.site)
        if current_run_id is not None:
            stmt = stmt.where(CrawlRun.id < current_run_id)
        with session_scope(self.factory) as session:
            reason = session.scalar(stmt.order_by(CrawlRun.id.desc()).limit(1))
        return reason == "finished"

    def lookup(self, urls: Iterable[str]) -> Lookup:
        """Which of these URLs the archive holds (storage.query.archived_articles), and which of those to refetch.

        One query, and one more for the conditional-GET headers when some are due for a refetch.
        """
        urls = list(dict.fromkeys(urls))
        out = Lookup()
        if not urls:
            return out
        self.queries += 1
        try:
            with session_scope(self.factory) as session:
                found = archived_articles(session, urls)
                recent = {a.article_id for a in found.values() if self._recent(a.published)}
                headers = _validators(session, sorted(recent)) if recent else {}
        except SQLAlchemyError as exc:  # the archive is down: fetch, and let the store pipeline cope
            logger.error("cannot ask the archive what it holds: %s", exc)
            return out
        for url, archived in found.items():
            out.archived.add(url)
            if archived.article_id in recent:
                out.refetch[url] = headers.get(archived.article_id, {})
        return out

    def _recent(self, published: datetime | None) -> bool:
        return self.refetch_since is not None and published is not None and published >= self.refetch_since


def _validators(session: Session, article_ids: list[int]) -> dict[int, dict[str, str]]:
    """If-None-Match / If-Modified-Since from the newest first-page capture of each article."""
    out: dict[int, dict[str, str]] = {}
    stmt = (
        select(Capture.article_id, Capture.headers)
        .where(Capture.article_id.in_(article_ids), Capture.page_no == 1)
        .order_by(Capture.id)
    )
    for aid, headers in session.execute(stmt):
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        cond: dict[str, str] = {}
        if lower.get("etag"):
            cond["If-None-Match"] = lower["etag"]
        if lower.get("last-modified"):
            cond["If-Modified-Since"] = lower["last-modified"]
        if aid is not None:
            out[aid] = cond
    return out
