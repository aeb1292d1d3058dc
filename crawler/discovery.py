"""Where article URLs come from besides plain links: list pagination, sitemaps, RSS/Atom feeds, robots.txt.

Pure functions of a response's bytes or text. Parsing is left to kept libraries (Scrapy's sitemap and robots.txt
helpers, feedparser), and a compressed sitemap or feed unpacks no further than the crawl's page-size limit.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import feedparser
from lxml import etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.extract.rules import PAGE_PARAMS

# -- URL shapes ---------------------------------------------------------------------------------------------
ARTICLE_URL = re.compile(
    r"/(?:19|20)\d{2}[-/_]?[01]?\d[-/_]?[0-3]?\d/[^/]*\d[^/]*\.s?html?$"  # /2015/0706/123.html, /2015-07-06/c1.html
    r"|/(?:19|20)\d{2}[01]\d(?:[0-3]\d)?/[^/]*\d[^/]*\.\w+$"  # /a/nongye/20150706/301.html, /xxgk/201507/t…html
    r"|[/_]t(?:19|20)\d{6}_\d+\.s?html?$"  # TRS t20150706_123.html
    r"|/(?:content|c|art|doc|news|article|detail|show|view|info)[-_]\d+(?:_\d+)?\.\w+$"  # content_123.htm
    r"|/art/\d{4}/\d+/\d+/art_\d+_\d+\.html$"  # Hanweb
    r"|/(?:show|view|detail|article|content|news|info)\w*\.(?:php|aspx?|jsp|do)\?(?:.*&)?"
    r"(?:id|aid|itemid|contentid|articleid|newsid|catid&id)=\d+"
    r"|/\d{5,}\.s?html?$|/n\d{6,}\.shtml$|/a/\d+_\d+$|[?&](?:aid|articleid|newsid|contentid|docid)=\d{3,}",
    re.I,
)
LIST_URL = re.compile(
    r"/(?:list|lists|index|node|column|channel|category|catalog|more|class)(?:[-_]\w+)?\.\w+$|/$|/[^/.]+$",
    re.I,
)
NEXT_TEXT = re.compile(r"^(?:下一?页|下頁|后一?页|next(?:\s*page)?|>|›|»|>>|＞|→)$", re.I)
LAST_TEXT = re.compile(r"^(?:尾页|末页|最后一?页|last(?:\s*page)?)$", re.I)
PREV_TEXT = re.compile(r"^(?:上一?页|前一?页|首页|第一页|prev(?:ious)?|<|‹|«|<<)$", re.I)
_TRS_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")


def looks_like_article(url: str) -> bool:
    """URL shape alone says "article" (dated path, content_123.htm, show.php?id=…)."""
    return bool(ARTICLE_URL.search(url))


def _page_keys(url: str) -> list[tuple[str, int]]:
    """Every (stem, page number) reading of a list URL; a URL without a page number reads as page 0."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys: list[tuple[str, int]] = []
    paged = False
    for i, (k, v) in enumerate(query):
        if k.lower() in PAGE_PARAMS and v.isdigit():
            keys.append((f"{parts.path}?{urlencode(query[:i] + query[i + 1 :])}", int(v)))
            paged = True
    if not paged:
        keys.append((f"{parts.path}?{parts.query}", 0))
        head, _, name = parts.path.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        m = re.match(r"^(.*?)([_-])(\d{1,5})$", stem)
        if m:
            keys.append((f"{head}/{m.group(1)}{m.group(2)}#{dot}{ext}?{parts.query}", int(m.group(3))))
        # the first page names no number at all: index.html ~ index_2.html, node_12.htm ~ node_12_2.htm
        keys.append((f"{head}/{stem}{'_'}#{dot}{ext}?{parts.query}", 0))
        keys.append((f"{head}/{stem}{'-'}#{dot}{ext}?{parts.query}", 0))
    return keys


@dataclass(slots=True)
class Pager:
    """The pagination of one list page: the next page (if any) and every other page it links to."""

    next: str | None = None
    pages: list[str] = field(default_factory=list)


def pagination(sel: Selector, url: str, html: str | None = None) -> Pager:
    """Find a list page's pager: URL siblings (index_2.html, list_3_2.html, ?page=2, node_12_2.htm), links
    whose text is 下一页 / 尾页 / a page number, and TRS's `createPageHTML(total, current, "index", "shtml")`."""
    mine = dict(_page_keys(url))
    numbered: dict[str, tuple[str, int]] = {}  # pager URL -> (stem, pages after this one; negative: before)
    text_next: str | None = None
    pages: dict[str, None] = {}
    for a in sel.xpath("//a[@href]"):
        href = a.attrib.get("href", "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        target = urljoin(url, href).split("#", 1)[0]
        if target == url:
            continue
        text = "".join(a.xpath(".//text()").getall()).strip().strip("[]【】 ")
        is_next, is_num = bool(NEXT_TEXT.match(text)), text.isdigit() and len(text) <= 5
        cue = is_next or is_num or not text or bool(LAST_TEXT.match(text) or PREV_TEXT.match(text))
        sibling = next(((s, n) for s, n in _page_keys(target) if s in mine and mine[s] != n), None) if cue else None
        if sibling is not None:
            numbered[target] = (sibling[0], sibling[1] - mine[sibling[0]])
            pages.setdefault(target)
        elif is_next or LAST_TEXT.match(text) or (is_num and _same_dir(url, target) and not looks_like_article(target)):
            pages.setdefault(target)
        if is_next:
            text_next = text_next or target
    src = html if html is not None else ""
    m = _TRS_PAGER.search(src) if "createPageHTML" in src else None
    if m:
        total, cur, name, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        trs = [urljoin(url, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(total)]
        for i, page in enumerate(trs):
            if i != cur:
                pages.setdefault(page)
        return Pager(trs[cur + 1] if cur + 1 < total else None, list(pages))
    nxt = text_next
    if nxt is None:
        # node_12.htm reads as page 0 of node_12_#.htm and as page 12 of node_#.htm: trust the reading most
        # pager links share (node_12_2, node_12_3 …) over a lone neighbour (node_13.htm, another column)
        support: dict[str, int] = {}
        for stem, _ in numbered.values():
            support[stem] = support.get(stem, 0) + 1
        later = sorted((-support[stem], n, u) for u, (stem, n) in numbered.items() if n > 0)
        nxt = later[0][2] if later else None
    return Pager(nxt, list(pages))


def _same_dir(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return pa.netloc == pb.netloc and pa.path.rsplit("/", 1)[0] == pb.path.rsplit("/", 1)[0]


def continuation_of(url: str, pager_urls: list[str]) -> str | None:
    """When `url` is page N>1 of a multi-page article (123_2.html, ?page=2), the URL of its page 1, else None."""
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        if k.lower() in PAGE_PARAMS and v.isdigit() and int(v) > 1:
            rest = urlencode([(a, b) for a, b in parse_qsl(parts.query) if a != k])
            first = parts._replace(query=rest).geturl()
            return first if first in pager_urls else None
    m = re.match(r"^(.*?)_(\d{1,3})(\.\w+)$", parts.path)
    if m and int(m.group(2)) > 1:
        first = parts._replace(path=m.group(1) + m.group(3)).geturl()
        return first if first in pager_urls else None
    return None


# -- feeds, sitemaps, robots.txt ------------------------------------------------------------------------------
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


class TooLarge(ValueError):
    """A compressed sitemap or feed unpacks to more than the crawl's size limit (a decompression bomb)."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"unpacks to more than {max_size} bytes")
        self.max_size = max_size


def feed_links(sel: Selector, url: str) -> list[str]:
    """Feeds a page announces with <link rel="alternate" type="application/rss+xml|atom+xml">."""
    out: list[str] = []
    for link in sel.xpath("//head/link[@href]"):
        rel = (link.attrib.get("rel") or "").lower()
        kind = (link.attrib.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES:
            out.append(urljoin(url, link.attrib["href"].strip()))
    return out


def robots_sitemaps(robots_txt: bytes | str, base_url: str = "") -> list[str]:
    """The `Sitemap:` lines of a robots.txt, resolved against its URL (Scrapy's parser)."""
    body = robots_txt.encode("utf-8") if isinstance(robots_txt, str) else robots_txt
    return list(sitemap_urls_from_robots(body, base_url=base_url))


def unpack(body: bytes, max_size: int) -> bytes:
    """The body, gunzipped when it is gzip (a `.xml.gz`), never to more than `max_size` bytes (0: no limit).

    Raises TooLarge past the limit; a corrupt gzip gives b"".
    """
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gunzip(body, max_size=max_size)
    except ValueError as exc:  # gunzip raises nothing else of this kind: its size check
        raise TooLarge(max_size) from exc
    except (OSError, EOFError, struct.error, zlib.error):
        return b""


def parse_sitemap(body: bytes, *, max_size: int) -> tuple[list[str], list[str]]:
    """(child sitemaps, page URLs) of a sitemap or sitemap index, gzip or plain XML (Scrapy's Sitemap parser)."""
    xml = unpack(body, max_size)
    try:
        sitemap = Sitemap(xml)
    except (etree.XMLSyntaxError, StopIteration):
        return [], []
    if sitemap.type not in ("urlset", "sitemapindex"):
        return [], []
    locs = [entry["loc"] for entry in sitemap if entry.get("loc")]
    return (locs, []) if sitemap.type == "sitemapindex" else ([], locs)


def parse_listing(kind: str, body: bytes, url: str, *, max_size: int) -> tuple[list[str], list[str]]:
    """(child listings, page URLs) of a `sitemap` (or sitemap index) or a `feed`."""
    if kind == "feed":
        return [], parse_feed(body, url, max_size=max_size)
    return parse_sitemap(body, max_size=max_size)


def parse_feed(body: bytes, url: str, *, max_size: int) -> list[str]:
    """Entry links of an RSS 0.9x/1.0/2.0 or Atom feed (feedparser), resolved against the feed's URL."""
    parsed = feedparser.parse(
        io.BytesIO(unpack(body, max_size)),  # a stream: feedparser treats a str as a URL or a file name
        response_headers={"content-location": url},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    links = (entry.get("link") for entry in parsed.entries)
    return [urljoin(url, link.strip()) for link in links if isinstance(link, str) and link.strip()]
