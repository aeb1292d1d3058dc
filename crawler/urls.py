"""URL identity (canonical URL, scheme-less key, content digest) and which links a crawl follows.

Every layer asks these questions the same way: the spider (is this link archived?), the pipelines (is this item a
duplicate?), storage (the unique `article_urls.url_key`), replay and the offline jobs. So they live here, in a leaf
that imports nothing from the project.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url

# Offline: use the public suffix list bundled with tldextract, never fetch one.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

BINARY_EXT = re.compile(
    r"\.(jpe?g|png|gif|bmp|webp|svg|ico|pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|gz|tar|exe|apk|dmg|mp[34]|avi|mov|"
    r"wmv|flv|swf|wav|css|js|json|xml|txt)$",
    re.I,
)
TRAP_PATH = re.compile(
    r"(calendar|/search|search\.|login|logon|register|signin|passport|/member|/user/|print|/comment|"
    r"javascript:|mailto:|/tag/.*/\d{3,}|/api/|/wap/|/m/|"
    # DedeCMS reader actions (favourite, feedback, vote, report an error) beside every article, never a page
    r"/plus/(?:stow|feedback|digg|recommend|erraddsave|vote)\.php)",
    re.I,
)
TRAP_QUERY_KEYS = re.compile(
    r"^(q|kw|keyword|keywords|wd|searchword|date|year|month|day|print|action|sort|order)$", re.I
)
MAX_URL_LENGTH = 300
MAX_QUERY_PARAMS = 3
#: query parameters that say where a reader came from, never which page it is
TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|fromid|share|share_token|isappinstalled|wfr|scene|ivk_sa)$", re.I)
#: a directory's index page is the directory
INDEX_PAGE = re.compile(r"/(index|default)\.(s?html?|php|aspx?|jsp)$", re.I)


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


def without_tracking(url: str) -> str:
    """The URL as written, less the parameters that only say where a reader came from (`?from=timeline`).

    An article's own URL: the same whichever link to it a crawl happened to follow first.
    """
    parts = urlsplit(url.strip())
    params = parse_qsl(parts.query, keep_blank_values=True)
    if not any(TRACKING_PARAMS.match(k) for k, _ in params):
        return urlunsplit(parts._replace(fragment=""))
    query = urlencode([(k, v) for k, v in params if not TRACKING_PARAMS.match(k)])
    return urlunsplit(parts._replace(query=query, fragment=""))


def url_key(url: str) -> str:
    """The canonical URL without its scheme, so http:// and https:// copies of a page share one key."""
    canonical = canonical_url(url)
    return canonical.split(":", 1)[1] if "://" in canonical else canonical


def content_digest(body: str) -> str:
    """sha256 of the body without any whitespace, so re-wrapped copies of one text share a digest."""
    return hashlib.sha256(re.sub(r"\s+", "", body).encode("utf-8")).hexdigest()


@lru_cache(maxsize=4096)
def registered_domain(url_or_host: str) -> str:
    """`news.example.cn` and `www.example.cn` both give `example.cn`; an IP address stays itself."""
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    host = (host or "").lower()
    ext = _extract(host)
    return ext.top_domain_under_public_suffix or host


def is_trap(url: str) -> bool:
    """Calendars, search results, print views, logins and query-string explosions are never worth a fetch."""
    if len(url) > MAX_URL_LENGTH:
        return True
    parts = urlsplit(url)
    if TRAP_PATH.search(parts.path) or TRAP_PATH.search(parts.query):
        return True
    params = parse_qsl(parts.query, keep_blank_values=True)
    return len(params) > MAX_QUERY_PARAMS or any(TRAP_QUERY_KEYS.match(k) for k, _ in params)


def followable(url: str, domains: frozenset[str]) -> bool:
    """An http(s) page on one of the crawl's registered domains that is neither a binary nor a trap."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    if BINARY_EXT.search(parts.path):
        return False
    if registered_domain(parts.hostname or "") not in domains:
        return False
    return not is_trap(url)


def absolute_links(hrefs: list[str], base_url: str) -> list[str]:
    """Resolve hrefs against the page, dropping fragments and duplicates, keeping order."""
    out: dict[str, None] = {}
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        out.setdefault(url, None)
    return list(out)
