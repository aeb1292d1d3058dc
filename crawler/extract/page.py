"""The parsed page shared by all field finders: tree, metadata, JSON-LD and the page's text lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from crawler.extract.budget import Budget
from crawler.extract.dom import (
    HtmlElement,
    Line,
    drop_tree,
    is_never_article,
    is_noise,
    iter_lines,
    norm,
    parse_html,
    remove_tags,
    text_of,
)

__all__ = ["Line", "Page", "build_page"]

#: a JSON-LD block larger than this is not article metadata (it is a data dump); it is not parsed
MAX_JSONLD_CHARS = 200_000
#: JSON-LD objects kept per page: articles carry a handful; more is a product feed
MAX_JSONLD_OBJECTS = 200


@dataclass(slots=True)
class Page:
    root: HtmlElement
    url: str
    fetched_at: datetime
    tz: tzinfo
    title_tag: str = ""
    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict[str, object]] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    canonical: str | None = None
    #: filled by the title finder: the headline element and its line index in ``lines``
    headline_el: HtmlElement | None = None
    headline_idx: int | None = None
    budget: Budget = field(default_factory=Budget)
    _first_line: dict[HtmlElement, int] | None = None
    _elements: list[tuple[HtmlElement, str, str]] | None = None
    _chrome: set[HtmlElement] | None = None
    _never: set[HtmlElement] | None = None
    _spans: dict[HtmlElement, tuple[int, int]] | None = None
    _sizes: dict[HtmlElement, int] | None = None
    #: per-page memo of the field finders (e.g. the link blocks), so each is computed once
    cache: dict[str, object] = field(default_factory=dict)

    def check(self) -> None:
        """Give up the current finder when its time budget is spent (raises ``OutOfTime``)."""
        self.budget.check()

    def elements(self) -> list[tuple[HtmlElement, str, str]]:
        """(element, tag, "class id") for every element of <body> in document order, computed once."""
        if self._elements is None:
            out: list[tuple[HtmlElement, str, str]] = []
            for el in self.body_el.iter():
                tag = el.tag
                if tag.__class__ is not str:
                    continue
                cls = el.get("class")
                ident = el.get("id")
                attrs = f"{cls} {ident}" if cls and ident else cls or ident or ""
                out.append((el, str(tag), attrs.strip()))
            self._elements = out
        return self._elements

    def is_chrome(self, el: HtmlElement) -> bool:
        """True when ``el`` lies in a block that is chrome by its tag or class (nav, sidebar, share bar…)."""
        if self._chrome is None:
            self._chrome = self._inherited(is_noise)
        return el in self._chrome

    def is_never_article(self, el: HtmlElement) -> bool:
        """True when ``el`` lies in chrome that never holds the article (a comment thread, a footer)."""
        if self._never is None:
            self._never = self._inherited(is_never_article)
        return el in self._never

    def _inherited(self, test: Callable[[str, str], bool]) -> set[HtmlElement]:
        """The elements for which ``test(tag, "class id")`` holds, or for an ancestor of which it does."""
        marked: set[HtmlElement] = set()
        for node, tag, attrs in self.elements():
            parent = node.getparent()
            if (parent is not None and parent in marked) or test(tag, attrs):
                marked.add(node)
        return marked

    def span(self, el: HtmlElement) -> tuple[int, int]:
        """(first, last) document-order index of ``el``'s subtree: B lies inside A when A's span holds B's start.

        Computed once for all elements, so containment tests cost nothing however deep the nesting.
        """
        if self._spans is None:
            elements = self.elements()
            index = {node: i for i, (node, _tag, _attrs) in enumerate(elements)}
            last = list(range(len(elements)))
            for i in range(len(elements) - 1, -1, -1):
                parent = elements[i][0].getparent()
                j = index.get(parent) if parent is not None else None
                if j is not None and last[i] > last[j]:
                    last[j] = last[i]
            self._spans = {node: (i, last[i]) for node, i in index.items()}
        return self._spans.get(el, (-1, -1))

    def text_size(self, el: HtmlElement) -> int:
        """Characters of text (whitespace included) inside ``el``: computed once for all elements, so a size test
        costs nothing however deep the nesting."""
        if self._sizes is None:
            sizes: dict[HtmlElement, int] = {}
            for node, _tag, _attrs in reversed(self.elements()):
                size = len(node.text or "")
                for child in node:
                    size += sizes.get(child, 0) + len(child.tail or "")
                sizes[node] = size
            self._sizes = sizes
        return self._sizes.get(el, 0)

    def contains(self, outer: HtmlElement, inner: HtmlElement) -> bool:
        """True when ``inner`` lies inside ``outer`` (or is it)."""
        a, b = self.span(outer)
        return a >= 0 and a <= self.span(inner)[0] <= b

    def line_index(self, el: HtmlElement) -> int | None:
        """Index of the first line that lies inside ``el`` (computed once for all elements)."""
        if self._first_line is None:
            first: dict[HtmlElement, int] = {}
            for i, line in enumerate(self.lines):
                node: HtmlElement | None = line.el
                while node is not None and node not in first:
                    first[node] = i
                    node = node.getparent()
            self._first_line = first
        return self._first_line.get(el)

    def meta_first(self, *names: str) -> str:
        for name in names:
            for value in self.meta.get(name.lower(), ()):
                if value:
                    return value
        return ""

    def ld_first(self, *keys: str) -> object:
        for obj in self.jsonld:
            for key in keys:
                value = obj.get(key)
                if value:
                    return value
        return None

    @property
    def body_el(self) -> HtmlElement:
        body = self.root.find("body")
        return body if body is not None else self.root


def _flatten_ld(data: object, out: list[dict[str, object]]) -> None:
    """Every JSON object of a JSON-LD document, ``@graph`` members included; iterative, so depth costs nothing."""
    stack = [data]
    while stack and len(out) < MAX_JSONLD_OBJECTS:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list | dict):
                stack.append(graph)


def _load_ld(text: str, out: list[dict[str, object]]) -> None:
    if len(text) > MAX_JSONLD_CHARS:
        return
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # broken or absurdly nested JSON is no metadata
        return
    _flatten_ld(data, out)


def build_page(html: str, url: str, fetched_at: datetime, tz: tzinfo, budget: Budget | None = None) -> Page:
    root = parse_html(html)
    page = Page(root=root, url=url, fetched_at=fetched_at, tz=tz, budget=budget or Budget())
    for el in root.iter("meta"):
        key = el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content:
            page.meta.setdefault(key.strip().lower(), []).append(norm(content))
    for el in root.iter("script"):
        if (el.get("type") or "").lower() == "application/ld+json" and el.text:
            _load_ld(el.text.strip(), page.jsonld)
    for el in root.iter("link"):
        href = el.get("href")
        if (el.get("rel") or "").lower() == "canonical" and href:
            page.canonical = href.strip()
            break
    title_el = root.find(".//title")
    if title_el is not None:
        page.title_tag = text_of(title_el)
    for el in root.iter("time"):  # keep machine datetimes before dropping attributes' owners
        stamp = el.get("datetime")
        if stamp and el.get("pubdate") is not None:
            page.meta.setdefault("time:pubdate", []).append(stamp)
    remove_tags(root)
    for head in root.findall("head"):
        drop_tree(head)
    page.lines = iter_lines(page.body_el)
    return page
