"""Links researchers follow: tags, prev/next article, related articles, pager pages; column and canonical URL.

A multi-page article's pager is recognised by its shape, not its class: links whose URL is the article's own
with a page number (`_2`, `-2`, `index_1`, `?page=2`) and whose text is a page number or a pager word
(下一页, 下一頁, Next, 末页 …). The numbering (`_1` may be page 2) is read from the numbered links, and a
printed "page N of X" (`共5页`) fills in the pages a pager does not list (`1 2 3 … 10 下一页`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.extract.dom import HtmlElement, norm, normalize, select_text, tag_of, text_head, urljoin
from crawler.extract.page import Page
from crawler.extract.rules import (
    CANONICAL_META,
    COLUMN_META,
    CRUMB_ATTR_FRAGMENTS,
    CRUMB_LABELS,
    CRUMB_SKIP,
    KEYWORD_META,
    NEXT_LABELS,
    NO_NEIGHBOUR,
    PAGE_PARAMS,
    PAGER_END_WORDS,
    PAGER_NEXT_WORDS,
    PAGER_PREV_WORDS,
    PREV_LABELS,
    RELATED_ATTR_FRAGMENTS,
    RELATED_LABELS,
    TAG_ATTR_FRAGMENTS,
    TAG_LABELS,
    alternation,
    page_of,
)
from crawler.extract.title import site_names
from crawler.extract.types import Link, LinkKind

_TAG_BLOCK = re.compile(alternation(TAG_ATTR_FRAGMENTS), re.I)
_TAG_LABEL = re.compile(r"^" + alternation(TAG_LABELS) + r"\s*[:：]?", re.I)
_RELATED_BLOCK = re.compile(alternation(RELATED_ATTR_FRAGMENTS), re.I)
_RELATED_HEAD = re.compile(r"^" + alternation(RELATED_LABELS) + r"\s*[:：]?$")
_CRUMB_BLOCK = re.compile(alternation(CRUMB_ATTR_FRAGMENTS), re.I)
_CRUMB_TEXT = re.compile(r"^" + alternation(CRUMB_LABELS) + r"\s*[:：]")
_SKIP_CRUMB = re.compile(r"^" + alternation(CRUMB_SKIP) + r"$", re.I)
_PREV_TEXT = re.compile(alternation(PREV_LABELS) + r"\s*[:：]?\s*(.*)")
_NEXT_TEXT = re.compile(alternation(NEXT_LABELS) + r"\s*[:：]?\s*(.*)")
_NEIGHBOUR_HINT = re.compile(alternation(PREV_LABELS + NEXT_LABELS))
_NO_NEIGHBOUR = re.compile(r"^" + alternation(NO_NEIGHBOUR) + r"\W*$")
_KEYWORD_SPLIT = re.compile(r"[,，;；|、\s]+")
#: a line that starts with any of those labels (no end anchor: the label may share its line with the links)
_ANY_LABEL = re.compile(
    "|".join(f"(?:{rx.pattern.rstrip('$')})" for rx in (_TAG_LABEL, _RELATED_HEAD, _CRUMB_TEXT)), re.I
)
_LEAD_INLINE = frozenset({"strong", "b", "span", "em", "label", "font", "small", "i", "h3", "h4", "h5", "dt"})

#: tag, related or breadcrumb blocks looked at at most, and blocks found by their label at most
MAX_BLOCKS, MAX_LABELLED_BLOCKS = 20, 40
#: a tag block listing more links than this is a keyword cloud, not the article's tags
MAX_TAG_LINKS = 30
#: a breadcrumb has at most this many links and this much text
MAX_CRUMB_LINKS, MAX_CRUMB_TEXT = 8, 120
#: a related-list heading whose parent holds more links than this introduces a whole page section
MAX_RELATED_PARENT_LINKS = 30
#: related links listed at most; a text shorter than this is a "more" link, not a headline
MAX_RELATED, MIN_RELATED_TEXT = 200, 6


def _href(a: HtmlElement, base: str) -> str:
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
        return ""
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return ""


def _first_anchor(el: HtmlElement) -> HtmlElement | None:
    return el if tag_of(el) == "a" else next(el.iter("a"), None)


def _anchors(el: HtmlElement, limit: int) -> list[HtmlElement]:
    return [el] if tag_of(el) == "a" else list(islice(el.iter("a"), limit))


def lead_text(el: HtmlElement) -> str:
    """The label an element starts with: its own text, else a leading inline child's (<strong>当前位置:</strong>)."""
    own = norm(el.text)
    if own:
        return own
    if len(el):
        child = el[0]
        if tag_of(child) in _LEAD_INLINE:
            return norm(child.text)
    return ""


@lru_cache(maxsize=8192)
def _attr_kinds(attrs: str) -> tuple[bool, bool, bool]:
    """Whether a class/id names a tag block, a related-articles block, a breadcrumb (class names repeat a lot)."""
    return (
        _TAG_BLOCK.search(attrs) is not None,
        _RELATED_BLOCK.search(attrs) is not None,
        _CRUMB_BLOCK.search(attrs) is not None,
    )


_Blocks = list[tuple[HtmlElement, str]]
T = TypeVar("T")


def _blocks(page: Page) -> tuple[_Blocks, _Blocks, _Blocks]:
    """Candidate (element, tag or lead label) lists for tags, related lists and breadcrumbs, once per page.

    An element qualifies by its class/id, or by starting with a label (相关热词搜索： / 相关阅读 / 当前位置：).
    Labels are looked for only in the blocks whose text line starts with one, not in every element.
    """
    cached = page.cache.get("link_blocks")
    if isinstance(cached, tuple):
        return cached
    labelled: dict[HtmlElement, str] = {}
    for line in page.lines:
        if len(labelled) >= MAX_LABELLED_BLOCKS or not _ANY_LABEL.match(line.text):
            continue
        for el in islice(line.el.iter(), 7):
            if el.tag.__class__ is str and el.tag != "a":
                lead = lead_text(el)
                if lead and _ANY_LABEL.match(lead):
                    labelled[el] = lead
                    break
    tags: _Blocks = []
    related: _Blocks = []
    crumbs: _Blocks = []
    for el, tag, attrs in page.elements():
        lead = labelled.get(el, "")
        if not lead and not attrs:
            continue
        is_tag, is_related, is_crumb = _attr_kinds(attrs) if attrs else (False, False, False)
        if not (lead or is_tag or is_related or is_crumb):
            continue
        if is_tag or (lead and _TAG_LABEL.match(lead)):
            tags.append((el, tag))
        if is_related:
            related.append((el, ""))
        elif lead and tag != "a" and _RELATED_HEAD.match(lead):
            related.append((el, lead))
        if is_crumb or (lead and _CRUMB_TEXT.match(lead)):
            crumbs.append((el, tag))
    # nested blocks list the same links again: keep the outermost related lists; tags and breadcrumbs are read
    # from the first blocks that qualify, so only their number is bounded
    result = (tags[:MAX_BLOCKS], _outermost(page, related, key=itemgetter(0)), crumbs[:MAX_BLOCKS])
    page.cache["link_blocks"] = result
    return result


def _outermost(page: Page, blocks: list[T], key: Callable[[T], HtmlElement]) -> list[T]:
    """``blocks`` (in document order; ``key`` gives each one's element) without those nested in an earlier one
    (nested blocks would list the same links again); at most MAX_BLOCKS of them."""
    kept: list[T] = []
    last: HtmlElement | None = None
    for block in blocks:
        el = key(block)
        if last is None or not page.contains(last, el):  # in document order, only the last kept can hold it
            kept.append(block)
            last = el
            if len(kept) >= MAX_BLOCKS:
                break
    return kept


# --- tags -------------------------------------------------------------------------------------------------


def find_tags(
    page: Page, base: str, *, title: str = "", column: str = "", selector: str | None = None
) -> tuple[tuple[list[str], list[Link]], str]:
    """Visible tag links (相关热词搜索 / 关键词 / 标签); else per-article ``<meta name=keywords>`` (no links)."""
    if selector:
        from crawler.extract.byline import split_names

        return (split_names(select_text(page.root, selector), keep_long=True), []), "profile"
    tags: list[str] = []
    links: list[Link] = []
    for el in [el for el, tag in _blocks(page)[0] if tag != "a"]:
        page.check()
        anchors = _anchors(el, MAX_TAG_LINKS + 1)
        if not anchors or len(anchors) > MAX_TAG_LINKS:
            continue
        for a in anchors:
            text = text_head(a, 21)
            url = _href(a, base)
            if text and url and 1 <= len(text) <= 20 and text not in tags and not _TAG_LABEL.fullmatch(text):
                tags.append(text)
                links.append(Link(url, text, "tag"))
    if tags:
        return (tags, links), "links"
    words = meta_keywords(page, title, column)
    return (words, []), "meta" if words else "none"


def meta_keywords(page: Page, title: str, column: str) -> list[str]:
    """``<meta name=keywords>`` when it looks per-article: no keyword is (part of) the site name; column dropped."""
    meta = page.meta_first(*KEYWORD_META)
    words: list[str] = []
    for word in _KEYWORD_SPLIT.split(meta):
        word = word.strip()
        if word and len(word) <= 20 and word not in words:
            words.append(word)
    if not words:
        return []
    sites = site_names(page, title, with_nav=False)
    if any(len(w) >= 2 and (w in site or site in w) for w in words for site in sites):
        return []
    return [w for w in words if w != column]


# --- prev / next / related ----------------------------------------------------------------------------------


#: text nodes with a 上一篇/下一篇 label collected at most, and looked at at most once they pass the size test
MAX_NEIGHBOUR_NODES, MAX_NEIGHBOUR_LABELS = 2000, 40
#: an element holding a 上一篇 label with more text than this is a whole block, not the neighbour line
MAX_NEIGHBOUR_BLOCK = 300


def _neighbour_texts(page: Page) -> list[tuple[str, HtmlElement, bool]]:
    """(text, element, is its .text) of the text nodes holding a 上一篇/下一篇 label, in document order.

    One pass over the elements, each text node looked at once: nesting costs nothing.
    """
    out: list[tuple[str, HtmlElement, bool]] = []
    for el, _tag, _attrs in page.elements():
        text, tail = el.text, el.tail
        if text and ("上" in text or "下" in text or "前" in text or "后" in text) and _NEIGHBOUR_HINT.search(text):
            out.append((text, el, True))
        if tail and ("上" in tail or "下" in tail or "前" in tail or "后" in tail) and _NEIGHBOUR_HINT.search(tail):
            out.append((tail, el, False))
        if len(out) >= MAX_NEIGHBOUR_NODES:
            break
    return out


def _neighbour_after(node: HtmlElement | None, base: str) -> tuple[str, str] | None:
    """The (url, text) of the first link at or inside ``node`` (the element right after a label)."""
    if node is None:
        return None
    a = _first_anchor(node)
    if a is None:
        return None
    url = _href(a, base)
    return (url, text_head(a, 200)) if url else None


def find_prev_next(page: Page, base: str) -> list[Link]:
    """上一篇/下一篇 links, the label being an element's text or the tail of a child (`<br />下一篇：<a>`)."""
    out: list[Link] = []
    seen: set[str] = set()
    kinds: tuple[tuple[LinkKind, re.Pattern[str]], ...] = (("prev", _PREV_TEXT), ("next", _NEXT_TEXT))
    tried = 0
    for raw, el, inside in _neighbour_texts(page):
        if len(seen) == 2 or tried >= MAX_NEIGHBOUR_LABELS:
            break
        if inside and page.text_size(el) > MAX_NEIGHBOUR_BLOCK and tag_of(el) != "a":
            continue  # a whole block that mentions the label somewhere, not the neighbour line
        tried += 1
        following = (el[0] if len(el) else None) if inside else el.getnext()
        own = norm(raw)
        for kind, rx in kinds:
            if kind in seen:
                continue
            m = rx.match(own)
            if not m:
                continue
            rest = m.group(1).strip()
            if rest and _NO_NEIGHBOUR.match(rest):
                seen.add(kind)
                continue
            if inside and tag_of(el) == "a":
                got = _neighbour_after(el, base)
            elif rest:
                continue  # a title printed without a link
            else:
                got = _neighbour_after(following, base)
            if got is None and inside and len(el) == 0:
                got = _neighbour_after(el.getnext(), base)
            if got is None:
                continue
            url, text = got
            if not text or _NO_NEIGHBOUR.match(text):
                continue
            text = _PREV_TEXT.sub(r"\1", _NEXT_TEXT.sub(r"\1", text)).strip() or text
            out.append(Link(url, text, kind))
            seen.add(kind)
    return out


def _related_block(el: HtmlElement) -> HtmlElement | None:
    """The list a 相关阅读 heading introduces: the heading's own links, a following sibling, or a small parent."""
    if _first_anchor(el) is not None:
        return el
    node = el
    for _ in range(3):
        nxt = node.getnext()
        if nxt is not None and _first_anchor(nxt) is not None:
            return nxt
        parent = node.getparent()
        if parent is None:
            return None
        if _first_anchor(parent) is not None:
            return parent if len(_anchors(parent, MAX_RELATED_PARENT_LINKS + 1)) <= MAX_RELATED_PARENT_LINKS else None
        node = parent
    return None


def find_related(page: Page, base: str, current: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = {current}
    blocks: list[HtmlElement] = []
    for el, lead in _blocks(page)[1]:
        block = _related_block(el) if lead else el
        if block is not None:
            blocks.append(block)
    for block in _outermost(page, blocks, key=lambda el: el):
        page.check()
        for a in _anchors(block, MAX_RELATED):
            url = _href(a, base)
            if not url or url in seen:
                continue
            text = text_head(a, 200)
            if len(text) >= MIN_RELATED_TEXT:
                seen.add(url)
                out.append(Link(url, text, "related"))
        if len(out) >= MAX_RELATED:
            break
    return out


def find_article_links(page: Page, base: str) -> tuple[list[Link], str]:
    """(prev/next and related links, rule)."""
    links = find_prev_next(page, base) + find_related(page, base, base)
    return links, "links" if links else "none"


# --- multi-page pager ---------------------------------------------------------------------------------------

#: links looked at for a pager at most, pager links kept at most, and pages of one article at most
MAX_PAGER_ANCHORS, MAX_PAGER_LINKS, MAX_ARTICLE_PAGES = 5000, 200, 100
#: a pager link's text is short (`2`, `下一页`, `Next »`)
MAX_PAGER_TEXT = 20

_NUMBERED_PATH = re.compile(r"^(?P<stem>.*[^/])(?P<sep>[_-])(?P<n>\d{1,3})(?P<ext>\.[A-Za-z]{2,6})$")
_EXT = re.compile(r"^(?P<stem>.*[^/])(?P<ext>\.[A-Za-z]{2,6})$")
_DIR_PAGE = re.compile(r"^(?P<stem>.*[^/])/(?P<n>\d{1,3})/$")
_PAGE_TEXT = re.compile(r"^[\[【(（]?\s*(?:第\s*)?(\d{1,3})\s*(?:[页頁])?\s*[\]】)）]?$")
_PAGER_WORDS = frozenset(w.lower() for w in (*PAGER_NEXT_WORDS, *PAGER_PREV_WORDS, *PAGER_END_WORDS))
_ARROWS = re.compile(r"[\s»›>«‹<\[\]【】()（）]+")


def _pager_word(text: str) -> bool:
    """`下一页`, `Next »`, `»`, `[末页]`: a pager's word, arrows and brackets around it allowed."""
    bare = _ARROWS.sub("", text)
    return (bare.lower() in _PAGER_WORDS) if bare else bool(text.strip())


@dataclass(frozen=True, slots=True)
class _Scheme:
    """How the pages of one article are numbered in its URLs: a template with one number slot."""

    make: Callable[[int], str]
    #: the URL number of the page being extracted (None: it is the unnumbered first page)
    current: int | None


def _schemes(current: str) -> list[tuple[_Scheme, Callable[[str], int | bool | None]]]:
    """The ways ``current`` can be one page of a multi-page article, each with a matcher for candidate URLs.

    A matcher returns the candidate's URL number, None for the scheme's unnumbered first page, or False.
    """
    try:
        parts = urlsplit(current.split("#")[0])
    except ValueError:
        return []
    out: list[tuple[_Scheme, Callable[[str], int | bool | None]]] = []
    query = parse_qsl(parts.query, keep_blank_values=True)
    param = next((k for k, v in query if k.lower() in PAGE_PARAMS and v.isdigit()), None)
    names = [param] if param else sorted({"page", "p"} | {k for k, _ in query if k.lower() in PAGE_PARAMS})
    for name in names:
        rest = [(k, v) for k, v in query if k != name]
        now = next((int(v) for k, v in query if k == name and v.isdigit()), None)

        def make(n: int, rest: list[tuple[str, str]] = rest, name: str = name) -> str:
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode([*rest, (name, str(n))]), ""))

        def match(url: str, rest: list[tuple[str, str]] = rest, name: str = name) -> int | bool | None:
            got = _split(url)
            if got is None or got.netloc != parts.netloc or got.path != parts.path:
                return False
            q = parse_qsl(got.query, keep_blank_values=True)
            value = next((v for k, v in q if k == name), None)
            if sorted((k, v) for k, v in q if k != name) != sorted(rest):
                return False
            return None if value is None else int(value) if value.isdigit() else False

        out.append((_Scheme(make, now), match))
    path_schemes: list[tuple[str, str, str, int | None]] = []  # (stem, sep, ext, current number)
    numbered = _NUMBERED_PATH.match(parts.path)
    plain = _EXT.match(parts.path)
    in_dir = _DIR_PAGE.match(parts.path)
    if plain:
        path_schemes += [(plain["stem"], sep, plain["ext"], None) for sep in ("_", "-")]
    if numbered:
        path_schemes.append((numbered["stem"], numbered["sep"], numbered["ext"], int(numbered["n"])))
    if parts.path.endswith("/"):  # `/slug/` and `/slug/2/`
        path_schemes.append((parts.path.rstrip("/"), "/", "/", None))
    if in_dir:
        path_schemes.append((in_dir["stem"], "/", "/", int(in_dir["n"])))
    for stem, sep, ext, now in path_schemes:

        def make_path(n: int, stem: str = stem, sep: str = sep, ext: str = ext) -> str:
            return urlunsplit((parts.scheme, parts.netloc, f"{stem}{sep}{n}{ext}", parts.query, ""))

        def match_path(url: str, stem: str = stem, sep: str = sep, ext: str = ext) -> int | bool | None:
            got = _split(url)
            if got is None or got.netloc != parts.netloc or got.query != parts.query:
                return False
            if got.path == f"{stem}{ext}":
                return None
            head, _, number = got.path[: -len(ext)].rpartition(sep) if got.path.endswith(ext) else ("", "", "")
            return int(number) if head == stem and number.isdigit() and len(number) <= 3 else False

        out.append((_Scheme(make_path, now), match_path))
    return out


def links_to_own_pages(body: HtmlElement, url: str) -> bool:
    """Whether the page has a pager to its own numbered pages (`_2`, `-2`, `index_1`, `?page=2` of its own URL, its
    text a page number or a pager word): page 1 of a multi-page article has one, whatever the template around it."""
    current = url.split("#")[0]
    matchers = [match for _scheme, match in _schemes(current)]
    if not matchers:
        return False
    for a in islice(body.iter("a"), MAX_PAGER_ANCHORS):
        text = text_head(a, MAX_PAGER_TEXT)
        if len(a.text or "") > MAX_PAGER_TEXT or (_page_number(text) is None and not _pager_word(text)):
            continue
        href = _href(a, current).split("#")[0]
        if href and href != current and any(type(match(href)) is int for match in matchers):
            return True
    return False


def _split(url: str) -> _UrlParts | None:
    try:
        parts = urlsplit(url.split("#")[0])
    except ValueError:
        return None
    return _UrlParts(parts.netloc, parts.path, parts.query)


@dataclass(frozen=True, slots=True)
class _UrlParts:
    netloc: str
    path: str
    query: str


def _page_number(text: str) -> int | None:
    m = _PAGE_TEXT.match(text)
    return int(m.group(1)) if m else None


def find_pager(page: Page, base: str, current: str) -> tuple[tuple[list[Link], list[str]], str]:
    """((pager links, URLs of the following pages in order), rule)."""
    if not current:
        return ([], []), "none"
    anchors: list[tuple[HtmlElement, str, str]] = []
    cur = current.split("#")[0]
    directory = cur.split("?")[0].rsplit("/", 1)[0] + "/"
    for a in islice(page.body_el.iter("a"), MAX_PAGER_ANCHORS):
        if len(a.text or "") > MAX_PAGER_TEXT:
            continue
        text = text_head(a, MAX_PAGER_TEXT)
        if _page_number(text) is None and not _pager_word(text):
            continue
        url = _href(a, base)
        if url and url.startswith(directory) and url.split("#")[0] != cur:
            anchors.append((a, url, text))
            if len(anchors) >= MAX_PAGER_LINKS:
                break
    if not anchors:
        return ([], []), "none"
    page.check()
    best: tuple[int, _Scheme, list[tuple[HtmlElement, str, str, int | None]]] | None = None
    for scheme, match in _schemes(current):
        hits = [(a, url, text, got) for a, url, text in anchors if (got := match(url)) is not False]
        hits = [(a, url, text, got if isinstance(got, int) else None) for a, url, text, got in hits]
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), scheme, hits)
    if best is None:
        return ([], []), "none"
    _n, scheme, hits = best
    links: list[Link] = []
    seen: set[str] = set()
    for _a, url, text, _got in hits:
        if url not in seen:
            seen.add(url)
            links.append(Link(url, text, "pager"))
    return (links, _following_pages(page, scheme, hits)), "pager"


def _following_pages(
    page: Page, scheme: _Scheme, hits: list[tuple[HtmlElement, str, str, int | None]]
) -> list[str]:
    """The URLs of the pages after the current one, in order, completed up to the printed page count."""
    # how URL numbers map to page numbers: `_2` is page 2, or (TRS, index_N) `_1` is page 2
    offsets = Counter(n - got for _a, _url, text, got in hits if got is not None and (n := _page_number(text)))
    numbers = [got for *_rest, got in hits if got is not None]
    if offsets:
        offset = offsets.most_common(1)[0][0]
    else:
        offset = 1 if numbers and min(numbers) == 1 and scheme.current is None else 0
    current = 1 if scheme.current is None else scheme.current + offset
    by_page: dict[int, str] = {}
    for _a, url, _text, got in hits:
        number = 1 if got is None else got + offset
        if number > current:
            by_page.setdefault(number, url)
    total = max([*by_page, *(n for _a, _u, text, _g in hits if (n := _page_number(text)))], default=current)
    for a, *_rest in hits[:3]:
        for holder in islice(a.iterancestors(), 2):  # the pager's box, or the box around its <li>s
            printed = page_of(text_head(holder, 400))
            if printed is not None:
                total = max(total, printed[1])
    total = min(total, current + MAX_ARTICLE_PAGES)
    for number in range(current + 1, total + 1):
        if number not in by_page and number - offset >= 1:
            by_page[number] = scheme.make(number - offset)
    return [by_page[n] for n in sorted(by_page)]


# --- column, canonical --------------------------------------------------------------------------------------


def find_column(
    page: Page, base: str, title: str, selector: str | None = None
) -> tuple[tuple[str, list[Link]], str]:
    """((column, breadcrumb links), rule): the column meta tag, else the breadcrumb's last real entry."""
    if selector:
        return (select_text(page.root, selector), []), "profile"
    meta = page.meta_first(*COLUMN_META)
    crumbs: list[Link] = []
    nt = normalize(title)
    for el, tag in _blocks(page)[2]:
        if tag == "a":
            continue
        anchors = _anchors(el, MAX_CRUMB_LINKS + 1)
        if not 1 <= len(anchors) <= MAX_CRUMB_LINKS or len(text_head(el, MAX_CRUMB_TEXT + 1)) > MAX_CRUMB_TEXT:
            continue
        for a in anchors:
            text = text_head(a, 60)
            url = _href(a, base)
            if text and url and not _SKIP_CRUMB.match(text) and (not nt or normalize(text) != nt):
                crumbs.append(Link(url, text, "column"))
        if crumbs:
            break
    if meta:
        return (meta, crumbs), "meta"
    if crumbs:
        return (crumbs[-1].text, crumbs), "breadcrumb"
    return ("", []), "none"


def find_canonical(page: Page, base: str) -> tuple[str | None, str]:
    value = page.canonical or page.meta_first(*CANONICAL_META)
    if not value:
        return None, "none"
    try:
        return (urljoin(base, value) if base else value), "link" if page.canonical else "og:url"
    except ValueError:
        return None, "none"
