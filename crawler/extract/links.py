# ruff: noqa: RUF001
"""Links researchers follow: tags, prev/next article, related articles, pager pages; column and canonical URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.extract.dom import HtmlElement, norm, tag_of, text_of
from crawler.extract.page import Page
from crawler.extract.rules import KEYWORD_META, NEXT_TEXT, NO_NEIGHBOUR, PREV_TEXT
from crawler.extract.title import normalize
from crawler.extract.types import Link

_TAG_BLOCK = re.compile(r"tag|keyword|guanjianci|gjc|hotword|rcms", re.I)
_TAG_LABEL = re.compile(r"^(?:相关热词搜索|热词搜索|关键词|關鍵詞|关键字|标签|TAG|Tags?)\s*[:：]?", re.I)
_RELATED_BLOCK = re.compile(r"related|relate|xgwz|xgxw|xiangguan|correlation|about-news|xglj", re.I)
_RELATED_HEAD = re.compile(r"^(?:相关阅读|相关新闻|相关文章|相关链接|相关报道|延伸阅读|推荐阅读|相關新聞|相關閱讀)")
_CRUMB_BLOCK = re.compile(r"crumb|position|location|weizhi|dqwz|curpos|current|nav_?path|path|daohang|mianbao", re.I)
_CRUMB_TEXT = re.compile(r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|所在位置|位置|當前位置)\s*[:：]")
_PAGE_PARAM = ("page", "p", "pageno", "pagenum", "pn", "pg", "currentpage", "cp")
_SKIP_CRUMB = re.compile(r"^(?:首页|首頁|主页|网站首页|Home|正文|当前位置|您的位置|>|»|→)$", re.I)


def _href(a: HtmlElement, base: str) -> str:
    href = (a.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
        return ""
    try:
        return urljoin(base, href) if base else href
    except ValueError:
        return ""


def find_tags(page: Page, base: str) -> tuple[list[str], list[Link]]:
    tags: list[str] = []
    links: list[Link] = []
    for el in page.body_el.iter():
        if not tag_of(el) or tag_of(el) == "a":
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        own = norm(el.text)
        if not ((attrs.strip() and _TAG_BLOCK.search(attrs)) or _TAG_LABEL.match(own)):
            continue
        anchors = list(el.iter("a"))
        if not anchors or len(anchors) > 30:
            continue
        for a in anchors:
            text = text_of(a)
            url = _href(a, base)
            if text and url and 1 <= len(text) <= 20 and text not in tags and not _TAG_LABEL.fullmatch(text):
                tags.append(text)
                links.append(Link(url, text, "tag"))
    if not tags:
        meta = page.meta_first(*KEYWORD_META)
        for word in re.split(r"[,，;；|、\s]+", meta):
            word = word.strip()
            if word and len(word) <= 20 and word not in tags:
                tags.append(word)
    return tags, links


def _neighbour(el: HtmlElement, base: str) -> tuple[str, str] | None:
    """The (url, text) of the link that follows a 上一篇/下一篇 label, or None when there is none."""
    if tag_of(el) == "a":
        url = _href(el, base)
        return (url, text_of(el)) if url else None
    for a in el.iter("a"):
        url = _href(a, base)
        if url:
            return url, text_of(a)
    sib = el.getnext()
    if sib is not None and tag_of(sib) == "a":
        url = _href(sib, base)
        if url:
            return url, text_of(sib)
    return None


def find_prev_next(page: Page, base: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = set()
    for el in page.body_el.iter():
        if not tag_of(el):
            continue
        own = norm(el.text)
        if not own:
            continue
        for kind, rx in (("prev", PREV_TEXT), ("next", NEXT_TEXT)):
            m = rx.match(own)
            if not m or kind in seen:
                continue
            rest = m.group(1).strip()
            if rest and NO_NEIGHBOUR.match(rest):
                seen.add(kind)
                continue
            full = text_of(el)
            if len(full) > 150:
                continue
            got = _neighbour(el, base)
            if got is None:
                continue
            url, text = got
            if NO_NEIGHBOUR.match(text) or not text:
                continue
            out.append(Link(url, PREV_TEXT.sub(r"\1", NEXT_TEXT.sub(r"\1", text)).strip() or text, kind))  # type: ignore[arg-type]
            seen.add(kind)
    return out


def find_related(page: Page, base: str, current: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = {current}
    blocks: list[HtmlElement] = []
    for el in page.body_el.iter():
        if not tag_of(el):
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if attrs.strip() and _RELATED_BLOCK.search(attrs):
            blocks.append(el)
        elif tag_of(el) in ("h2", "h3", "h4", "div", "span", "strong", "p") and _RELATED_HEAD.match(norm(el.text)):
            nxt = el.getnext()
            blocks.append(nxt if nxt is not None and len(list(el.iter("a"))) == 0 else el)
    for block in blocks:
        if block is None:
            continue
        for a in block.iter("a"):
            url = _href(a, base)
            text = text_of(a)
            if url and url not in seen and len(text) >= 6:
                seen.add(url)
                out.append(Link(url, text, "related"))
    return out


def _page_key(url: str) -> tuple[str, int] | None:
    """(stem, page number) of a multi-page article URL: name_2.html, name-2.html, ?page=2; page 1 for the base."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = parts.path
    for key, value in parse_qsl(parts.query):
        if key.lower() in _PAGE_PARAM and value.isdigit():
            rest = "&".join(f"{k}={v}" for k, v in parse_qsl(parts.query) if k != key)
            return f"{parts.netloc}{path}?{rest}", int(value)
    m = re.match(r"^(.*?)(?:_|-)(\d{1,3})(\.[a-z]{2,6})$", path, re.I)
    if m:
        return f"{parts.netloc}{m.group(1)}{m.group(3)}?{parts.query}", int(m.group(2))
    return f"{parts.netloc}{path}?{parts.query}", 1


def find_pager(page: Page, base: str, current: str) -> tuple[list[Link], list[str]]:
    cur = _page_key(current)
    if cur is None:
        return [], []
    stem, number = cur
    by_page: dict[int, str] = {}
    links: list[Link] = []
    seen: set[str] = set()
    for a in page.body_el.iter("a"):
        url = _href(a, base)
        if not url or url in seen:
            continue
        key = _page_key(url)
        if key is None or key[0] != stem or url.split("#")[0] == current.split("#")[0]:
            continue
        text = text_of(a)
        if key[1] == number and not text.isdigit():
            continue
        seen.add(url)
        links.append(Link(url, text, "pager"))
        if key[1] > number:
            by_page.setdefault(key[1], url)
    return links, [by_page[n] for n in sorted(by_page)]


def find_column(page: Page, base: str, title: str) -> tuple[str, list[Link], str]:
    meta = page.meta_first("columnname", "column", "article:section", "catalogs")
    crumbs: list[Link] = []
    for el in page.body_el.iter():
        if not tag_of(el) or tag_of(el) == "a":
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        own = norm(el.text)
        if not ((attrs.strip() and _CRUMB_BLOCK.search(attrs)) or _CRUMB_TEXT.match(own)):
            continue
        anchors = list(el.iter("a"))
        if not 1 <= len(anchors) <= 8 or len(text_of(el)) > 120:
            continue
        nt = normalize(title)
        for a in anchors:
            text = text_of(a)
            url = _href(a, base)
            if text and url and not _SKIP_CRUMB.match(text) and (not nt or normalize(text) != nt):
                crumbs.append(Link(url, text, "column"))
        if crumbs:
            break
    if meta:
        return meta, crumbs, "meta"
    if crumbs:
        return crumbs[-1].text, crumbs, "breadcrumb"
    return "", [], "none"


def find_canonical(page: Page, base: str) -> str | None:
    value = page.canonical or page.meta_first("og:url")
    if not value:
        return None
    try:
        return urljoin(base, value) if base else value
    except ValueError:
        return None
