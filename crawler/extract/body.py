"""Main-content finder (text density x punctuation, GNE's idea) and the body/images serialiser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from crawler.extract.dates import find_dates
from crawler.extract.dom import (
    HtmlElement,
    _noise_attr,
    class_id,
    is_noise_block,
    iter_lines,
    norm,
    select,
    tag_of,
    text_content,
)
from crawler.extract.page import Page
from crawler.extract.rules import CONTENT_SELECTORS, NOISE_LINE, PUNCTUATION, TRAILER_START
from crawler.extract.title import normalize
from crawler.extract.types import Image

_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_INFO_LABEL = re.compile(
    r"来源|來源|稿源|出处|作者|记者|記者|编辑|編輯|责编|发布|發布|时间|時間|日期|点击|浏览|瀏覽|阅读|閱讀|字号|字體|字体|"
    r"评论|分享|打印|收藏|人参与|次|Views|views"
)
_CREDIT_LINE = re.compile(
    r"^[（(【\[〔]?\s*(?:本报记者|本報記者|记者|記者|实习生|實習生|通讯员|通訊員|作者|撰文|执笔|文|图|圖|摄影|攝影|摄|攝|"
    r"视频|視頻|来源|來源|稿源|出处|编辑|編輯|校对|审核|监制|策划|统筹|设计|制图|美编|海报)"
    r"\s*[/／:：︱|｜丨\s]"
)
_SENTENCE_END = re.compile(r"[。！？!?；;]")


@dataclass(slots=True)
class _Stat:
    text: int = 0
    link_text: int = 0
    tags: int = 1
    link_tags: int = 0
    punct: int = 0
    #: text reached without crossing a block boundary (the element's own "paragraph")
    inline: int = 0
    inline_link: int = 0
    inline_punct: int = 0
    noise: bool = False


_INLINE = frozenset({"a", "span", "font", "strong", "b", "em", "i", "u", "sup", "sub", "small", "big", "label", "cite",
                     "code", "abbr", "time", "mark", "ins", "del", "q", "s", "strike", "tt", "var", "img", "nobr"})
_PARA = frozenset({"p", "div", "td", "pre", "section", "article", "blockquote", "dd", "li", "font", "span", "center",
                   "h2", "h3", "h4", "h5", "h6", "figcaption", "tt", "th"})
_DISCLAIMER = re.compile(r"^\W{0,3}(?:\S{0,8}(?:版权|免责)(?:与免责)?声明|"
    r"凡本网注明|本网注明|本站注明|转载请|未经.{0,6}授权|"
                         r"版权所有|Copyright|本报社郑重|本文系|特别声明|声明[:：])", re.I)


_WS_CHAR = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]")
_PUNCT_CHAR = re.compile("[" + re.escape("".join(sorted(PUNCTUATION))) + "]")


def _count(s: str | None) -> tuple[int, int]:
    """(visible characters, punctuation marks) of a text node; whitespace-only nodes cost nothing."""
    if not s or s.isspace():
        return 0, 0
    return len(s) - len(_WS_CHAR.findall(s)), len(_PUNCT_CHAR.findall(s))


@lru_cache(maxsize=1)
def _known_names() -> tuple[frozenset[str], frozenset[str]]:
    """The ids and classes of CONTENT_SELECTORS (the last simple part of each selector)."""
    ids: set[str] = set()
    classes: set[str] = set()
    for sel in CONTENT_SELECTORS:
        last = sel.split()[-1]
        if last.startswith("#"):
            ids.add(last[1:])
        elif last.startswith("."):
            classes.add(last[1:])
    return frozenset(ids), frozenset(classes)


def _is_known(el: HtmlElement) -> bool:
    ids, classes = _known_names()
    if el.get("id") in ids or el.get("itemprop") == "articleBody":
        return True
    cls = el.get("class")
    return bool(cls) and any(c in classes for c in cls.split())


def density_stats(
    root: HtmlElement, elements: list[tuple[HtmlElement, str, str]] | None = None
) -> dict[HtmlElement, _Stat]:
    """Text/link/tag/punctuation counts for every element: one pass down (noise), one pass up (sums).

    ``elements`` is ``Page.elements()`` ((element, tag, "class id") in document order, ``root`` first).
    """
    if elements is None:
        elements = [(el, el.tag, class_id(el)) for el in root.iter() if isinstance(el.tag, str)]
    stats: dict[HtmlElement, _Stat] = {}
    inline_tags = _INLINE
    for el, tag, attrs in elements:
        parent = el.getparent()
        pst = stats.get(parent) if parent is not None else None
        if (pst is not None and pst.noise) or tag in ("nav", "footer", "aside"):
            noise = True
        elif tag in ("article", "main", "body", "html", "h1") or not attrs:
            noise = False
        else:
            noise = _noise_attr(attrs)
        st = _Stat(noise=noise)
        text = el.text
        if text:
            n, p = _count(text)
            st.text = st.inline = n
            st.punct = st.inline_punct = p
        stats[el] = st
    for el, tag, _attrs in reversed(elements):
        st = stats[el]
        if tag == "a":
            st.link_text = st.text
            st.inline_link = st.inline
            st.link_tags += 1
        elif st.noise:
            st.link_text = st.text
        if el is root:
            continue
        pst = stats.get(el.getparent())
        if pst is None:
            continue
        tail = el.tail
        if tail:
            tn, tp = _count(tail)
            pst.text += tn
            pst.punct += tp
            pst.inline += tn
            pst.inline_punct += tp
        pst.text += st.text
        pst.link_text += st.link_text
        pst.tags += st.tags
        pst.link_tags += st.link_tags
        pst.punct += st.punct
        if tag in inline_tags:
            pst.inline += st.inline
            pst.inline_link += st.inline_link
            pst.inline_punct += st.inline_punct
    return stats


def _score_tree(stats: dict[HtmlElement, _Stat]) -> dict[HtmlElement, float]:
    """Readability-style: every paragraph scores itself and passes its score to its ancestors."""
    scores: dict[HtmlElement, float] = {}
    for el, st in stats.items():
        if st.noise or tag_of(el) not in _PARA:
            continue
        own = st.inline - st.inline_link
        if own < 20:
            continue
        head = norm(text_content(el)[:60]) if own < 600 else ""
        if head and _DISCLAIMER.search(head):
            continue
        value = 1.0 + min(st.inline_punct, 40) + min(own / 100, 3.0)
        if st.inline_punct == 0 and own < 60:
            value *= 0.3
        scores[el] = scores.get(el, 0.0) + value
        node = el.getparent()
        level = 1
        while node is not None and level <= 3:
            scores[node] = scores.get(node, 0.0) + value / (1 if level == 1 else 2 if level == 2 else 3)
            node = node.getparent()
            level += 1
    return scores


def find_content(page: Page, selector: str | None = None) -> tuple[list[HtmlElement], dict, str]:
    """The elements holding the article text (in document order), the stats used, and the rule name."""
    stats = density_stats(page.body_el, page.elements())
    if selector:
        found = [el for el in select(page.root, selector) if isinstance(el, HtmlElement)]
        if found:
            return found[:1], stats, "profile"
    scores = _score_tree(stats)
    known = {el for el in scores if _is_known(el)}
    best: tuple[float, HtmlElement] | None = None
    final: dict[HtmlElement, float] = {}
    for el, raw in scores.items():
        st = stats.get(el)
        if st is None or tag_of(el) in ("html", "a"):
            continue
        link_ratio = st.link_text / st.text if st.text else 1.0
        score = raw * (1.0 - link_ratio)
        if el in known:
            score *= 1.3
        final[el] = score
        if best is None or score > best[0]:
            best = (score, el)
    if best is None:
        return [], stats, "none"
    top = best[1]
    chosen = [top]
    parent = top.getparent()
    if parent is not None and tag_of(top) not in ("body",):
        threshold = max(8.0, best[0] * 0.25)
        chosen = []
        for sib in parent:
            if sib is top:
                chosen.append(sib)
                continue
            if not isinstance(sib.tag, str) or sib not in final:
                continue
            st = stats[sib]
            if final[sib] >= threshold and st.link_text < 0.3 * max(st.text, 1):
                chosen.append(sib)
    rule = "known+density" if top in known else "density"
    return chosen, stats, rule


def _link_heavy(el: HtmlElement, stats: dict[HtmlElement, _Stat]) -> bool:
    st = stats.get(el)
    if st is None or tag_of(el) in ("a", "p", "span", "font", "strong", "b"):
        return False
    return st.link_tags >= 3 and st.link_text >= 0.6 * st.text


def body_lines(page: Page, content: list[HtmlElement], stats: dict, title: str, subtitle: str = "") -> list[str]:
    """Article paragraphs in order, chrome and bylines removed."""
    headline = page.headline_el

    def skip(el: HtmlElement) -> bool:
        return el is headline or is_noise_block(el) or _link_heavy(el, stats)

    nt = normalize(title)
    ns = normalize(subtitle) if subtitle else ""
    out: list[str] = []
    raw = [line for el in content for line, _ in iter_lines(el, skip)]
    for i, line in enumerate(raw):
        if TRAILER_START.match(line) and i >= max(2, len(raw) // 3):
            break
        nl = normalize(line)
        if not nl:
            continue
        if nt and (nl == nt or (nt in nl and len(nl) <= len(nt) + 12 and len(out) == 0)):
            continue
        if ns and nl == ns and len(out) <= 2:
            continue
        if NOISE_LINE.search(line):
            continue
        if _is_info_line(line, page):
            continue
        if len(line) <= 40 and _CREDIT_LINE.match(line) and not _SENTENCE_END.search(line):
            continue
        out.append(line)
    return out


def _is_info_line(line: str, page: Page) -> bool:
    if len(line) > 120:
        return False
    hits = find_dates(line, page.fetched_at, page.tz, relative=False)
    if not hits:
        return False
    rest = line
    for h in reversed(hits):
        rest = rest[: h.start] + rest[h.end :]
    rest_n = normalize(rest)
    return bool(_INFO_LABEL.search(rest)) or len(rest_n) <= 6


def images(page: Page, content: list[HtmlElement]) -> list[Image]:
    base = page.canonical or page.url
    out: list[Image] = []
    seen: set[str] = set()
    for img in (i for el in content for i in el.iter("img")):
        src = img.get("src") or img.get("data-src") or img.get("data-original") or ""
        src = src.strip()
        if not src or src.startswith("data:"):
            continue
        try:
            absolute = urljoin(base, src) if base else src
        except ValueError:
            absolute = src
        if absolute in seen:
            continue
        seen.add(absolute)
        out.append(Image(absolute, _caption(img)))
    return out


def _caption(img: HtmlElement) -> str:
    for anc in (img.getparent(), img.getparent().getparent() if img.getparent() is not None else None):
        if anc is None:
            continue
        if tag_of(anc) == "figure":
            cap = anc.find(".//figcaption")
            if cap is not None:
                return norm(text_content(cap))
    alt = norm(img.get("alt") or img.get("title") or "")
    return alt
