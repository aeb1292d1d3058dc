"""Parsing and small tree helpers shared by the field extractors (lxml only, parse once)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeAlias, cast
from urllib.parse import urljoin as _urljoin

from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.extract.rules import NEVER_ARTICLE_FRAGMENTS, NOISE_FRAGMENTS, NOISE_WORDS

#: plain lxml elements: the lxml.html element classes cost a Python-level class lookup per element proxy
HtmlElement: TypeAlias = etree._Element

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


#: (base, href) joins remembered: the finders (title, links, pager, related, images) join many of a page's ~100
#: links each, and urllib's urljoin parses both URLs every time
JOIN_CACHE = 8192


@lru_cache(maxsize=JOIN_CACHE)
def urljoin(base: str, href: str) -> str:
    """urllib.parse.urljoin, remembered (a pure function: the same answer, or the same ValueError, every time)."""
    return _urljoin(base, href)


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


_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Letters and digits only, NFKC and case-folded: the form in which titles and names are compared."""
    # \w in a str pattern is exactly str.isalnum() (Unicode L* and N*) plus "_"
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def tag_of(el: object) -> str:
    """Lower-case tag name ('' for comments/entities); lxml's HTML parser already lower-cases tags."""
    tag = getattr(el, "tag", None)
    return tag if tag.__class__ is str else ""


def texts(el: HtmlElement) -> Iterator[str]:
    """The text pieces of an element in document order (lxml's HTML trees hold str, never bytes)."""
    return cast(Iterator[str], el.itertext())


def text_of(el: HtmlElement) -> str:
    """Normalised visible text of an element (blocks separated by spaces)."""
    try:
        return norm(" ".join(texts(el)))
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


#: tags that are page chrome whatever their class says, and tags that never are
CHROME_TAGS = frozenset({"nav", "footer", "aside"})
NEVER_CHROME_TAGS = frozenset({"article", "main", "body", "html", "h1"})


def is_noise(tag: str, attrs: str) -> bool:
    """True when a tag or its "class id" says the block is chrome (share bar, related list, footer…)."""
    if tag in CHROME_TAGS:
        return True
    if tag in NEVER_CHROME_TAGS or not attrs:
        return False
    return _noise_attr(attrs)


@lru_cache(maxsize=4096)
def _never_article_attr(value: str) -> bool:
    low = value.lower()
    return any(f in low for f in NEVER_ARTICLE_FRAGMENTS)


def is_never_article(tag: str, attrs: str) -> bool:
    """True for chrome that never holds the article (comment threads, footers), unlike a block whose class only
    looks like chrome (`main-side`, `print_area`)."""
    return tag in CHROME_TAGS or (bool(attrs) and tag not in NEVER_CHROME_TAGS and _never_article_attr(attrs))


def is_noise_block(el: HtmlElement) -> bool:
    """True when the element's own tag or class/id says the block is chrome."""
    return is_noise(tag_of(el), class_id(el))


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


def remove_tags(root: HtmlElement, tags: frozenset[str] = DROP_TAGS) -> None:
    """Drop invisible elements, keeping their tail text."""
    doomed = [el for el in root.iter(*tags) if el is not root]
    for el in doomed:
        try:
            drop_tree(el)
        except (AssertionError, ValueError, TypeError):  # pragma: no cover - detached element
            continue


Selector = Callable[[HtmlElement], Any]


@lru_cache(maxsize=512)
def _compile(selector: str) -> Selector | None:
    sel = selector.strip()
    try:
        if sel.startswith(("/", "(")):
            return cast(Selector, etree.XPath(sel))
        return cast(Selector, CSSSelector(sel))
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
        if isinstance(item, HtmlElement):
            parts.append(text_of(item))
        else:
            parts.append(norm(str(item)))
    return norm(" ".join(p for p in parts if p))


@dataclass(slots=True)
class Line:
    """One line of visible text: split at block boundaries and <br>, whitespace normalised."""

    text: str
    #: the block element the line belongs to
    el: HtmlElement
    #: offsets in ``text`` where an inline element's own text starts (`<span>来源：某某网</span><span>张三</span>`)
    bounds: tuple[int, ...] = ()
    #: most of the line is link text (a link list entry, a pager, a teaser)
    in_link: bool = False
    #: characters of link text in the line
    link_chars: int = 0


#: a line is a link line when at least this share of its characters is link text (a teaser with a date tail)
LINK_LINE_SHARE = 0.6


def _boundaries(pieces: list[str], opens: list[bool], line: str) -> tuple[int, ...]:
    """Offsets in the normalised ``line`` where a piece that opens an inline element begins.

    `<span>来源：某某网</span><span>张三</span>` reads `来源：某某网张三`; the offset of `张三` lets a labelled
    value stop at the element boundary instead of running into the next field.
    """
    out: list[int] = []
    text = ""
    for piece, is_open in zip(pieces, opens, strict=True):
        part = _WS.sub(" ", piece)
        if text.endswith(" ") and part.startswith(" "):
            part = part[1:]
        if is_open and part.strip():
            out.append(len(text) + (len(part) - len(part.lstrip())))
        text += part
    lead = len(text) - len(text.lstrip())
    if text.strip() != line:  # pragma: no cover - the two normalisations always agree; never trust a mismatch
        return ()
    return tuple(o - lead for o in out if 0 < o - lead < len(line))


def iter_lines(el: HtmlElement, skip: Callable[[HtmlElement], bool] | None = None) -> list[Line]:
    """The lines of ``el`` in document order, skipping subtrees for which ``skip`` says so.

    Iterative (no recursion limit on deeply nested junk) and list-building (no generator overhead).
    """
    out: list[Line] = []
    buf: list[str] = []
    opens: list[bool] = []
    linked = [0, 0]  # characters of the current line inside / outside links
    owner: list[HtmlElement] = [el]
    in_a = 0
    block_tags = BLOCK_TAGS

    def add(piece: str, is_open: bool) -> None:
        buf.append(piece)
        opens.append(is_open)
        linked[0 if in_a else 1] += len(piece)

    def flush() -> None:
        if buf:
            line = norm("".join(buf))
            if line:
                bounds = _boundaries(buf, opens, line) if any(opens) else ()
                in_link = linked[0] >= LINK_LINE_SHARE * (linked[0] + linked[1])
                out.append(Line(line, owner[-1], bounds, in_link, linked[0]))
            buf.clear()
            opens.clear()
        linked[0] = linked[1] = 0

    stack: list[tuple[HtmlElement, bool]] = [(el, False)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, exiting = pop()
        if exiting:
            tag = node.tag
            if tag in block_tags:
                flush()
                owner.pop()
            elif tag == "a":
                in_a -= 1
            if node is not el and node.tail:
                add(node.tail, False)
            continue
        tag = node.tag
        if tag.__class__ is not str:
            if node.tail:
                add(node.tail, False)
            continue
        if skip is not None and node is not el and skip(node):
            if tag in block_tags:
                flush()
            if node.tail:
                add(node.tail, False)
            continue
        block = tag in block_tags
        if block:
            flush()
            owner.append(node)
        elif tag == "a":
            in_a += 1
        if node.text and tag != "br":
            add(node.text, not block)
        push((node, True))
        if len(node):
            stack.extend((child, False) for child in reversed(node))
    flush()
    return out


#: characters read beyond a text_head limit, for the whitespace that normalisation removes
HEAD_SLACK = 64


def text_head(el: HtmlElement, limit: int) -> str:
    """The first ``limit`` characters of an element's normalised text, reading no further than needed.

    Used wherever a finder only looks at the start of a block, so nested junk never costs quadratic time.
    """
    parts: list[str] = []
    size = 0
    try:
        for piece in texts(el):
            parts.append(piece)
            size += len(piece)
            if size >= limit + HEAD_SLACK:
                break
    except (ValueError, TypeError):
        return ""
    return norm(" ".join(parts))[:limit]


def ancestors(el: HtmlElement) -> Iterator[HtmlElement]:
    node = el.getparent()
    while node is not None:
        yield node
        node = node.getparent()
