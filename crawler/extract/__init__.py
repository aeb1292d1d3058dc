"""Extraction: pure functions of (html, url, fetched_at, profile) -> Extracted. No Scrapy, no clock.

``extract_article`` parses the page once with lxml and runs one small finder per field (title.py, dates.py,
byline.py, body.py, links.py). Every field records the rule that produced it in ``Extracted.rules`` so a wrong
value can be traced. Failures are contained per field: a finder that raises leaves its field empty and records
``rules[field] = "error"``, one that runs out of its time budget records ``"timeout"``; the other fields are
still extracted. ``extract_article`` itself never raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from crawler.extract.budget import Budget, OutOfTime
from crawler.extract.classify import page_kind
from crawler.extract.encoding import Decoded, decode_html, decode_page
from crawler.extract.types import Contributor, Extracted, Image, Link

if TYPE_CHECKING:
    from crawler.extract.page import Page
    from crawler.sites import SiteProfile

__all__ = [
    "FAILED_RULES",
    "RULE_FIELDS",
    "Contributor",
    "Decoded",
    "Extracted",
    "Image",
    "Link",
    "decode_html",
    "decode_page",
    "extract_article",
    "page_kind",
]

log = logging.getLogger(__name__)

#: the fields whose rule ``Extracted.rules`` records, in the order their finders run
RULE_FIELDS: tuple[str, ...] = (
    "title", "published", "body", "source", "author", "contributors", "editor", "canonical_url", "column", "tags",
    "links", "next_pages",
)
#: rule values that mean a finder failed (its field is empty because of it, not because the page lacks it)
FAILED_RULES = frozenset({"error", "timeout"})

#: text beyond this is not parsed (after inline scripts and styles are dropped): the largest real article pages
#: are under 1 M characters; more is a data dump or an attack
MAX_HTML_CHARS = 1_500_000
_BULK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|\bsrc=[\"']data:[^\"']*[\"']", re.I | re.S)

T = TypeVar("T")


def extract_article(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    profile: SiteProfile | None = None,
    *,
    encoding: str | None = None,
    budget: Budget | None = None,
) -> Extracted:
    """Extract one article page. ``fetched_at`` (aware, UTC) is the only "now" used for relative dates.

    ``budget`` defaults to one sized for the page (budget.py); pass one to read its per-finder timings.
    """
    url = url if isinstance(url, str) else ""
    try:
        return _extract(html, url, fetched_at, profile, encoding, budget)
    except Exception:  # the page could not even be parsed: every field failed
        log.exception("extraction failed for %s", url)
        return Extracted(url=url, rules=dict.fromkeys(RULE_FIELDS, "error"))


def _selector(profile: SiteProfile | None, name: str) -> str | None:
    if profile is None:
        return None
    value = (getattr(profile, "selectors", None) or {}).get(name)
    return value or None


def _text_of_input(html: str | bytes, encoding: str | None) -> str:
    if isinstance(html, bytes | bytearray | memoryview):
        text = decode_page(bytes(html), encoding).text
    else:
        text = html if isinstance(html, str) else ""
    if len(text) > MAX_HTML_CHARS:
        text = _BULK.sub("", text)[:MAX_HTML_CHARS]
    return text


class _Runner:
    """Runs one finder per field with its own time share, turning its failure into an empty field."""

    def __init__(self, out: Extracted, page: Page) -> None:
        self.out = out
        self.page = page

    def __call__(self, name: str, finder: Callable[[], tuple[T, str]], empty: T) -> T:
        budget = self.page.budget
        if budget.spent():
            self.out.rules[name] = "timeout"
            return empty
        budget.start_field(name)
        try:
            value, rule = finder()
        except OutOfTime:
            log.warning("extraction of %s: the %s finder ran out of time", self.out.url, name)
            self.out.rules[name] = "timeout"
            return empty
        except Exception:  # contained: this field stays empty, the others are still extracted
            log.warning("extraction of %s: the %s finder failed", self.out.url, name, exc_info=True)
            self.out.rules[name] = "error"
            return empty
        finally:
            budget.end_field()
        self.out.rules[name] = rule
        return value


def _extract(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    profile: SiteProfile | None,
    encoding: str | None,
    budget: Budget | None,
) -> Extracted:
    from crawler.extract import body as body_mod
    from crawler.extract import byline, dates, links, title
    from crawler.extract.page import build_page

    text = _text_of_input(html, encoding)
    budget = budget or Budget.for_size(len(text))
    if not isinstance(fetched_at, datetime):
        fetched_at = datetime(2100, 1, 1, tzinfo=UTC)
    elif fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    tz = dates.get_zone(getattr(profile, "timezone", None))
    budget.start_field("parse")
    page = build_page(text, url, fetched_at, tz, budget)
    budget.end_field()
    out = Extracted(url=url)
    run = _Runner(out, page)

    def sel(name: str) -> str | None:
        return _selector(profile, name)

    no_lines: tuple[list[str], list[Image]] = ([], [])
    no_column: tuple[str, list[Link]] = ("", [])
    no_tags: tuple[list[str], list[Link]] = ([], [])
    no_links: list[Link] = []
    no_pages: tuple[list[Link], list[str]] = ([], [])

    out.title, out.subtitle = run("title", lambda: title.find_title(page, sel("title")), ("", ""))
    out.published = run("published", lambda: dates.find_published(page, sel("published")), None)
    lines, out.images = run("body", lambda: body_mod.find_body(page, sel("body"), out.title, out.subtitle), no_lines)
    out.body = "\n".join(lines)
    out.source = run("source", lambda: byline.find_source(page, sel("source")), None)
    credits = run("author", lambda: byline.find_credits(page, lines, sel("author")), byline.Credits())
    out.author, out.contributors = credits.authors, credits.contributors
    failed = out.rules["author"] in FAILED_RULES
    out.rules["contributors"] = out.rules["author"] if failed else credits.contributor_rule
    out.editor = run("editor", lambda: byline.find_editors(page, sel("editor")), [])
    out.canonical_url = run("canonical_url", lambda: links.find_canonical(page, url), None)
    column, column_links = run("column", lambda: links.find_column(page, url, out.title, sel("column")), no_column)
    out.column = column
    out.tags, tag_links = run(
        "tags", lambda: links.find_tags(page, url, title=out.title, column=column, selector=sel("tags")), no_tags
    )
    article_links = run("links", lambda: links.find_article_links(page, url), no_links)
    current = url or out.canonical_url or ""
    pager_links, out.next_pages = run("next_pages", lambda: links.find_pager(page, url, current), no_pages)
    out.links = tag_links + article_links + pager_links + column_links
    return out
