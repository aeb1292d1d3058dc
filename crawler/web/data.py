"""The web view's one door to the archive: every read is a storage function (storage.browse, storage.query),
named here, so the pages and the API get plain data and never a session they could write through.

The reads themselves live in storage, beside the CLI's: `newsarchive show` and the article page share one
version history and one list of story copies, `newsarchive stats` and the sites page one set of health figures.
"""

from __future__ import annotations

from storage.browse import (
    DATABASE_ERRORS,
    ArchiveUnavailable,
    Facets,
    RawCapture,
    ResultPage,
    article_exists,
    article_warc,
    capture_body,
    export_rows,
    facets,
    one_line,
    result_page,
    search_terms,
)
from storage.browse import ReadOnlyArchive as Archive
from storage.browse import article_record as article
from storage.browse import capture_record as capture
from storage.browse import open_readonly as open_archive
from storage.browse import sites_overview as sites
from storage.browse import story_record as story
from storage.query import SORTS, Filters, export_fields
from storage.search import QuerySyntaxError

__all__ = [
    "DATABASE_ERRORS",
    "SORTS",
    "Archive",
    "ArchiveUnavailable",
    "Facets",
    "Filters",
    "QuerySyntaxError",
    "RawCapture",
    "ResultPage",
    "article",
    "article_exists",
    "article_warc",
    "capture",
    "capture_body",
    "export_fields",
    "export_rows",
    "facets",
    "open_archive",
    "result_page",
    "search_terms",
    "sites",
    "story",
    "unavailable_message",
]


def unavailable_message(exc: BaseException) -> str:
    """One line for a database error met while serving a request (the archive went away, a lock timed out)."""
    return f"the archive cannot be read right now: {one_line(exc)}"
