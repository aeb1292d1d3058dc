"""Normalise an article: clean text, canonical URL, content digest.

The work is done by plain functions (`normalize_item`), so the offline jobs (re-extraction, WARC import) normalise
exactly as a crawl does without pretending to be a Scrapy pipeline; `NormalizePipeline` only calls them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from crawler.extract.types import Extracted
from crawler.items import ArticleItem
from crawler.urls import canonical_url, content_digest, without_tracking

_BLANK = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b\ufeff]+")


def clean_text(text: str) -> str:
    """NFC, one space for runs of blanks, no blank lines, no stray whitespace at line ends."""
    text = unicodedata.normalize("NFC", text)
    lines = (_BLANK.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_extracted(ex: Extracted) -> None:
    """Clean the extracted text fields in place: one-line title and subtitle, tidy body, unique names and tags."""
    ex.title = clean_text(ex.title).replace("\n", " ")
    ex.subtitle = clean_text(ex.subtitle).replace("\n", " ")
    ex.body = clean_text(ex.body)
    if ex.source is not None:
        ex.source = clean_text(ex.source)
    ex.author = _unique(clean_text(a) for a in ex.author)
    ex.editor = _unique(clean_text(e) for e in ex.editor)
    ex.tags = _unique(clean_text(t) for t in ex.tags)


def normalize_item(item: ArticleItem) -> ArticleItem:
    """Clean the item's text and fill in its identity: canonical URL, content digest, page URLs."""
    ex = item.extracted
    clean_extracted(ex)
    item.canonical_url = canonical_url(_same_site_canonical(item.url, ex.canonical_url))
    item.content_digest = content_digest(ex.body)
    if not item.page_urls:
        item.page_urls = [item.url, *ex.next_pages]
    item.decoding = worst_decoding([c.decoding for c in item.captures]) or item.decoding
    # the pages as the article's own URLs: whichever link with share parameters a crawl followed first
    item.page_urls = _unique(without_tracking(u) for u in item.page_urls)
    return item


#: decode statuses (crawler.extract.encoding.Decoded), best first: an article is flagged with its worst page's
DECODINGS = ("clean", "mixed", "lossy")


def worst_decoding(statuses: Iterable[str | None]) -> str | None:
    """The worst of the pages' decode statuses; None when no page says (a capture decoded elsewhere)."""
    known = [DECODINGS.index(s) for s in statuses if s in DECODINGS]
    return DECODINGS[max(known)] if known else None


class NormalizePipeline:
    def process_item(self, item: Any) -> Any:
        return normalize_item(item) if isinstance(item, ArticleItem) else item


def _same_site_canonical(url: str, declared: str | None) -> str:
    """Trust rel=canonical only when it stays on the page's host: syndicated copies often point home."""
    if declared and urlsplit(declared).hostname == urlsplit(url).hostname:
        return declared
    return url


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v, None)
    return list(seen)
