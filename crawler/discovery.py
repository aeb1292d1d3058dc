"""Where article URLs come from besides plain links: list pagination, sitemaps, RSS/Atom feeds, robots.txt.

Also the cheap page verdicts the spider needs before extraction: does a URL look like an article, is a page
a challenge (anti-bot wall) or a soft 404. All pure functions of text, no Scrapy.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from parsel import Selector

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
PAGE_PARAMS = frozenset(
    {"page", "p", "pn", "pg", "pageno", "pagenum", "page_no", "pageindex", "curpage", "cpage", "paged", "pagenumber"}
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
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")


def feed_links(sel: Selector, url: str) -> list[str]:
    """Feeds a page announces with <link rel="alternate" type="application/rss+xml|atom+xml">."""
    out: list[str] = []
    for link in sel.xpath("//head/link[@href]"):
        rel = (link.attrib.get("rel") or "").lower()
        kind = (link.attrib.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES[:3]:
            out.append(urljoin(url, link.attrib["href"].strip()))
    return out


def robots_sitemaps(text: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt."""
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.lower().startswith("sitemap:")]


def _xml(body: bytes) -> Selector | None:
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError:
            return None
    try:
        sel = Selector(body=body, type="xml")
    except ValueError:
        return None
    sel.remove_namespaces()
    return sel


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """(child sitemaps, page URLs) of a sitemap or sitemap index (gzip or plain XML)."""
    sel = _xml(body)
    if sel is None:
        return [], []
    children = [u.strip() for u in sel.xpath("//sitemapindex/sitemap/loc/text()").getall()]
    urls = [u.strip() for u in sel.xpath("//urlset/url/loc/text()").getall()]
    return children, urls


def parse_feed(body: bytes, url: str) -> list[str]:
    """Entry links of an RSS 2.0, RSS 1.0 or Atom feed."""
    sel = _xml(body)
    if sel is None:
        return []
    links = sel.xpath("//item/link/text()").getall()
    for entry in sel.xpath("//entry"):
        hrefs = entry.xpath("link[not(@rel) or @rel='alternate']/@href").getall()
        links.extend(hrefs[:1])
    return [urljoin(url, u.strip()) for u in links if u.strip()]


# -- verdicts ---------------------------------------------------------------------------------------------------
CHALLENGE_STATUS = frozenset({412, 521})
_CHALLENGE_MARKS = re.compile(
    r"__jsl_clearance|acw_sc__v2|acw_tc|_waf_|yunsuo_session_verify|wzws_cid|jsluid|cf-browser-verification|"
    r"challenge-platform|请开启JavaScript|请启用JavaScript|安全验证|访问验证|人机验证|正在进行安全检测",
    re.I,
)
_JS_REDIRECT = re.compile(r"document\.cookie\s*=|location\.(?:reload|replace|href\s*=)|window\.location", re.I)
_SOFT_404 = re.compile(
    r"404|页面不存在|页面未找到|找不到(?:该|您要的)?页面|已被?删除|not\s+found|无法找到|文章不存在|信息不存在", re.I
)


def challenge_reason(status: int, html: str) -> str | None:
    """Why a response is an anti-bot wall (never an article, never bypassed), or None."""
    if status in CHALLENGE_STATUS:
        return f"http_{status}"
    if len(html) < 20000 and _CHALLENGE_MARKS.search(html):
        return "marker"
    if len(html) < 4000 and _JS_REDIRECT.search(html) and "<p" not in html.lower():
        return "js_cookie_wall"
    return None


def is_soft_404(title: str, text_chars: int) -> bool:
    """A 200 page that is an error template: an error title with little text."""
    return bool(_SOFT_404.search(title)) and text_chars < 600
