"""Extraction: pure functions of (html, url, fetched_at, profile) -> Extracted. No Scrapy, no clock.

``extract_article`` parses the page once with lxml and runs one small extractor per field
(title.py, dates.py, byline.py, body.py, links.py). Every field records the rule that produced it in
``Extracted.rules`` so a wrong value can be traced. It never raises: a field it cannot find stays empty.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from crawler.extract.classify import page_kind
from crawler.extract.encoding import decode_html
from crawler.extract.types import Extracted, Image, Link

if TYPE_CHECKING:
    from crawler.sites import SiteProfile

__all__ = ["Extracted", "Image", "Link", "decode_html", "extract_article", "page_kind"]

log = logging.getLogger(__name__)


def extract_article(
    html: str | bytes,
    url: str,
    fetched_at: datetime,
    profile: SiteProfile | None = None,
    *,
    encoding: str | None = None,
) -> Extracted:
    """Extract one article page. ``fetched_at`` (aware, UTC) is the only "now" used for relative dates."""
    url = url or ""
    try:
        return _extract(html, url, fetched_at, profile, encoding)
    except Exception:  # extraction must never take the crawl down
        log.exception("extraction failed for %s", url)
        return Extracted(url=url, rules={"error": "exception"})


def _selector(profile: SiteProfile | None, name: str) -> str | None:
    if profile is None:
        return None
    value = (getattr(profile, "selectors", None) or {}).get(name)
    return value or None


def _extract(
    html: str | bytes, url: str, fetched_at: datetime, profile: SiteProfile | None, encoding: str | None
) -> Extracted:
    from crawler.extract import body as body_mod
    from crawler.extract import byline, dates, links, title
    from crawler.extract.dom import select_text
    from crawler.extract.page import build_page

    if isinstance(html, bytes | bytearray | memoryview):
        text, _ = decode_html(bytes(html), encoding)
    else:
        text = html if isinstance(html, str) else ""
    if not isinstance(fetched_at, datetime):
        fetched_at = datetime(2100, 1, 1, tzinfo=UTC)
    elif fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    tz = dates.get_zone(getattr(profile, "timezone", None))
    page = build_page(text, url, fetched_at, tz)
    out = Extracted(url=url)
    rules = out.rules
    base = url

    out.title, out.subtitle, rules["title"] = title.find_title(page, _selector(profile, "title"))

    sel = _selector(profile, "published")
    out.published, rules["published"] = dates.find_published(page, select_text(page.root, sel) if sel else None)

    content, stats, rules["body"] = body_mod.find_content(page, _selector(profile, "body"))
    lines: list[str] = []
    if content:
        lines = body_mod.body_lines(page, content, stats, out.title, out.subtitle)
        out.images = body_mod.images(page, content)
    out.body = "\n".join(lines)

    sel = _selector(profile, "source")
    if sel:
        out.source, rules["source"] = select_text(page.root, sel), "profile"
        out.source = byline.strip_source_label(out.source)
    else:
        out.source, rules["source"] = byline.find_source(page)

    sel = _selector(profile, "author")
    if sel:
        out.author, rules["author"] = byline.split_names(select_text(page.root, sel)), "profile"
    else:
        out.author, rules["author"] = byline.find_authors(page, lines)

    sel = _selector(profile, "editor")
    if sel:
        out.editor, rules["editor"] = byline.split_names(select_text(page.root, sel)), "profile"
    else:
        out.editor, rules["editor"] = byline.find_editors(page)

    out.canonical_url = links.find_canonical(page, base)
    current = url or out.canonical_url or ""
    sel = _selector(profile, "column")
    column_links: list[Link]
    if sel:
        out.column, column_links, rules["column"] = select_text(page.root, sel), [], "profile"
    else:
        out.column, column_links, rules["column"] = links.find_column(page, base, out.title)
    out.tags, tag_links = links.find_tags(page, base, title=out.title, column=out.column)
    sel = _selector(profile, "tags")
    if sel:
        out.tags = byline.split_names(select_text(page.root, sel), keep_long=True)
        rules["tags"] = "profile"
    pager_links, out.next_pages = links.find_pager(page, base, current)
    out.links = (
        tag_links
        + links.find_prev_next(page, base)
        + links.find_related(page, base, current)
        + pager_links
        + column_links
    )
    return out
