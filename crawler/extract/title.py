"""The printed headline: the heading that best matches <title> / og:title, never a promo line or a site suffix.

Candidates are the page's headings, elements whose class names a title, and links to the page itself (a blog's
permalink headline). Each is compared with the references the page gives (<title>, og:title, dc:title, the
JSON-LD headline); a date line right under a candidate counts for it. When no candidate matches, the
references themselves are used, with the site/column suffix removed by comparing each part with the names the
site prints for itself (og:site_name, the copyright owner, its nav and breadcrumb links), not by a fixed list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from crawler.extract.dates import DATE_HINT
from crawler.extract.dom import HtmlElement, normalize, select, tag_of, text_head, urljoin
from crawler.extract.page import Page
from crawler.extract.rules import (
    COPYRIGHT_WORDS,
    CRUMB_LABELS,
    FOOTER_FIELDS,
    INFO_LINE_LABELS,
    ORIGINAL_TITLE_LABELS,
    PROMO_LINE,
    SITE_NAME_META,
    SUBTITLE_ATTR_FRAGMENTS,
    TITLE_ATTR_WORDS,
    TITLE_LD,
    TITLE_META,
    TITLE_SPLIT,
    alternation,
)

_TITLE_ATTR = re.compile(r"(?:^|[\s_\-])" + alternation(TITLE_ATTR_WORDS) + r"(?:$|[\s_\-\d])", re.I)
_SUBTITLE_ATTR = re.compile(alternation(SUBTITLE_ATTR_FRAGMENTS) + r"|\byt\b", re.I)
_CRUMB = re.compile(r"^" + alternation(("首页", "首頁", *CRUMB_LABELS)) + r"\s*[:：>»\-/]")
_ORIGINAL = re.compile(r"^" + alternation(ORIGINAL_TITLE_LABELS) + r"\s*[:：]\s*(.+)$")
_INFO_CHILD = re.compile(alternation(INFO_LINE_LABELS))
_DASH = re.compile(r"^[\s\u3000]*[—－\-─━~～]+[\s\u3000]*")
_SITE_SPLIT = re.compile(r"[\s_|｜\-–—·:：,，、()（）©]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_FOOTER_FIELD = re.compile(alternation(FOOTER_FIELDS) + r"\s*[:：]")
_COPY_WORDS = re.compile(alternation(COPYRIGHT_WORDS))

#: how much a tag says "headline" on its own (an h1 is usually the headline, an h4 rarely)
HEADING_WEIGHT = {"h1": 0.3, "h2": 0.12, "h3": 0.06, "h4": 0.03, "h5": 0.02, "h6": 0.01}
#: an element whose class names a title (`class="art_tit"`) counts like an h2 or so
TITLE_ATTR_WEIGHT = 0.08
#: a link to the page itself printed as its headline (blog permalinks), and what it scores matching nothing
PERMALINK_WEIGHT, PERMALINK_SCORE = 0.1, 0.45
#: a candidate scoring this much (match with a reference + tag weight + date line) is the headline
ACCEPT_SCORE = 0.5
#: headline length bounds in characters: shorter is a label, longer is a paragraph
MIN_TITLE, MAX_TITLE = 2, 150
#: a date printed on the line right after a candidate, and within the three lines after it
DATE_BELOW, DATE_NEAR = 0.25, 0.12


def _title_parts(text: str) -> list[str]:
    return [p for p in TITLE_SPLIT.split(text) if p and p.strip()]


@lru_cache(maxsize=8192)
def _title_attr(attrs: str) -> bool:
    return _TITLE_ATTR.search(attrs) is not None


def _same_page(href: str | None, page: Page) -> bool:
    if not href or not page.url or href.startswith(("#", "javascript:")):
        return False
    tail = page.url.split("#")[0].rstrip("/").rsplit("/", 1)[-1]
    if tail not in href and not page.canonical:  # cheap: most links name another page
        return False
    try:
        target = urljoin(page.url, href.strip()).split("#")[0]
    except ValueError:
        return False
    own = {page.url.split("#")[0]}
    if page.canonical:
        own.add(urljoin(page.url, page.canonical).split("#")[0])
    return target in own


#: candidates looked at at most, in page order (the headline comes early; thousands of them make a list)
MAX_CANDIDATES = 150


def _candidates(page: Page) -> list[tuple[HtmlElement, str, float]]:
    out: list[tuple[HtmlElement, str, float]] = []
    examined = 0
    for el, tag, attrs in page.elements():
        weight = HEADING_WEIGHT.get(tag)
        if weight is None:
            if tag == "a" and _same_page(el.get("href"), page):
                weight = PERMALINK_WEIGHT
            elif not attrs or tag in ("body", "html", "a", "img") or not _title_attr(attrs):
                continue
            else:
                weight = TITLE_ATTR_WEIGHT
        text = _heading_text(el)
        examined += 1
        if MIN_TITLE <= len(text) <= MAX_TITLE and not _CRUMB.match(text) and not PROMO_LINE.search(text):
            out.append((el, text, weight))
        if len(out) >= MAX_CANDIDATES or examined >= 2 * MAX_CANDIDATES:
            break
    return out


def _heading_text(el: HtmlElement) -> str:
    """A heading's text without a child holding the info line (`<h1>T<br/><span>2015-07-06 来源:</span></h1>`)."""
    whole = text_head(el, MAX_TITLE + 1)
    if not len(el) or len(whole) > MAX_TITLE:
        return whole
    parts = [el.text or ""]
    dropped = False
    for child in el:
        if isinstance(child.tag, str) and len(child.text or "") + len(child) > 0:
            ct = text_head(child, 201)
            if ct and len(ct) <= 200 and (DATE_HINT.search(ct) or _INFO_CHILD.search(ct)):
                dropped = True
            else:
                parts.append(ct)
        parts.append(child.tail or "")
    if not dropped:
        return whole
    text = " ".join(" ".join(parts).split())
    return text if len(text) >= 4 else whole


def _references(page: Page) -> list[str]:
    """The titles the page states outside its body, in comparison form: <title>, og/dc/twitter title, JSON-LD."""
    refs = [page.title_tag, *(page.meta_first(name) for name in TITLE_META)]
    ld = page.ld_first(*TITLE_LD)
    if isinstance(ld, str):
        refs.append(ld)
    out: list[str] = []
    for ref in refs:
        folded = normalize(ref or "")
        if folded and folded not in out:
            out.append(folded)
    return out


def _match(nc: str, ref: str, suffixed: bool) -> float:
    """How well a candidate (comparison form) matches one reference title."""
    if nc == ref:
        return 0.7 if suffixed else 1.0
    if nc in ref:
        if len(nc) >= 4 and (ref.startswith(nc) or len(nc) >= 0.45 * len(ref)):
            return len(nc) / len(ref)
        return 0.0
    if len(ref) >= 6 and ref in nc and len(nc) <= 2 * len(ref) + 10:
        return 0.8 * len(ref) / len(nc)
    return 0.0


#: a candidate equal to the first part of a suffixed <title> (`标题_栏目_网站`) is the headline, nearly surely
FIRST_PART_SCORE = 0.95


def _tag_match(nc: str, tag_ref: str, parts: list[str], site_first: bool) -> float:
    """How well a candidate matches <title>: its first part is the headline, a later part the site or column
    (`云岭采茶记 - 茶山行者的博客`: the blog's own name heads the page too), unless the site's name comes first."""
    if not tag_ref:
        return 0.0
    if len(parts) > 1:
        if nc == parts[0]:
            return 0.0 if site_first else FIRST_PART_SCORE
        if nc in parts[1:]:
            return FIRST_PART_SCORE if site_first and nc == parts[-1] else 0.0
    return _match(nc, tag_ref, len(parts) > 1)


def find_title(page: Page, selector: str | None = None) -> tuple[tuple[str, str], str]:
    """((title, subtitle), rule); records the headline element on ``page``."""
    if selector:
        found = [el for el in select(page.root, selector) if isinstance(el, HtmlElement)]
        if found:
            text = text_head(found[0], 1000)
            if text:
                _locate(page, found[0], text)
                return (text, _subtitle(page)), "profile"
    tag_parts = _title_parts(page.title_tag)
    refs = _references(page)
    tag_ref = normalize(page.title_tag)
    folded_parts = [normalize(p) for p in tag_parts]
    first = folded_parts[0] if folded_parts else ""
    suffixed = len(tag_parts) > 1
    site_first = suffixed and first in {normalize(n) for n in site_names(page, "")}
    best: tuple[float, HtmlElement, str] | None = None
    for el, text, weight in _candidates(page):
        page.check()
        nc = normalize(text)
        if len(nc) < 3:
            continue
        score = max((_match(nc, ref, False) for ref in refs if ref != tag_ref), default=0.0)
        score = max(score, _tag_match(nc, tag_ref, folded_parts, site_first))
        if first and len(first) >= 4 and score == 0.0 and nc.startswith(first[: max(4, len(first) - 2)]):
            score = 0.5
        dated = _followed_by_date(page, el)
        if score <= 0 and weight == PERMALINK_WEIGHT and len(nc) >= 4:
            score = PERMALINK_SCORE  # the page links to itself with this text: its headline
        elif score <= 0:
            if not dated or len(nc) < 6 or weight < 0.01:
                continue
            score = 0.3
        score += weight + dated
        if best is None or score > best[0]:
            best = (score, el, text)
    if best is not None and best[0] >= ACCEPT_SCORE:
        _locate(page, best[1], best[2])
        rule = tag_of(best[1]) if tag_of(best[1]) in ("h1", "h2", "h3") else "heading"
        return (_clean(best[2]), _subtitle(page)), rule
    return _fallback(page, tag_parts)


def _fallback(page: Page, tag_parts: list[str]) -> tuple[tuple[str, str], str]:
    """No candidate matched: an h1 that is not a site name or promo line, else a stated title minus its suffix."""
    names = {normalize(n) for n in site_names(page, "")} - {""}
    for el in page.body_el.iter("h1"):
        text = text_head(el, 101)
        folded = normalize(text)
        if 5 <= len(text) <= 100 and folded not in names and not PROMO_LINE.search(text):
            _locate(page, el, text)
            return (_clean(text), _subtitle(page)), "h1"
    for rule, stated in (("meta-title", page.meta_first(*TITLE_META)), ("title-tag", page.title_tag)):
        text = strip_site_suffix(stated, names) if stated else ""
        if len(normalize(text)) >= 2 and not PROMO_LINE.search(text):
            _locate_text(page, text)
            return (text, _subtitle(page)), rule
    ld = page.ld_first(*TITLE_LD)
    if isinstance(ld, str) and ld.strip():
        text = _clean(ld.strip()[:MAX_TITLE])
        _locate_text(page, text)
        return (text, _subtitle(page)), "json-ld"
    return ("", ""), "none"


#: a <title> part that holds a site name covering this share of it is that name (plus a 网/频道 ending)
SUFFIX_NAME_SHARE = 0.6


def strip_site_suffix(text: str, names: set[str]) -> str:
    """``text`` without the site/column parts a <title> adds (`标题-新闻中心-某某网` → `标题`).

    Trailing (or leading) parts that are a name the site prints for itself go, one at a time, so a hyphen
    inside the headline stays (`嘉禾-青溪城际公交开通-新闻中心-嘉禾网`). Of what remains (split at `_`, ` - `,
    `|`; or at any separator when no part was a known name) the first part stays if it reads like a headline
    (4+ characters), else the longest part.
    """

    def is_name(part: str, loose: bool) -> bool:
        folded = normalize(part)
        if not folded:
            return False
        if folded in names:
            return True
        # `嘉禾在线网` for a site that calls itself `嘉禾在线`; `河北频道` for `新华网河北频道`
        return loose and any(
            (n in folded and len(n) >= SUFFIX_NAME_SHARE * len(folded)) or (len(folded) >= 2 and folded in n)
            for n in names
        )

    text = text.strip()
    stripped = False
    for _ in range(MAX_TITLE_PARTS):
        seps = [m for m in TITLE_SPLIT.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if not seps:
            break
        if is_name(text[seps[-1].end() :], loose=True):
            text = text[: seps[-1].start()]
        elif is_name(text[: seps[0].start()], loose=False):
            text = text[seps[0].end() :]
        else:
            break
        stripped = True
    # once known names are gone, a bare hyphen left over belongs to the headline
    parts = [p for p in (_STRONG_SPLIT if stripped else TITLE_SPLIT).split(text) if p.strip()]
    if len(parts) <= 1:
        return _clean(text)
    head = parts[0]
    return _clean(head if len(normalize(head)) >= 4 else max(parts, key=len))


#: parts a <title> is cut into at most
MAX_TITLE_PARTS = 8
#: the separators that never stand inside a headline (a bare hyphen may: `嘉禾-青溪城际公交`)
_STRONG_SPLIT = re.compile(r"\s*(?:_{1,2}|\s[-–—|｜]\s|[-–—]{2}|\||｜)\s*")


def site_names(page: Page, title: str, *, with_nav: bool = True) -> list[str]:
    """Names the site prints for itself: <title> minus the headline, og:site_name, the logo, the copyright line,
    and (``with_nav``) the short link texts of its nav bars and breadcrumbs, which name its columns."""
    key = f"site_names:{with_nav}:{title}"
    cached = page.cache.get(key)
    if isinstance(cached, list):
        return cached
    names: list[str] = []
    rest = page.title_tag
    if title and rest:  # without a headline the <title> cannot tell its site part from its headline part
        rest = rest.replace(title, " ") if title in rest else " ".join(_title_parts(rest)[1:])
        names += [p for p in _SITE_SPLIT.split(rest) if len(p) >= 2]
    for key in SITE_NAME_META:
        names += [v for v in page.meta.get(key, ()) if len(v) >= 2]
    for img in page.body_el.iter("img"):  # the logo's alt text
        alt = (img.get("alt") or "").strip()
        if 2 <= len(alt) <= 16 and "logo" in f"{img.get('src') or ''} {img.get('class') or ''}".lower():
            names.append(alt)
    if with_nav:
        names += _nav_names(page)
    for line in reversed(page.lines[-40:]):
        if len(line.text) <= 200 and ("版权" in line.text or "©" in line.text or "opyright" in line.text):
            owner = _FOOTER_FIELD.split(line.text, 1)[0]  # not the address / phone printed after the name
            names += [w for w in _CJK_RUN.findall(owner) if 2 <= len(w) <= 16 and not _COPY_WORDS.search(w)]
    page.cache[key] = names
    return names


#: link texts of a nav bar / breadcrumb that can name a column in a <title> suffix
MAX_NAV_NAME = 8


#: a block holding at least this many links is a menu (a nav bar, a column list)
MENU_LINKS = 4
#: links looked at for menu names at most
MAX_NAV_LINKS = 2000


def _nav_names(page: Page) -> list[str]:
    """The short link texts of the page's menus and chrome (nav bars, breadcrumbs): the columns a <title> names."""
    out: list[str] = []
    for a in islice(page.body_el.iter("a"), MAX_NAV_LINKS):
        text = (a.text or "").strip()
        if 2 <= len(text) <= MAX_NAV_NAME and (page.is_chrome(a) or _in_menu(a)):
            out.append(text)
    return out


def _in_menu(a: HtmlElement) -> bool:
    """The link stands in a block of links: its parent or grandparent holds MENU_LINKS links or more."""
    for holder in islice(a.iterancestors(), 1, 3):
        if sum(1 for _ in islice(holder.iter("a"), MENU_LINKS)) >= MENU_LINKS:
            return True
    return False


def _followed_by_date(page: Page, el: HtmlElement) -> float:
    """A bonus when a date is printed within the few lines after the element (the info line under a headline)."""
    idx = page.line_index(el)
    if idx is None:
        return 0.0
    following = page.lines[idx + 1 : idx + 4]
    if following and len(following[0].text) <= 200 and DATE_HINT.search(following[0].text):
        return DATE_BELOW
    near = any(len(line.text) <= 200 and DATE_HINT.search(line.text) for line in following[1:])
    return DATE_NEAR if near else 0.0


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
        if len(line.text) > len(text) + 40:
            continue
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
