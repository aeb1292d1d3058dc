"""Normalise an article: canonical URL, clean text, content digest."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler.items import ArticleItem

TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|fromid|share|share_token|isappinstalled|wfr|scene|ivk_sa)$", re.I)
INDEX_PAGE = re.compile(r"/(index|default)\.(s?html?|php|aspx?|jsp)$", re.I)
_BLANK = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b\ufeff]+")


def canonical_url(url: str) -> str:
    """The URL that identifies an article: lower-case host, no default port, no tracking params or fragment."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    params = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, v) for k, v in params if not TRACKING_PARAMS.match(k)])
    path = INDEX_PAGE.sub("/", parts.path or "/")
    return canonicalize_url(urlunsplit((parts.scheme.lower(), host, path, query, "")))


def url_key(url: str) -> str:
    """The canonical URL without its scheme, so http:// and https:// copies of a page share one key."""
    canonical = canonical_url(url)
    return canonical.split(":", 1)[1] if "://" in canonical else canonical


def clean_text(text: str) -> str:
    """NFC, one space for runs of blanks, no blank lines, no stray whitespace at line ends."""
    text = unicodedata.normalize("NFC", text)
    lines = (_BLANK.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_digest(body: str) -> str:
    """sha256 of the body without any whitespace, so re-wrapped copies of one text share a digest."""
    return hashlib.sha256(re.sub(r"\s+", "", body).encode("utf-8")).hexdigest()


class NormalizePipeline:
    def process_item(self, item):  # type: ignore[no-untyped-def]
        if not isinstance(item, ArticleItem):
            return item
        ex = item.extracted
        ex.title = clean_text(ex.title).replace("\n", " ")
        ex.subtitle = clean_text(ex.subtitle).replace("\n", " ")
        ex.body = clean_text(ex.body)
        if ex.source is not None:
            ex.source = clean_text(ex.source)
        ex.author = _unique(clean_text(a) for a in ex.author)
        ex.editor = _unique(clean_text(e) for e in ex.editor)
        ex.tags = _unique(clean_text(t) for t in ex.tags)
        item.canonical_url = canonical_url(_same_site_canonical(item.url, ex.canonical_url))
        item.content_digest = content_digest(ex.body)
        if not item.page_urls:
            item.page_urls = [item.url, *ex.next_pages]
        return item


def _same_site_canonical(url: str, declared: str | None) -> str:
    """Trust rel=canonical only when it stays on the page's host: syndicated copies often point home."""
    if declared and urlsplit(declared).hostname == urlsplit(url).hostname:
        return declared
    return url


def _unique(values) -> list[str]:  # type: ignore[no-untyped-def]
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v, None)
    return list(seen)
