"""The parsed page shared by all field extractors: tree, metadata, JSON-LD and the page's text lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from crawler.extract.dom import HtmlElement, drop_tree, iter_lines, norm, parse_html, remove_tags, tag_of, text_of


@dataclass(slots=True)
class Line:
    text: str
    el: HtmlElement
    in_link: bool


@dataclass(slots=True)
class Page:
    root: HtmlElement
    url: str
    fetched_at: datetime
    tz: tzinfo
    title_tag: str = ""
    meta: dict[str, list[str]] = field(default_factory=dict)
    jsonld: list[dict] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    canonical: str | None = None
    #: filled by the title finder: the headline element and its line index in ``lines``
    headline_el: HtmlElement | None = None
    headline_idx: int | None = None
    _first_line: dict[HtmlElement, int] | None = None
    _elements: list[tuple[HtmlElement, str, str]] | None = None
    #: per-page memo of the field finders (e.g. the link blocks), so each is computed once
    cache: dict[str, object] = field(default_factory=dict)

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
                out.append((el, tag, attrs.strip()))
            self._elements = out
        return self._elements

    def line_index(self, el: HtmlElement) -> int | None:
        """Index of the first line that lies inside ``el`` (computed once for all elements)."""
        if self._first_line is None:
            first: dict[HtmlElement, int] = {}
            for i, line in enumerate(self.lines):
                node = line.el
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


def _flatten_ld(data: object, out: list[dict]) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten_ld(item, out)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _flatten_ld(data["@graph"], out)


def build_page(html: str, url: str, fetched_at: datetime, tz: tzinfo) -> Page:
    root = parse_html(html)
    page = Page(root=root, url=url, fetched_at=fetched_at, tz=tz)
    for el in root.iter("meta"):
        key = el.get("name") or el.get("property") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content:
            page.meta.setdefault(key.strip().lower(), []).append(norm(content))
    for el in root.iter("script"):
        if (el.get("type") or "").lower() == "application/ld+json" and el.text:
            try:
                _flatten_ld(json.loads(el.text.strip()), page.jsonld)
            except ValueError:
                continue
    for el in root.iter("link"):
        if (el.get("rel") or "").lower() == "canonical" and el.get("href"):
            page.canonical = el.get("href").strip()
            break
    title_el = root.find(".//title")
    if title_el is not None:
        page.title_tag = text_of(title_el)
    for el in root.iter("time"):  # keep machine datetimes before dropping attributes' owners
        if el.get("datetime") and el.get("pubdate") is not None:
            page.meta.setdefault("time:pubdate", []).append(el.get("datetime"))
    remove_tags(root)
    for head in root.findall("head"):
        drop_tree(head)
    page.lines = [Line(text, el, _in_link(el)) for text, el in iter_lines(page.body_el)]
    return page


def _in_link(el: HtmlElement) -> bool:
    return tag_of(el) == "a"
