"""What a fetched page is — error, challenge, soft 404, list, article or other — decided in one place.

Every check here runs in time linear in the page (or bounded by a cap): a verdict runs on the reactor's thread
for every page, so a hostile page must not be able to stall the crawl (a regex that strips `<script>…</script>`
lazily took 69 s on one 360 KB page).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lxml import etree
from parsel import Selector

from crawler.extract.classify import page_kind

Kind = Literal["error", "challenge", "soft_404", "list", "article", "other", "unchanged", "withdrawn"]

#: the signal the spider sends for every page it judged: handlers get `verdict` (a Verdict) and `url`
page_judged = object()

#: how a refetch of an archived article (a conditional GET) can be answered besides with the page
REFETCH_ANSWERS: dict[int, Kind] = {304: "unchanged", 404: "withdrawn", 410: "withdrawn"}
#: HTTP statuses anti-bot walls answer with (Jiasule 521, Aliyun/Yunsuo 412)
CHALLENGE_STATUS = frozenset({412, 521})
#: marks of a wall, in lower case: they are looked for in the lowered page, because a case-insensitive search of
#: this alternation is ~7x slower (1.7 against 0.23 ms on a 19,000-character page), paid by every page fetched
_CHALLENGE_MARKS = re.compile(
    r"__jsl_clearance|acw_sc__v2|acw_tc|_waf_|yunsuo_session_verify|wzws_cid|jsluid|cf-browser-verification|"
    r"challenge-platform|请开启javascript|请启用javascript|安全验证|访问验证|人机验证|正在进行安全检测"
)
#: a wall is a small page: a long page that merely mentions a WAF cookie is not one
CHALLENGE_MAX_CHARS = 20000
#: a JS cookie wall is a tiny script that sets a cookie and reloads
JS_WALL_MAX_CHARS = 4000
_JS_REDIRECT = re.compile(r"document\.cookie\s*=|location\.(?:reload|replace|href\s*=)|window\.location", re.I)
_SOFT_404 = re.compile(  # "404", but not in a road or a model number (G404国道, X404)
    r"(?<![A-Za-z0-9])404(?![0-9])|页面不存在|页面未找到|找不到(?:该|您要的)?页面|已被?删除|not\s+found|无法找到|"
    r"文章不存在|信息不存在",
    re.I,
)
#: an error template says little: a page with an error title and at least this much text is a real page
SOFT_404_MAX_TEXT = 600
#: title and headline are read this far: an error template's title is short, a hostile one may not be
HEADLINE_MAX_CHARS = 300
_NO_TEXT = frozenset({"script", "style", "noscript", "template"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """A page's verdict; `reason` says why (`http_521`, `marker`, `404`, `binary` …), `selector` is the parsed
    page for the caller to reuse (None when the page was not parsed)."""

    kind: Kind
    reason: str = ""
    selector: Selector | None = None

    @property
    def has_content(self) -> bool:
        """A parsed page worth reading: not an error, a wall, a soft 404, a refetch answer or a non-text body."""
        return self.selector is not None and self.kind != "soft_404"

    @property
    def notice(self) -> tuple[int, str] | None:
        """The log level and message a crawl prints for this verdict, when it is worth a line at all."""
        if self.kind == "challenge":
            return logging.WARNING, f"challenge page ({self.reason}), not bypassed, not stored"
        if self.kind == "soft_404":
            return logging.INFO, "soft 404 (error template with status 200)"
        return None

    @property
    def counters(self) -> tuple[str, ...]:
        """The crawl counters this verdict increments (names the run record reads)."""
        if self.kind == "error":
            return (f"pages/error/{self.reason}",)
        if self.kind == "challenge":
            return ("pages/challenge", f"pages/challenge/{self.reason}")
        if self.kind == "unchanged":
            return ("articles/unchanged", "articles/not_modified")
        if self.kind == "withdrawn":
            return ("articles/withdrawn_seen",)
        if self.reason == "binary":
            return ("pages/skipped/binary",)
        return (f"pages/{self.kind}",)


def judge(
    status: int, html: str | None, url: str, article_patterns: Sequence[re.Pattern[str]] = (), refetch: bool = False
) -> Verdict:
    """The verdict on a response: its status, its decoded text (None for a non-text body) and its URL.

    A profile's `article_patterns`, when it has any, decide article against list; otherwise the page's URL shape
    and markup do (crawler.extract.classify). A `refetch` (conditional GET of an archived article) may also be
    answered "unchanged" (304) or "withdrawn" (404, 410).
    """
    if refetch and status in REFETCH_ANSWERS:
        return Verdict(REFETCH_ANSWERS[status], str(status))
    if status in CHALLENGE_STATUS:
        return Verdict("challenge", f"http_{status}")
    if status >= 400:
        return Verdict("error", str(status))
    if html is None:
        return Verdict("other", "binary")
    reason = challenge_reason(html)
    if reason:
        return Verdict("challenge", reason)
    sel = Selector(text=html, base_url=url)
    if article_patterns:
        kind: Kind = "article" if any(p.search(url) for p in article_patterns) else "list"
    else:
        kind = page_kind(sel, url)
    if kind != "list" and is_soft_404(sel):
        return Verdict("soft_404", "error_template", sel)
    return Verdict(kind, "", sel)


def challenge_reason(html: str) -> str | None:
    """Why a 200 page is an anti-bot wall (never an article, never bypassed), or None."""
    if len(html) < CHALLENGE_MAX_CHARS and _CHALLENGE_MARKS.search(html.lower()):
        return "marker"
    if len(html) < JS_WALL_MAX_CHARS and _JS_REDIRECT.search(html) and "<p" not in html.lower():
        return "js_cookie_wall"
    return None


def is_soft_404(sel: Selector) -> bool:
    """A 200 page that is an error template: an error title or headline, and little text."""
    title = sel.xpath("normalize-space(//title)").get() or ""
    h1 = sel.xpath("normalize-space(//h1)").get() or ""
    headline = f"{title[:HEADLINE_MAX_CHARS]} {h1[:HEADLINE_MAX_CHARS]}"
    return bool(_SOFT_404.search(headline)) and text_chars(sel, SOFT_404_MAX_TEXT) < SOFT_404_MAX_TEXT


def text_chars(sel: Selector, limit: int) -> int:
    """Characters of visible text (scripts and styles excluded), counted up to `limit`: one pass, stops early."""
    root = sel.root
    if not isinstance(root, etree._Element):
        return 0
    count = 0
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag not in _NO_TEXT and el.text:
            count += len(el.text.strip())
        if el.tail:
            count += len(el.tail.strip())
        if count >= limit:
            break
    return count
