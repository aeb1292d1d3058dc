"""Links researchers follow: tags, prev/next article, related articles, pager pages; column and canonical URL."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit

from crawler.extract.dom import HtmlElement, norm, tag_of, text_of
from crawler.extract.page import Page
from crawler.extract.rules import KEYWORD_META, NEXT_TEXT, NO_NEIGHBOUR, PREV_TEXT, TITLE_SPLIT
from crawler.extract.title import normalize
from crawler.extract.types import Link

_TAG_BLOCK = re.compile(r"tag|keyword|guanjianci|gjc|hotword|rcms", re.I)
_TAG_LABEL = re.compile(r"^(?:相关热词搜索|热词搜索|关键词|關鍵詞|关键字|标签|TAG|Tags?)\s*[:：]?", re.I)
_RELATED_BLOCK = re.compile(r"related|relate|xgwz|xgxw|xgxx|xgyd|xiangguan|correlation|about-news|xglj", re.I)
_RELATED_HEAD = re.compile(
    r"^(?:相关阅读|相关新闻|相关文章|相关链接|相关信息|相关报道|延伸阅读|推荐阅读|"
    r"相關新聞|相關閱讀|相關文章|相關鏈接|相關信息)\s*[:：]?$"
)
_CRUMB_BLOCK = re.compile(r"crumb|position|location|weizhi|dqwz|curpos|current|nav_?path|path|daohang|mianbao", re.I)
_CRUMB_TEXT = re.compile(
    r"^(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|现在的位置|所在位置|位置|當前位置|目前位置)\s*[:：]"
)
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


_LEAD_INLINE = frozenset({"strong", "b", "span", "em", "label", "font", "small", "i", "h3", "h4", "h5", "dt"})
_SITE_SPLIT = re.compile(r"[\s_|｜\-–—·:：,，、()（）©]+")
_COPYRIGHT = re.compile(r"copyright|版权所有|©|\(c\)", re.I)
_KEYWORD_SPLIT = re.compile(r"[,，;；|、\s]+")


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


#: a line that starts with any of those labels (no end anchor: the label may share its line with the links)
_ANY_LABEL = re.compile(
    "|".join(f"(?:{rx.pattern.rstrip('$')})" for rx in (_TAG_LABEL, _RELATED_HEAD, _CRUMB_TEXT)), re.I
)


@lru_cache(maxsize=8192)
def _attr_kinds(attrs: str) -> tuple[bool, bool, bool]:
    """Whether a class/id names a tag block, a related-articles block, a breadcrumb (class names repeat a lot)."""
    return (
        _TAG_BLOCK.search(attrs) is not None,
        _RELATED_BLOCK.search(attrs) is not None,
        _CRUMB_BLOCK.search(attrs) is not None,
    )


_Blocks = list[tuple[HtmlElement, str]]


def _blocks(page: Page) -> tuple[_Blocks, _Blocks, _Blocks]:
    """Candidate (element, tag or lead label) lists for tags, related lists and breadcrumbs, once per page.

    An element qualifies by its class/id, or by starting with a label (相关热词搜索： / 相关阅读 / 当前位置：).
    Labels are looked for only in the blocks whose text line starts with one, not in every element.
    """
    cached = page.cache.get("link_blocks")
    if cached is not None:
        return cached
    labelled: dict[HtmlElement, str] = {}
    for line in page.lines:
        if not _ANY_LABEL.match(line.text):
            continue
        for i, el in enumerate(line.el.iter()):
            if i > 6:
                break
            if el.tag.__class__ is str and el.tag != "a":
                lead = lead_text(el)
                if lead and _ANY_LABEL.match(lead):
                    labelled[el] = lead
                    break
    tags: list[tuple[HtmlElement, str]] = []
    related: list[tuple[HtmlElement, str]] = []
    crumbs: list[tuple[HtmlElement, str]] = []
    for el, tag, attrs in page.elements():
        lead = labelled.get(el, "")
        if not lead:
            if not attrs:
                continue
            is_tag, is_related, is_crumb = _attr_kinds(attrs)
            if not (is_tag or is_related or is_crumb):
                continue
        else:
            is_tag, is_related, is_crumb = _attr_kinds(attrs) if attrs else (False, False, False)
        if is_tag or (lead and _TAG_LABEL.match(lead)):
            tags.append((el, tag))
        if is_related:
            related.append((el, ""))
        elif lead and tag != "a" and _RELATED_HEAD.match(lead):
            related.append((el, lead))
        if is_crumb or (lead and _CRUMB_TEXT.match(lead)):
            crumbs.append((el, tag))
    page.cache["link_blocks"] = result = (tags, related, crumbs)
    return result


def _anchors(el: HtmlElement) -> list[HtmlElement]:
    return [el] if tag_of(el) == "a" else list(el.iter("a"))


def find_tags(
    page: Page, base: str, *, title: str = "", column: str = ""
) -> tuple[list[str], list[Link]]:
    """Visible tag links (相关热词搜索 / 关键词 / 标签); else per-article ``<meta name=keywords>`` (no links)."""
    tags: list[str] = []
    links: list[Link] = []
    for el, tag in _blocks(page)[0]:
        if tag == "a":
            continue
        anchors = _anchors(el)
        if not anchors or len(anchors) > 30:
            continue
        for a in anchors:
            text = text_of(a)
            url = _href(a, base)
            if text and url and 1 <= len(text) <= 20 and text not in tags and not _TAG_LABEL.fullmatch(text):
                tags.append(text)
                links.append(Link(url, text, "tag"))
    if not tags:
        tags = meta_keywords(page, title, column)
    return tags, links


def site_names(page: Page, title: str) -> list[str]:
    """Names the site prints for itself: <title> minus the headline, og:site_name / SiteName, the copyright line."""
    names: list[str] = []
    rest = page.title_tag
    if title and title in rest:
        rest = rest.replace(title, " ")
    elif rest:
        parts = [p for p in TITLE_SPLIT.split(rest) if p.strip()]
        rest = " ".join(parts[1:])
    names += [p for p in _SITE_SPLIT.split(rest) if len(p) >= 2]
    for key in ("og:site_name", "sitename", "site_name", "application-name"):
        names += [v for v in page.meta.get(key, ()) if len(v) >= 2]
    for line in reversed(page.lines[-40:]):
        if _COPYRIGHT.search(line.text) and len(line.text) <= 200:
            owner = _FOOTER_FIELD.split(line.text, 1)[0]  # not the address / phone printed after the name
            names += [w for w in _CJK_RUN.findall(owner) if 2 <= len(w) <= 16 and not _COPY_WORDS.search(w)]
    return names


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_FOOTER_FIELD = re.compile(r"(?:地址|电话|邮编|传真|邮箱|举报|备案号?|技术支持|网站标识码)\s*[:：]")
_COPY_WORDS = re.compile(r"版权|所有|授权|禁止|复制|镜像|转载|保留|权利|许可证|备案|ICP|举报")


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
    sites = site_names(page, title)
    if any(len(w) >= 2 and (w in site or site in w) for w in words for site in sites):
        return []
    columns = {column} if column else set()
    return [w for w in words if w not in columns]


def _neighbour_after(node: HtmlElement | None, base: str) -> tuple[str, str] | None:
    """The (url, text) of the first link at or inside ``node`` (the element right after a label)."""
    if node is None:
        return None
    for a in _anchors(node):
        url = _href(a, base)
        if url:
            return url, text_of(a)
        return None
    return None


_NEIGHBOUR_HINT = re.compile(r"上一|下一|上篇|下篇|前一篇|后一篇")


def _neighbour_texts(page: Page) -> list[tuple[str, HtmlElement, bool]]:
    """(text, element, is its .text) of the text nodes holding a 上一篇/下一篇 label, in document order.

    Only the blocks whose text line mentions one are searched, not every text node of the page.
    """
    out: list[tuple[str, HtmlElement, bool]] = []
    done: set[HtmlElement] = set()
    for line in page.lines:
        owner = line.el
        if owner in done or not _NEIGHBOUR_HINT.search(line.text):
            continue
        done.add(owner)
        for node in owner.iter():
            if node.tag.__class__ is not str:
                continue
            text = node.text
            if text and _NEIGHBOUR_HINT.search(text):
                out.append((text, node, True))
            tail = node.tail
            if node is not owner and tail and _NEIGHBOUR_HINT.search(tail):
                out.append((tail, node, False))
    return out


def find_prev_next(page: Page, base: str) -> list[Link]:
    """上一篇/下一篇 links, the label being an element's text or the tail of a child (`<br />下一篇：<a>`)."""
    out: list[Link] = []
    seen: set[str] = set()
    for raw, el, inside in _neighbour_texts(page):
        if len(seen) == 2:
            break
        tag = el.tag
        following = (el[0] if len(el) else None) if inside else el.getnext()
        own = norm(raw)
        for kind, rx in (("prev", PREV_TEXT), ("next", NEXT_TEXT)):
            if kind in seen:
                continue
            m = rx.match(own)
            if not m:
                continue
            rest = m.group(1).strip()
            if rest and NO_NEIGHBOUR.match(rest):
                seen.add(kind)
                continue
            if inside and tag == "a":
                got = _neighbour_after(el, base)
            elif rest:
                continue  # a title printed without a link
            elif inside and len(text_of(el)) > 300:
                continue
            else:
                got = _neighbour_after(following, base)
            if got is None and inside and len(el) == 0:
                got = _neighbour_after(el.getnext(), base)
            if got is None:
                continue
            url, text = got
            if NO_NEIGHBOUR.match(text) or not text:
                continue
            text = PREV_TEXT.sub(r"\1", NEXT_TEXT.sub(r"\1", text)).strip() or text
            out.append(Link(url, text, kind))  # type: ignore[arg-type]
            seen.add(kind)
    return out


def _related_block(el: HtmlElement) -> HtmlElement | None:
    """The list a 相关阅读 heading introduces: the heading's own links, a following sibling, or a small parent."""
    if any(True for _ in el.iter("a")):
        return el
    node = el
    for _ in range(3):
        nxt = node.getnext()
        if nxt is not None and any(True for _ in nxt.iter("a")):
            return nxt
        parent = node.getparent()
        if parent is None:
            return None
        if any(True for _ in parent.iter("a")):
            return parent if sum(1 for _ in parent.iter("a")) <= 30 else None
        node = parent
    return None


def find_related(page: Page, base: str, current: str) -> list[Link]:
    out: list[Link] = []
    seen: set[str] = {current}
    blocks: list[HtmlElement] = []
    for el, lead in _blocks(page)[1]:
        if not lead:
            blocks.append(el)
        else:
            block = _related_block(el)
            if block is not None:
                blocks.append(block)
    for block in blocks:
        for a in block.iter("a"):
            url = _href(a, base)
            if not url or url in seen:
                continue
            text = text_of(a)
            if len(text) >= 6:
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
    # pages of one article share its directory: skip other links before the (costly) URL parsing
    cur_abs = current.split("#")[0].split("?")[0]
    directory = cur_abs[: cur_abs.rfind("/") + 1] if "://" in cur_abs else ""
    dir_path = directory[directory.find("/", directory.find("://") + 3):] if directory else ""
    for a in page.body_el.iter("a"):
        raw = (a.get("href") or "").strip()
        if directory and raw:
            if raw.startswith(("http://", "https://")):
                if not raw.startswith(directory):
                    continue
            elif raw.startswith("//"):
                if not raw.startswith(directory[directory.find("//"):]):
                    continue
            elif raw.startswith("/"):
                if not raw.startswith(dir_path):
                    continue
            elif raw.startswith(("../", "javascript:", "#", "mailto:")):
                continue
        url = _href(a, base)
        if not url or url in seen:
            continue
        if directory and not url.startswith(directory):
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
    nt = normalize(title)
    for el, tag in _blocks(page)[2]:
        if tag == "a":
            continue
        anchors = list(el.iter("a"))
        if not 1 <= len(anchors) <= 8 or len(text_of(el)) > 120:
            continue
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
