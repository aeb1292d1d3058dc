"""Tell article pages from list pages: URL shape plus a few cheap cues from the markup. Pure and fast."""

from __future__ import annotations

import re
from typing import Any, Literal

from crawler.extract.dom import HtmlElement, parse_html, remove_tags, tag_of, text_head
from crawler.extract.links import links_to_own_pages
from crawler.extract.rules import ARTICLE_URL, LIST_URL

PageKind = Literal["article", "list", "other"]

_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_PUNCT = re.compile(r"[，。！？；：、“”]")


def _root_of(doc: Any) -> HtmlElement | None:
    if isinstance(doc, HtmlElement):
        return doc
    root = getattr(doc, "root", None)  # parsel.Selector
    if isinstance(root, HtmlElement):
        return root
    if isinstance(doc, bytes):
        from crawler.extract.encoding import decode_html

        doc = decode_html(doc)[0]
    if isinstance(doc, str):
        root = parse_html(doc)
        remove_tags(root)
        return root
    text = getattr(doc, "text", None)  # scrapy Response
    if isinstance(text, str):
        root = parse_html(text)
        remove_tags(root)
        return root
    return None


def page_kind(html_or_selector: Any, url: str | None = "") -> PageKind:
    """'article', 'list' or 'other' for a page (str/bytes, parsel Selector, lxml tree or response)."""
    try:
        return _page_kind(html_or_selector, url or "")
    except Exception:  # classification must never break a crawl
        return "other"


def _page_kind(doc: Any, url: str) -> PageKind:
    score = 0.0
    path = re.sub(r"^[a-z]+://", "", url, flags=re.I)
    if ARTICLE_URL.search(url):
        score += 2.0
    elif LIST_URL.search(url) or "/" not in path.rstrip("/"):
        score -= 2.0
    root = _root_of(doc)
    if root is None:
        return "article" if score > 0 else "other"
    body = root.find("body")
    if body is None:
        body = root
    short_links = 0
    link_chars = 0
    for a in body.iter("a"):
        text = text_head(a, 200)
        link_chars += len(text)
        if 4 <= len(text) <= 40:
            short_links += 1
    longest = 0
    total = 0
    punct_blocks = 0
    prose_chars = 0  # text of blocks that read like sentences: an article spreads it over several short paragraphs
    for el in body.iter("p", "div", "td", "article", "section"):
        own = (el.text or "") + "".join((c.tail or "") for c in el if tag_of(c) != "a")
        own = own.strip()
        total += len(own)
        if len(own) > longest:
            longest = len(own)
        if len(own) >= 60 and len(_PUNCT.findall(own)) >= 3:
            punct_blocks += 1
        if len(own) >= 20 and _PUNCT.search(own):
            prose_chars += len(own)
    text_chars = total
    if longest >= 200 or punct_blocks >= 3 or prose_chars >= 300:
        score += 2.0
    elif longest >= 80:
        score += 0.5
    h1 = body.find(".//h1")
    if h1 is not None:
        near = [text_head(h1, 400)]  # PHPCMS puts the date line inside the h1
        node: HtmlElement | None = h1
        for _ in range(4):
            node = node.getnext() if node is not None else None
            if node is None:
                break
            near.append(text_head(node, 400))
        if _DATE.search(" ".join(near)[:400]):
            score += 1.5
    if score >= 2.0 and url and links_to_own_pages(body, url):
        # page 1 of a multi-page article: its share of the body is short, so the template around it (~100 links,
        # a sidebar of dated headlines) made it read like a list (41 of 95 such pages of the benchmark site were
        # lost as lists). Already article-like by its URL or its text, a page that continues itself onto its own
        # numbered pages is one: the template's cues are not weighed against it
        return "article"
    if short_links >= 25 and link_chars > 1.5 * max(text_chars, 1) and punct_blocks < 3:
        score -= 2.5
    dated_links = sum(1 for el in body.iter("li") if _DATE.search(text_head(el, 80)))
    if dated_links >= 8 and punct_blocks < 3:
        score -= 1.5
    if score >= 1.5:
        return "article"
    if score <= -1.0 or (short_links >= 15 and longest < 120):
        return "list"
    return "other"
