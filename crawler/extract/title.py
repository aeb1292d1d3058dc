"""The printed headline: the heading that best matches <title>, never the <title> with its site suffix."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from crawler.extract.dom import HtmlElement, norm, select, tag_of, text_of
from crawler.extract.page import Page
from crawler.extract.rules import TITLE_SPLIT

_TITLE_ATTR = re.compile(r"(?:^|[\s_\-])(?:title|tit|biaoti|headline|heading|bt|art_tit|article-title|news_title|"
                         r"detail-title|main-title|arttitle|newstitle|show_t|contitle|h_title|atitle)(?:$|[\s_\-\d])",
                         re.I)
_SUBTITLE_ATTR = re.compile(r"sub-?title|fu-?title|fbt|yinti|yt\b|subhead|vice", re.I)
_CRUMB = re.compile(r"^(?:首页|首頁|当前位置|您的位置|您现在的位置|你的位置|位置)\s*[:：>»\-/]")
_ORIGINAL = re.compile(r"^(?:原标题|原題|原题|副标题|副題)\s*[:：]\s*(.+)$")


_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Letters and digits only, NFKC and case-folded: the comparison form of titles."""
    # \w in a str pattern is exactly str.isalnum() (Unicode L* and N*) plus "_"
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def _title_parts(title_tag: str) -> list[str]:
    return [p for p in TITLE_SPLIT.split(title_tag) if p and p.strip()]


@lru_cache(maxsize=8192)
def _title_attr(attrs: str) -> bool:
    return _TITLE_ATTR.search(attrs) is not None


def _candidates(page: Page) -> list[tuple[HtmlElement, str, float]]:
    out: list[tuple[HtmlElement, str, float]] = []
    bonus = {"h1": 0.3, "h2": 0.12, "h3": 0.06, "h4": 0.03, "h5": 0.02, "h6": 0.01}
    for el, tag, attrs in page.elements():
        weight = bonus.get(tag)
        if weight is None:
            if not attrs or tag in ("body", "html", "a", "img") or not _title_attr(attrs):
                continue
            weight = 0.08
        text = _heading_text(el) if len(el) else text_of(el)
        if 2 <= len(text) <= 150 and not _CRUMB.match(text):
            out.append((el, text, weight))
    return out


_INFO_CHILD = re.compile(r"来源|來源|作者|记者|記者|编辑|編輯|浏览|瀏覽|点击|點擊|阅读|閱讀|发布|發布|时间|時間|日期")


def _heading_text(el: HtmlElement) -> str:
    """A heading's text without a child holding the info line (`<h1>T<br/><span>2015-07-06 来源:</span></h1>`)."""
    parts = [el.text or ""]
    dropped = False
    for child in el:
        if isinstance(child.tag, str) and len(child.text or "") + len(child) > 0:
            ct = text_of(child)
            if ct and len(ct) <= 200 and (_DATE_HINT.search(ct) or _INFO_CHILD.search(ct)):
                dropped = True
            else:
                parts.append(ct)
        parts.append(child.tail or "")
    if not dropped:
        return text_of(el)
    text = norm(" ".join(parts))
    return text if len(text) >= 4 else text_of(el)


def find_title(page: Page, selector: str | None = None) -> tuple[str, str, str]:
    """Return (title, subtitle, rule) and record the headline element on ``page``."""
    if selector:
        found = [el for el in select(page.root, selector) if isinstance(el, HtmlElement)]
        if found:
            text = text_of(found[0])
            if text:
                _locate(page, found[0], text)
                return text, _subtitle(page), "profile"
    tag_title = page.title_tag
    nt = normalize(tag_title)
    parts = _title_parts(tag_title)
    first = normalize(parts[0]) if parts else ""
    og = page.meta_first("og:title", "twitter:title")
    ld = page.ld_first("headline")
    nog = normalize(og or (ld if isinstance(ld, str) else "") or "")
    best: tuple[float, HtmlElement, str] | None = None
    suffixed = len(parts) > 1
    for el, text, weight in _candidates(page):
        nc = normalize(text)
        if len(nc) < 3:
            continue
        score = 0.0
        for ref in (nt, nog):
            if not ref:
                continue
            if nc == ref:
                score = max(score, 0.7 if ref is nt and suffixed else 1.0)
            elif nc in ref:
                if len(nc) >= 4 and (ref.startswith(nc) or len(nc) >= 0.45 * len(ref)):
                    score = max(score, len(nc) / len(ref))
            elif len(ref) >= 6 and ref in nc and len(nc) <= 2 * len(ref) + 10:
                score = max(score, 0.8 * len(ref) / len(nc))
        if first and len(first) >= 4 and score == 0.0 and nc.startswith(first[: max(4, len(first) - 2)]):
            score = 0.5
        dated = _followed_by_date(page, el)
        if score <= 0:
            if not dated or len(nc) < 6 or weight < 0.01:
                continue
            score = 0.3
        score += weight + dated
        if best is None or score > best[0]:
            best = (score, el, text)
    if best is not None and best[0] >= 0.5:
        _locate(page, best[1], best[2])
        rule = tag_of(best[1]) if tag_of(best[1]) in ("h1", "h2", "h3") else "heading"
        return _clean(best[2]), _subtitle(page), rule
    for el in page.body_el.iter("h1"):
        text = text_of(el)
        if 5 <= len(text) <= 100 and normalize(text) not in {normalize(p) for p in parts[1:]}:
            _locate(page, el, text)
            return _clean(text), _subtitle(page), "h1"
    if og and len(og) >= 4:
        text = _clean(_title_parts(og)[0] if _title_parts(og) else og)
        _locate_text(page, text)
        return text, _subtitle(page), "og:title"
    if parts:
        text = _clean(parts[0] if len(normalize(parts[0])) >= 4 or len(parts) == 1 else max(parts, key=len))
        _locate_text(page, text)
        return text, _subtitle(page), "title-tag"
    return "", "", "none"


_DATE_HINT = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|"
    r"\d{1,2}[-/月]\d{1,2}日?\s+\d{1,2}:\d{2}|"
                        r"\d+\s*(?:分钟|小时|小時|天)前|昨天|刚刚")


def _followed_by_date(page: Page, el: HtmlElement) -> float:
    """True when a date is printed within the few lines after the element (the info line under a headline)."""
    idx = page.line_index(el)
    if idx is None:
        return 0.0
    following = page.lines[idx + 1 : idx + 4]
    if following and len(following[0].text) <= 200 and _DATE_HINT.search(following[0].text):
        return 0.25
    return 0.12 if any(len(line.text) <= 200 and _DATE_HINT.search(line.text) for line in following[1:]) else 0.0


_DASH = re.compile(r"^[\s\u3000]*[—－\-─━~～]+[\s\u3000]*")


def strip_dash(text: str) -> str:
    """A subtitle without the leading `——` it is printed with."""
    return _DASH.sub("", text).strip()


def _clean(text: str) -> str:
    return text.strip(" \u3000|_-")


def _locate(page: Page, el: HtmlElement, text: str) -> None:
    page.headline_el = el
    idx = page.line_index(el)
    if idx is not None:
        page.headline_idx = idx
        return
    _locate_text(page, text)


def _locate_text(page: Page, text: str) -> None:
    nt = normalize(text)
    if not nt:
        return
    for i, line in enumerate(page.lines):
        nl = normalize(line.text)
        if nl and (nl == nt or (nt in nl and len(nl) <= len(nt) + 20)):
            page.headline_idx = i
            return


def _subtitle(page: Page) -> str:
    if page.headline_idx is None:
        return ""
    lo = max(0, page.headline_idx - 2)
    for line in page.lines[lo : page.headline_idx + 6]:
        m = _ORIGINAL.match(line.text)
        if m:
            return strip_dash(m.group(1))
        attrs = f"{line.el.get('class') or ''} {line.el.get('id') or ''}"
        if attrs.strip() and _SUBTITLE_ATTR.search(attrs) and 4 <= len(line.text) <= 80:
            return strip_dash(line.text)
    return ""
