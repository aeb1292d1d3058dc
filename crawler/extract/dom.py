"""Parsing and small tree helpers shared by the field extractors (lxml only, parse once)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.extract.rules import NOISE_FRAGMENTS, NOISE_WORDS

#: plain lxml elements: the lxml.html element classes cost a Python-level class lookup per element proxy
HtmlElement = etree._Element

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, huge_tree=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
#: whitespace, plus the junk lxml leaves for control characters (U+FFFD) and non-characters: all become one space.
#: (Control characters are not stripped from the whole page before parsing: that scan cost more than the parse.)
_WS = re.compile(r"[\s\x00-\x08\x7f\u00a0\u3000\u2002\u2003\u2009\u200b\u200c\u200d\ufeff\ufffd\ufffe\uffff]+")

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
    text = text or ""
    decl = _XML_DECL.match(text)  # anchored: costs nothing on pages without one
    if decl:
        text = text[decl.end() :]
    if not text or text.isspace():
        text = "<html><body></body></html>"
    try:
        root = etree.fromstring(text, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or not isinstance(root, HtmlElement):
        root = etree.fromstring("<html><body></body></html>", _PARSER)
    elif root.find("body") is None and root.tag == "html":
        etree.SubElement(root, "body")
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


def drop_tree(el: HtmlElement) -> None:
    """Remove ``el`` and its children, keeping its tail text in place (lxml.html's drop_tree for plain elements)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is None:
            parent.text = (parent.text or "") + tail
        else:
            prev.tail = (prev.tail or "") + tail
    parent.remove(el)


def text_content(el: HtmlElement) -> str:
    return "".join(el.itertext())


def remove_tags(root: HtmlElement, tags: frozenset[str] = DROP_TAGS) -> None:
    """Drop invisible elements, keeping their tail text."""
    doomed = [el for el in root.iter(*tags) if el is not root]
    for el in doomed:
        try:
            drop_tree(el)
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


def iter_lines(
    el: HtmlElement, skip: Callable[[HtmlElement], bool] | None = None
) -> list[tuple[str, HtmlElement]]:
    """(line, block element) pairs: text split at block boundaries and <br>, in document order.

    Iterative (no recursion limit on deeply nested junk) and list-building (no generator overhead).
    """
    out: list[tuple[str, HtmlElement]] = []
    buf: list[str] = []
    owner: list[HtmlElement] = [el]
    block_tags = BLOCK_TAGS

    def flush() -> None:
        if buf:
            line = norm("".join(buf))
            buf.clear()
            if line:
                out.append((line, owner[-1]))

    stack: list[tuple[HtmlElement, bool]] = [(el, False)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, exiting = pop()
        if exiting:
            if node.tag in block_tags:
                flush()
                owner.pop()
            if node is not el and node.tail:
                buf.append(node.tail)
            continue
        tag = node.tag
        if tag.__class__ is not str:
            if node.tail:
                buf.append(node.tail)
            continue
        if skip is not None and node is not el and skip(node):
            if tag in block_tags:
                flush()
            if node.tail:
                buf.append(node.tail)
            continue
        if tag in block_tags:
            flush()
            owner.append(node)
        if node.text and tag != "br":
            buf.append(node.text)
        push((node, True))
        if len(node):
            stack.extend((child, False) for child in reversed(node))
    flush()
    return out


def ancestors(el: HtmlElement) -> Iterator[HtmlElement]:
    node = el.getparent()
    while node is not None:
        yield node
        node = node.getparent()
