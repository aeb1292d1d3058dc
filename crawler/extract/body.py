"""The article body: a cascade of strategies, each checked against the page, and the body/images serialiser.

1. ``profile``: the site profile's body selector.
2. ``density`` / ``known+density``: text density x punctuation (GNE's idea), readability-style scores passed up
   to ancestors, a bonus for the CMS containers of rules.CONTENT_SELECTORS.
Check: the chosen block must not collapse — be empty, end before the headline, hold a sentence or two while the
page has more, or hold less than half the prose of the page's largest run of punctuated lines after the headline
(a QR-code line or a teaser won over an article whose container has a chrome-like class or sits among link
lists). When it does:

3. ``relaxed-density``: density again, inheriting only chrome that never holds an article (comment threads,
   footers), so a container whose class merely looks like chrome (`main-side`, `print_area`) counts;
4. ``prose-run``: the block that holds the largest run;
5. ``prose-lines``: the run's own lines.

The strategy that won is recorded in ``rules["body"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from crawler.extract.byline import is_credit_line
from crawler.extract.dates import find_dates
from crawler.extract.dom import (
    HtmlElement,
    Line,
    is_noise,
    is_noise_block,
    iter_lines,
    norm,
    normalize,
    select,
    tag_of,
    text_head,
    urljoin,
)
from crawler.extract.page import Page
from crawler.extract.rules import (
    CONTENT_SELECTORS,
    CREDIT_LABELS,
    DISCLAIMER,
    EDITOR_LABELS,
    IMAGE_SRC_ATTRS,
    INFO_LINE_LABELS,
    NOISE_LINE,
    PROCESS_LABELS,
    PROMO_LINE,
    PUNCTUATION,
    SENTENCE_END,
    SOURCE_LABELS,
    TRAILER_START,
    alternation,
)
from crawler.extract.types import Image

_INFO_LABEL = re.compile(alternation((*INFO_LINE_LABELS, "Views", "views")) + "|次")
_CREDIT_LINE = re.compile(
    r"^[（(【\[〔]?\s*" + alternation((*CREDIT_LABELS, *SOURCE_LABELS, *EDITOR_LABELS, *PROCESS_LABELS, "美编"))
    + r"\s*[/／:：︱|｜丨\s]"
)
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile("[" + re.escape(SENTENCE_END) + "]")
#: marks that make a line read as prose (sentences and clauses)
_PROSE_MARK = re.compile("[" + re.escape(SENTENCE_END + "，,、") + "]")


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
    return cls is not None and any(c in classes for c in cls.split())


#: a paragraph needs this much own text to score at all (shorter ones are labels and link captions)
MIN_PARAGRAPH = 20
#: a paragraph's score: 1 + its punctuation (up to PUNCT_CAP) + its length in hundreds (up to LENGTH_CAP)
PUNCT_CAP, LENGTH_CAP = 40, 3.0
#: an unpunctuated short paragraph is probably a caption or a menu: its score is scaled by this
UNPUNCTUATED_FACTOR = 0.3
#: share of a paragraph's score passed to its parent, grandparent and great-grandparent
ANCESTOR_SHARES = (1.0, 0.5, 1 / 3)
#: a block matching a known CMS content container gets this factor
KNOWN_CONTAINER_BONUS = 1.3
#: a sibling of the best block joins it when it scores this share of the best (multi-block article bodies) …
SIBLING_SHARE, SIBLING_MIN_SCORE = 0.25, 8.0
#: … and is not mostly links
SIBLING_MAX_LINKS = 0.3
#: elements between two checks of the time budget in the per-element loops
CHECK_EVERY = 2048


def density_stats(page: Page, *, relaxed: bool = False) -> dict[HtmlElement, _Stat]:
    """Text/link/tag/punctuation counts for every element: one pass down (noise), one pass up (sums).

    Noise is inherited from the ancestors; ``relaxed`` inherits only chrome that never holds the article, so
    the paragraphs of a container whose class merely looks like chrome (`main-side`) count again.
    """
    elements = page.elements()
    stats: dict[HtmlElement, _Stat] = {}
    inline_tags = _INLINE
    for n, (el, tag, attrs) in enumerate(elements):
        if n % CHECK_EVERY == 0:
            page.check()
        parent = el.getparent()
        pst = stats.get(parent) if parent is not None else None
        if relaxed:  # noqa: SIM108 - two different inheritance rules read better apart
            inherited = parent is not None and page.is_never_article(parent)
        else:
            inherited = pst is not None and pst.noise
        st = _Stat(noise=inherited or is_noise(tag, attrs))
        text = el.text
        if text:
            n_chars, n_punct = _count(text)
            st.text = st.inline = n_chars
            st.punct = st.inline_punct = n_punct
        stats[el] = st
    root = page.body_el
    for n, (el, tag, _attrs) in enumerate(reversed(elements)):
        if n % CHECK_EVERY == 0:
            page.check()
        st = stats[el]
        if tag == "a":
            st.link_text = st.text
            st.inline_link = st.inline
            st.link_tags += 1
        elif st.noise:
            st.link_text = st.text
        if el is root:
            continue
        parent = el.getparent()
        pst = stats.get(parent) if parent is not None else None
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
        if own < MIN_PARAGRAPH:
            continue
        head = text_head(el, 60) if own < 600 else ""
        if head and DISCLAIMER.match(head):
            continue
        value = 1.0 + min(st.inline_punct, PUNCT_CAP) + min(own / 100, LENGTH_CAP)
        if st.inline_punct == 0 and own < 60:
            value *= UNPUNCTUATED_FACTOR
        scores[el] = scores.get(el, 0.0) + value
        node = el.getparent()
        for share in ANCESTOR_SHARES:
            if node is None:
                break
            scores[node] = scores.get(node, 0.0) + value * share
            node = node.getparent()
    return scores


def find_content(page: Page, stats: dict[HtmlElement, _Stat]) -> tuple[list[HtmlElement], str]:
    """The elements holding the article text by density (in document order) and the rule name."""
    scores = _score_tree(stats)
    best: tuple[float, HtmlElement] | None = None
    final: dict[HtmlElement, float] = {}
    for el, raw in scores.items():
        st = stats.get(el)
        if st is None or tag_of(el) in ("html", "a"):
            continue
        link_ratio = st.link_text / st.text if st.text else 1.0
        score = raw * (1.0 - link_ratio)
        if _is_known(el):
            score *= KNOWN_CONTAINER_BONUS
        final[el] = score
        if best is None or score > best[0]:
            best = (score, el)
    if best is None:
        return [], "none"
    top = best[1]
    chosen = [top]
    parent = top.getparent()
    if parent is not None and tag_of(top) != "body":
        threshold = max(SIBLING_MIN_SCORE, best[0] * SIBLING_SHARE)
        chosen = []
        for sib in parent:
            if sib is top:
                chosen.append(sib)
                continue
            if not isinstance(sib.tag, str) or sib not in final:
                continue
            st = stats[sib]
            if final[sib] >= threshold and st.link_text < SIBLING_MAX_LINKS * max(st.text, 1):
                chosen.append(sib)
    return chosen, "known+density" if _is_known(top) else "density"


# --- the check of a chosen body against the page -------------------------------------------------------------

#: a line needs this many characters and a clause mark to count as prose
PROSE_LINE_MIN = 15
#: short non-prose lines (captions, subheads) a run of prose may step over, and how long they may be
RUN_GAP_LINES, RUN_GAP_MAX = 2, 50
#: a run stays in one block: a line joins it when their common element lies at most this many levels above the
#: run's block (a teaser in a box beside the article starts a run of its own) …
RUN_MAX_CLIMB = 3
#: … and at most this many levels above the line (bounds the walk on absurdly nested pages)
RUN_MAX_DEPTH = 64
#: a credit line this short is dropped from the body; a longer one only when it is nothing but credits
SHORT_CREDIT_LINE, MAX_CREDIT_LINE = 40, 160
#: a body shorter than this (a sentence or two) is checked against any longer run of prose on the page
SHORT_BODY = 100
#: a run in chrome-looking blocks still counts when it starts within this many lines after the headline
RUN_NEAR_HEADLINE = 12
#: below this many prose characters a page's largest run is no evidence against the chosen body (short pieces)
RUN_MIN_CHARS = 150
#: the chosen body must hold at least this share of the largest run's prose, else the next strategy is tried
BODY_MIN_SHARE = 0.5
#: a later strategy replaces an earlier body only when it holds this many times its prose
REPLACE_FACTOR = 1.5


def _is_prose(line: Line) -> bool:
    text = line.text
    return (
        not line.in_link
        and len(text) >= PROSE_LINE_MIN
        and _PROSE_MARK.search(text) is not None
        and not NOISE_LINE.match(text)
        and not PROMO_LINE.search(text[:PROMO_REACH])
        and not DISCLAIMER.match(text[:60])
    )


#: a promotional line is recognised in the first this many characters of a line
PROMO_REACH = 200


def prose_chars(lines: list[str]) -> int:
    """Characters of the lines that read as prose (a clause mark, not a tool line): the measure of a body."""
    return sum(
        len(t) for t in lines
        if len(t) >= PROSE_LINE_MIN and _PROSE_MARK.search(t) and not PROMO_LINE.search(t[:PROMO_REACH])
    )


@dataclass(slots=True)
class _Run:
    """Consecutive prose lines of one block of the page."""

    start: int
    lines: list[Line]
    #: the deepest element holding every line of the run
    block: HtmlElement
    #: characters of its prose lines
    chars: int = 0


def _join(block: HtmlElement, el: HtmlElement) -> HtmlElement | None:
    """The element holding both ``block`` and ``el`` if it lies at most RUN_MAX_CLIMB levels above ``block``."""
    above_block = [block, *islice(block.iterancestors(), RUN_MAX_CLIMB)]
    for node in (el, *islice(el.iterancestors(), RUN_MAX_DEPTH)):
        if node in above_block:
            return node
    return None


def _runs(page: Page) -> list[_Run]:
    """The runs of prose in document order. A run steps over a few short lines between its prose lines and stays
    within one block: a teaser in a box after the article starts a run of its own."""
    runs: list[_Run] = []
    run: _Run | None = None
    gap = 0
    prose = _prose_flags(page)
    for n, line in enumerate(page.lines):
        if n % CHECK_EVERY == 0:
            page.check()
        if n == page.headline_idx:  # a run never steps over the headline
            run, gap = None, 0
            continue
        if prose[n]:
            joined = _join(run.block, line.el) if run is not None else None
            if run is None or joined is None:
                run = _Run(n, [], line.el)
                runs.append(run)
            else:
                run.block = joined
            run.lines.append(line)
            gap = 0
            continue
        gap += 1
        if gap > RUN_GAP_LINES or len(line.text) > RUN_GAP_MAX:
            run, gap = None, 0
        elif run is not None:
            run.lines.append(line)
    for found in runs:
        while found.lines and not _is_prose(found.lines[-1]):
            found.lines.pop()
        found.chars = sum(len(line.text) for line in found.lines if _is_prose(line))
    return runs


def _prose_flags(page: Page) -> list[bool]:
    flags = page.cache.get("prose")
    if not isinstance(flags, list):
        flags = [_is_prose(line) for line in page.lines]
        page.cache["prose"] = flags
    return flags


def _eligible(page: Page, start: int, run: list[Line]) -> bool:
    """A run may stand for the article unless it lies in chrome (comment rules, a footer) away from the headline.

    Near the headline it stands even in chrome: an article container's class may look like chrome (`main-side`).
    """
    if not any(page.is_chrome(line.el) for line in run):
        return True
    if any(page.is_never_article(line.el) for line in run):
        return False
    h = page.headline_idx
    return h is not None and h < start <= h + RUN_NEAR_HEADLINE


def largest_run(page: Page) -> _Run | None:
    """The page's largest run of prose lines that may stand for the article (see :func:`_eligible`); one after
    the headline when there is one (an article follows its headline, a notice in the page header does not)."""
    best: _Run | None = None
    h = page.headline_idx
    runs = [run for run in _runs(page) if _eligible(page, run.start, run.lines)]
    after = [run for run in runs if h is not None and run.start > h]
    for run in after or runs:
        if best is None or run.chars > best.chars:
            best = run
    return best


def _before_headline(page: Page, content: list[HtmlElement]) -> bool:
    """True when the chosen block ends before the headline starts: a page-header notice, not the article."""
    headline = page.headline_el
    if headline is None or not content:
        return False
    return page.span(content[-1])[1] < page.span(headline)[0]


def find_body(
    page: Page, selector: str | None, title: str, subtitle: str = ""
) -> tuple[tuple[list[str], list[Image]], str]:
    """((body lines, images), rule): the first strategy of the cascade whose body survives the check."""
    stats = density_stats(page)
    if selector:
        found = [el for el in select(page.root, selector) if isinstance(el, HtmlElement)]
        if found:
            lines = body_lines(page, found[:1], stats, title, subtitle)
            return (lines, images(page, found[:1])), "profile"
    content, rule = find_content(page, stats)
    lines = body_lines(page, content, stats, title, subtitle) if content else []
    have = 0 if _before_headline(page, content) else prose_chars(lines)
    run = largest_run(page)
    run_chars = run.chars if run else 0
    collapsed = not have or (
        have < SHORT_BODY and run_chars >= REPLACE_FACTOR * have
    ) or (run_chars >= RUN_MIN_CHARS and have < BODY_MIN_SHARE * run_chars)
    if run is None or not collapsed:
        return (lines, images(page, content)), rule
    # the chosen block collapsed (empty, or far less prose than the page's largest run): density again with
    # only never-article chrome inherited, then the run's own block
    enough = max(REPLACE_FACTOR * have, BODY_MIN_SHARE * run_chars)
    relaxed = density_stats(page, relaxed=True)
    found, _rule = find_content(page, relaxed)
    got = body_lines(page, found, relaxed, title, subtitle) if found and not _before_headline(page, found) else []
    if prose_chars(got) >= enough:
        return (got, images(page, found)), "relaxed-density"
    got = body_lines(page, [run.block], stats, title, subtitle, strict_noise=False)
    if prose_chars(got) >= enough:
        return (got, images(page, [run.block])), "prose-run"
    got = _filtered(page, [line.text for line in run.lines], title, subtitle)
    if prose_chars(got) >= REPLACE_FACTOR * have and got:
        return (got, images(page, [run.block])), "prose-lines"
    return (lines, images(page, content)), rule


def _link_heavy(el: HtmlElement, stats: dict[HtmlElement, _Stat]) -> bool:
    st = stats.get(el)
    if st is None or tag_of(el) in ("a", "p", "span", "font", "strong", "b"):
        return False
    return st.link_tags >= 3 and st.link_text >= 0.6 * st.text


def body_lines(
    page: Page,
    content: list[HtmlElement],
    stats: dict[HtmlElement, _Stat],
    title: str,
    subtitle: str = "",
    *,
    strict_noise: bool = True,
) -> list[str]:
    """Article paragraphs in order, chrome and bylines removed.

    ``strict_noise=False`` keeps blocks whose class only looks like chrome (the block was chosen for its prose).
    """
    headline = page.headline_el

    def skip(el: HtmlElement) -> bool:
        if el is headline or _link_heavy(el, stats):
            return True
        return is_noise_block(el) if strict_noise else tag_of(el) in ("nav", "footer", "aside")

    raw = [line.text for el in content for line in iter_lines(el, skip)]
    return _filtered(page, raw, title, subtitle)


def _filtered(page: Page, raw: list[str], title: str, subtitle: str) -> list[str]:
    """The lines that are article text: no headline echo, tool lines, info lines, credits or trailer."""
    nt = normalize(title)
    ns = normalize(subtitle) if subtitle else ""
    out: list[str] = []
    for i, line in enumerate(raw):
        if i % 256 == 0:
            page.check()
        if TRAILER_START.match(line) and i >= max(2, len(raw) // 3):
            break
        nl = normalize(line)
        if not nl:
            continue
        if nt and (nl == nt or (nt in nl and len(nl) <= len(nt) + 12 and len(out) == 0)):
            continue
        if ns and nl == ns and len(out) <= 2:
            continue
        if NOISE_LINE.match(line) or (len(line) <= 80 and PROMO_LINE.search(line)):
            continue
        if _is_info_line(line, page):
            continue
        if (len(line) <= MAX_CREDIT_LINE and _CREDIT_LINE.match(line) and not _SENTENCE_END.search(line)
                and (len(line) <= SHORT_CREDIT_LINE or is_credit_line(line))):
            continue
        out.append(line)
    return out


def _is_info_line(line: str, page: Page) -> bool:
    if len(line) > 120 or not _DIGIT.search(line):
        return False
    hits = find_dates(line, page.fetched_at, page.tz, relative=False)
    if not hits:
        return False
    rest = line
    for h in reversed(hits):
        rest = rest[: h.start] + rest[h.end :]
    if "。" in rest or "！" in rest or "？" in rest:
        return False  # a sentence that mentions a time (`北京时间6月24日12时55分，…。`)
    return bool(_INFO_LABEL.search(rest)) or len(normalize(rest)) <= 6


def images(page: Page, content: list[HtmlElement]) -> list[Image]:
    base = page.canonical or page.url
    out: list[Image] = []
    seen: set[str] = set()
    for img in (i for el in content for i in el.iter("img")):
        src = next((value for attr in IMAGE_SRC_ATTRS if (value := img.get(attr))), "").strip()
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
        if len(out) >= MAX_IMAGES:
            break
    return out


#: images listed per article at most (a gallery page of thousands is a list)
MAX_IMAGES = 200


def _caption(img: HtmlElement) -> str:
    parent = img.getparent()
    for anc in (parent, parent.getparent() if parent is not None else None):
        if anc is not None and tag_of(anc) == "figure":
            cap = anc.find(".//figcaption")
            if cap is not None:
                return text_head(cap, 300)
    return norm(img.get("alt") or img.get("title") or "")
