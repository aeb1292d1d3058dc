"""Parsing and small tree helpers shared by the field extractors (lxml only, parse once)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.extract.rules import NOISE_FRAGMENTS, NOISE_WORDS

HtmlElement = lxml.html.HtmlElement

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True, huge_tree=True)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_WS = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b\u200c\u200d\ufeff]+")

#: elements whose content is never visible text
DROP_TAGS: frozenset[str] = frozenset(
    {"script", "style", "noscript", "template", "iframe", "select", "option", "textarea", "button", "object",
     "embed", "svg", "canvas", "link", "meta", "input", "map", "audio", "video", "source"}
)

#: elements that start a new line of text
BLOCK_TAGS: frozenset[str] = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "tbody", "thead", "tfoot", "h1", "h2",
     "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "aside", "nav", "blockquote", "pre",
     "figure", "figcaption", "center", "form", "hr", "main", "address", "td", "th", "caption", "fieldset"}
)


def parse_html(text: str) -> HtmlElement:
    """Parse text into an lxml document; malformed or empty input yields an (almost) empty document."""
    text = _CONTROL.sub("", _XML_DECL.sub("", text or "", count=1))
    if not text.strip():
        text = "<html><body></body></html>"
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or not isinstance(root, HtmlElement):
        root = lxml.html.document_fromstring("<html><body></body></html>", parser=_PARSER)
    return root


def norm(text: str | None) -> str:
    """Collapse every kind of whitespace to one space and strip."""
    return _WS.sub(" ", text).strip() if text else ""


def tag_of(el: object) -> str:
    """Lower-case tag name ('' for comments/entities); lxml's HTML parser already lower-cases tags."""
    tag = getattr(el, "tag", None)
    return tag if tag.__class__ is str else ""


def text_of(el: HtmlElement) -> str:
    """Normalised visible text of an element (blocks separated by spaces)."""
    try:
        return norm(" ".join(el.itertext()))
    except (ValueError, TypeError):
        return ""


def class_id(el: HtmlElement) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


_WORD_SPLIT = re.compile(r"[\s_\-]+")


@lru_cache(maxsize=4096)
def _noise_attr(value: str) -> bool:
    low = value.lower()
    if any(f in low for f in NOISE_FRAGMENTS):
        return True
    return any(w in NOISE_WORDS for w in _WORD_SPLIT.split(low) if w) or any(
        w in NOISE_WORDS for w in low.split()
    )


def is_noise_block(el: HtmlElement) -> bool:
    """True when the class/id says the block is chrome (share bar, related list, footer…)."""
    tag = tag_of(el)
    if tag in ("nav", "footer", "aside"):
        return True
    if tag in ("article", "main", "body", "html", "h1"):
        return False
    value = class_id(el)
    return bool(value) and _noise_attr(value)


def remove_tags(root: HtmlElement, tags: frozenset[str] = DROP_TAGS) -> None:
    """Drop invisible elements, keeping their tail text."""
    doomed = [el for el in root.iter() if tag_of(el) in tags and el is not root]
    for el in doomed:
        try:
            el.drop_tree()
        except (AssertionError, ValueError, TypeError):  # pragma: no cover - detached element
            continue


@lru_cache(maxsize=512)
def _compile(selector: str) -> Callable[[HtmlElement], list] | None:
    sel = selector.strip()
    try:
        if sel.startswith(("/", "(")):
            return etree.XPath(sel)
        return CSSSelector(sel)
    except Exception:  # a bad selector from a profile must not crash extraction
        return None


def select(root: HtmlElement, selector: str) -> list:
    """Run a CSS or XPath selector (XPath when it starts with '/' or '('); bad selectors select nothing."""
    fn = _compile(selector)
    if fn is None:
        return []
    try:
        result = fn(root)
    except Exception:
        return []
    if not isinstance(result, list):
        return [result] if result not in (None, "") else []
    return result


def select_text(root: HtmlElement, selector: str) -> str:
    parts = []
    for item in select(root, selector):
        if isinstance(item, HtmlElement | etree._Element):
            parts.append(text_of(item))
        else:
            parts.append(norm(str(item)))
    return norm(" ".join(p for p in parts if p))


def iter_lines(el: HtmlElement, skip: Callable[[HtmlElement], bool] | None = None) -> Iterator[tuple[str, HtmlElement]]:
    """Yield (line, block element) pairs: text split at block boundaries and <br>, in document order."""
    buf: list[str] = []
    owner: list[HtmlElement] = [el]

    def flush() -> Iterator[tuple[str, HtmlElement]]:
        line = norm("".join(buf))
        buf.clear()
        if line:
            yield line, owner[-1]

    def walk(node: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
        tag = tag_of(node)
        block = tag in BLOCK_TAGS
        if block:
            yield from flush()
            owner.append(node)
        if node.text and tag != "br":
            buf.append(node.text)
        for child in node:
            if not isinstance(child.tag, str):
                if child.tail:
                    buf.append(child.tail)
                continue
            if skip is not None and skip(child):
                if tag_of(child) in BLOCK_TAGS:
                    yield from flush()
                if child.tail:
                    buf.append(child.tail)
                continue
            yield from walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            yield from flush()
            owner.pop()

    yield from walk(el)
    yield from flush()


def ancestors(el: HtmlElement) -> Iterator[HtmlElement]:
    node = el.getparent()
    while node is not None:
        yield node
        node = node.getparent()
