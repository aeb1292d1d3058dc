"""Source (来源), credits (作者/记者/通讯员/摄影 …) and editors (责任编辑) from the info line, datelines, sign-offs.

A credit line is read into (role, name) pairs: the role comes from the label before the names (rules.CREDIT_LABELS)
or the mark after a name (`张三 摄`, rules.ROLE_SUFFIXES). Writers go to ``author``; correspondents, interns,
photographers, translators and others to ``contributors``. Every name is validated (length, characters, no verb
or function word, no markup word, no media name), and the byline nearest the headline or the body wins over
any other byline the page prints (a teaser's, a sidebar's). Values stop at the next label and at the boundary
of the element they are printed in, so `<span>来源：某某网</span><span>张三</span>` gives `某某网`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from crawler.extract.dates import DATE_HINT, find_dates
from crawler.extract.dom import Line, select_text, text_head
from crawler.extract.page import Page
from crawler.extract.rules import (
    AFFILIATION_WORDS,
    AUTHOR_META,
    CJK,
    COUNTER_LABELS,
    CREDIT_LABELS,
    CRUMB_LABELS,
    DATELINE_WORDS,
    EDITOR_LABELS,
    LEAD_IN_LABELS,
    MARKUP_WORDS,
    MEDIA_SUFFIXES,
    NAME_SEPARATORS,
    NOT_NAME_WORDS,
    PLACEHOLDER_NAMES,
    PROCESS_LABELS,
    ROLE_SUFFIXES,
    SENTENCE_WORD_LABELS,
    SHORT_CREDIT_LABELS,
    SOURCE_LABELS,
    SOURCE_META,
    SOURCE_PREFIXES,
    WRITER_WORDS,
    CreditRole,
    alternation,
)
from crawler.extract.types import Contributor

_IS_CJK = re.compile(f"[{CJK}]")
_SEP = r"[:：/／︱|｜丨]"

_SOURCE = re.compile(r"(?P<label>" + alternation(SOURCE_LABELS) + r")\s*(?P<colon>[:：]?)[\s\u3000]*")
_SOURCE_PREFIX = re.compile(r"^" + alternation(SOURCE_PREFIXES) + r"\s*[:：]?\s*")
_SOURCE_HINT = frozenset("来源出稿來")
_CLOSERS = {"）": "（", ")": "(", "】": "【", "]": "[", "》": "《", "」": "「"}

#: labels of more than one character that end a value printed before them on the same line
_LONG_LABELS = tuple(label for label in CREDIT_LABELS if len(label) > 1)
_STOP = re.compile(
    alternation((*SOURCE_LABELS, *_LONG_LABELS, *EDITOR_LABELS, *PROCESS_LABELS, *COUNTER_LABELS, "时间", "時間",
                 "日期"))
    + r"|(?:发布|發布|发表|更新|修改)(?=时间|時間|日期|于|於)"
    + r"|" + alternation(SHORT_CREDIT_LABELS) + r"\s*[:：/／]"
    + r"|【|\[|\||｜|(?:19|20)\d\d[-/.年]"
)
_LABEL_TOKEN = re.compile(r"^[^\s:：]{1,8}[:：]")
_CREDIT = re.compile(
    r"(?P<label>" + alternation(CREDIT_LABELS) + r")\s*(?P<sep>" + _SEP + r"?)\s*"
)
_EDITOR = re.compile(
    r"(?P<label>" + alternation(EDITOR_LABELS) + r")\s*(?P<sep>" + _SEP + r"?)\s*"
)
_NAME_TOKEN = re.compile(r"[" + CJK + r"A-Za-z·•.\-_\d]+")
_NAME_GAP = re.compile(r"[" + re.escape(NAME_SEPARATORS) + r"]+")
_AFFILIATION = re.compile(alternation(AFFILIATION_WORDS))
_STAFF_CODE = re.compile(r"[_\-\s]*[A-Za-z]{1,4}\d{2,}$|\(\w*\d+\w*\)$|（\w*\d+\w*）$")
_NOT_LETTER = re.compile(r"[\W_]+")
_CODE_ONLY = re.compile(r"^[A-Za-z]{1,4}\d{2,}$")
_NOT_NAME = re.compile(alternation(NOT_NAME_WORDS))
_PLACEHOLDER = re.compile(r"^" + alternation(PLACEHOLDER_NAMES) + r"$", re.I)
_MEDIA = re.compile(r"^.{1,6}" + alternation(MEDIA_SUFFIXES) + r"$")
_SUFFIX = re.compile(r"(?P<suffix>" + alternation(ROLE_SUFFIXES) + r")$")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\-]{1,38}[A-Za-z.]$")
_DATELINE_TAIL = re.compile(r"(?:[\u3400-\u9fff]{2})?\d{1,2}日\s*" + alternation(DATELINE_WORDS))
#: the last character of a media name printed right before 记者 (`新京报记者`, `融媒体记者`, `客户端记者`)
_MEDIA_END = frozenset("报報社台网網站刊部道体體端媒闻聞")
_REPORTED = re.compile(
    r"[（(]\s*([\u3400-\u9fff]{2,4})\s*[/／]\s*[\u3400-\u9fff]{0,8}"
    + alternation((*(s for s, role in ROLE_SUFFIXES.items() if role == "author" and len(s) > 1), *DATELINE_WORDS[:2]))
    + r"\s*[）)]"
)
#: an unlabelled name in brackets on the date line (`2004年7月16日08:19 [ 黄宇 ] 来源：…`)
_BRACKET_NAME = re.compile(r"(?<![:：])\s[\[【]\s*([\u3400-\u9fff]{2,4})\s*[\]】]")
_WRITER_WORD = re.compile(alternation(WRITER_WORDS))
#: a newspaper page line (`第A03版`) or a breadcrumb: never the byline
_PAPER_PAGE = re.compile(r"第\s*[A-Z]?\d{1,3}\s*版|" + alternation(CRUMB_LABELS))
_LEAD_IN = re.compile(r"^[【\[（(]?\s*" + alternation(LEAD_IN_LABELS))
_CREDIT_START = re.compile(
    r"^.{0,10}(?:" + alternation(label for label, role in CREDIT_LABELS.items() if len(label) > 1 and role != "other")
    + r"|[文图圖]\s*[/／|｜︱])\s*" + _SEP + r"?\s*[\u3400-\u9fffA-Za-z]"
)
_BRACKETED = r"[（(〔【\[]\s*({inner})[）)〕】\]]"
_LEAD_CREDIT = re.compile(
    _BRACKETED.format(inner=r"[^）)〕】\]]{0,20}?(?:记者|記者|评论员|通讯员|实习生|文\s*[/／])[^）)〕】\]]{1,40}")
)
_SIGN_OFF = re.compile(
    _BRACKETED.format(inner=r"[^）)〕】\]]{0,30}?(?:作者|记者|記者|评论员|通讯员|实习生|文\s*[/／])[^）)〕】\]]{1,40}")
    + r"\s*$"
)
#: a photo credit closing a caption: `（张三 摄）`, `李四、王五摄`
_PHOTO_CREDIT = re.compile(
    r"(?:[（(]\s*)?([\u3400-\u9fff·]{2,8}(?:\s*[、，,]\s*[\u3400-\u9fff·]{2,8}){0,3})\s*(?:摄|攝)\s*[）)]?\s*$"
)

#: names one credit label may introduce (a long list of co-writers is still one byline)
MAX_NAMES = 12
#: a plain Chinese name has 2-4 characters; an organisational byline (作者：某某党支部) may have up to this many
MAX_LENIENT_NAME = 12
#: a name with a middle dot (minority and transliterated names) may be this long
MAX_DOTTED_NAME = 15
#: lines below the headline searched for the info line's byline, and for a short credit line
INFO_WINDOW, CREDIT_WINDOW = 8, 30
#: a line longer than this is prose: no byline is read from it (datelines and sign-offs are read from its ends)
MAX_BYLINE_LINE = 150
#: a credit line on its own (`文/张三`) is at most this long
MAX_CREDIT_LINE = 40
#: body lines searched for a dateline at the start and a sign-off at the end
LEAD_LINES, SIGN_OFF_LINES = 3, 6


# --- values -------------------------------------------------------------------------------------------------


def _is_label_token(rest: str) -> bool:
    """``rest`` starts with `label：` (and not with a name glued to the next label: `黄敏更新时间：`)."""
    m = _LABEL_TOKEN.match(rest)
    if not m:
        return False
    return _STOP.match(rest) is not None or _STOP.search(m.group(0), 2) is None


def _next_bound(bounds: tuple[int, ...], pos: int) -> int | None:
    return next((b for b in bounds if b > pos), None)


def _value_after(text: str, pos: int, bounds: tuple[int, ...] = ()) -> str:
    """The field value starting at ``pos``: up to the next label, separator or element; "" when a label follows."""
    start = pos + (len(text[pos:]) - len(text[pos:].lstrip(" \u3000\u00a0")))
    rest = text[start:]
    if not rest or _is_label_token(rest) or _STOP.match(rest):
        return ""
    end = _next_bound(bounds, start)
    if end is not None:
        rest = rest[: end - start]
    m = re.match(r"[^\s\u3000|｜]+", rest)
    value = m.group(0) if m else ""
    stop = _STOP.search(value, 1)
    if stop:
        value = value[: stop.start()]
    return value.strip(" ,，。;；:：|｜/·-—_")


def _clean_source(value: str) -> str:
    """A source value without a `转载自` prefix or the closing bracket of the line it was printed in."""
    if not value:
        return value
    value = _SOURCE_PREFIX.sub("", value).strip()
    while value and value[-1] in _CLOSERS and _CLOSERS[value[-1]] not in value:
        value = value[:-1].rstrip()
    return value


def _source_candidates(page: Page) -> Iterator[Line]:
    lines = page.lines
    h = page.headline_idx
    if h is None:
        yield from lines
        return
    yield from lines[h : h + 10]
    yield from lines[h + 10 :]
    yield from reversed(lines[max(0, h - 6) : h])


def _ends_with_date(text: str, page: Page) -> bool:
    """True when ``text`` ends with a printed date or relative time (`昨天 10:20`, `3分钟前`)."""
    text = text.rstrip()
    if not text or len(text) > 80:
        return False
    hits = find_dates(text, page.fetched_at, page.tz)
    return bool(hits) and hits[-1].end >= len(text)


#: a source label without a colon is only read on a short line (an info line, not a sentence)
SHORT_SOURCE_LINE = 30
#: a source label is not read on lines longer than this
MAX_SOURCE_LINE = 200


def _source_in(line: Line, page: Page) -> str | None:
    text = line.text
    for m in _SOURCE.finditer(text):
        prev = text[m.start() - 1] if m.start() else ""
        if prev and _IS_CJK.match(prev) and prev not in "年月日" and not (
            m.group("colon") and _ends_with_date(text[: m.start()], page)
        ):
            continue  # 数据来源 / 消息来源于 inside a sentence (but `3分钟前来源：` is an info line)
        if not m.group("colon"):
            if len(text) > 80 or m.end() >= len(text):
                continue
            nxt = text[m.end()]
            if not (_IS_CJK.match(nxt) or nxt.isalnum()):
                continue
            if len(text) > SHORT_SOURCE_LINE and not re.search(r"\d{1,2}:\d{2}|\d{4}[-/年]|[|｜]", text):
                continue
        elif len(text) > 120 and re.search(r"[。！？]", text[m.end() :]):
            continue
        value = _value_after(text, m.end(), line.bounds)
        if not value and m.end() >= len(text):  # `<td>来源：</td><td>新华网</td>`: the value is in the next cell
            value = _value_after(_next_cell(line), 0)
        return _clean_source(value)
    return None


#: block elements that hold one cell of a label/value pair, and the elements that hold the value after them
_LABEL_CELLS = frozenset({"td", "th", "dt"})
_VALUE_CELLS = frozenset({"td", "th", "dd"})
#: a value cell is read this far
MAX_CELL_VALUE = 60


def _next_cell(line: Line) -> str:
    """The text of the cell right after a label-only cell (`<td>作者：</td><td>张三</td>`), else ""."""
    nxt = line.el.getnext() if line.el.tag in _LABEL_CELLS else None
    if nxt is None or nxt.tag not in _VALUE_CELLS:
        return ""
    return text_head(nxt, MAX_CELL_VALUE)


def _line_with_cell(line: Line) -> str:
    """A lone label cell read together with the cell after it."""
    if len(line.text) <= MAX_LABEL_CELL and line.text.rstrip().endswith((":", "：")):
        value = _next_cell(line)
        if value:
            return f"{line.text} {value}"
    return line.text


#: a cell that holds only a label is this short (`责任编辑：`)
MAX_LABEL_CELL = 8


def find_source(page: Page, selector: str | None = None) -> tuple[str | None, str]:
    """(source, rule): the value after 来源/稿源/出处 nearest the headline, else a source meta tag."""
    if selector:
        text = select_text(page.root, selector)
        m = _SOURCE.search(text)
        return _clean_source(_value_after(text, m.end()) if m else text.strip()), "profile"
    for n, line in enumerate(_source_candidates(page)):
        if n % 256 == 0:
            page.check()
        if len(line.text) > MAX_SOURCE_LINE or not _SOURCE_HINT.intersection(line.text):
            continue
        value = _source_in(line, page)
        if value is not None:
            return value, "label"
    meta = page.meta_first(*SOURCE_META)
    if meta and len(meta) <= 40:
        return _clean_source(meta), "meta"
    return None, "none"


# --- names --------------------------------------------------------------------------------------------------


def valid_name(token: str, *, lenient: bool = False) -> str:
    """``token`` as a person's (or, ``lenient``, a unit's) name, or "" when it cannot be one.

    Staff codes (`王莉(NF041)`, `赵六_NT1234`), a trailing 等 and role marks (`张三摄`) are removed first.
    """
    token = token.strip("·•.-_ ")
    if not token:
        return ""
    if lenient and _CODE_ONLY.match(token):
        return token  # `责任编辑：NF041`: the staff code is all the page prints of the editor
    stripped = _STAFF_CODE.sub("", token)
    if len(stripped) >= 2:
        token = stripped
    if _IS_CJK.search(token):
        return _valid_cjk_name(token, lenient)
    if not _LATIN_NAME.match(token) or any(w.lower() in MARKUP_WORDS for w in re.split(r"[ .\-]+", token) if w):
        return ""
    return "" if _PLACEHOLDER.match(token) else token


def _valid_cjk_name(token: str, lenient: bool) -> str:
    name = re.sub(r"[^" + CJK + r"·•]", "", token)
    if name.endswith("等") and len(name) >= 3:
        name = name[:-1]
    suffix = _SUFFIX.search(name)
    if suffix and len(name) - len(suffix.group(0)) >= 2:
        name = name[: suffix.start()]
    dotted = "·" in name or "•" in name
    limit = MAX_DOTTED_NAME if dotted else MAX_LENIENT_NAME if lenient else 4
    if len(name) > 4 and not dotted:
        aff = _AFFILIATION.search(name, 2)
        if aff and not lenient:
            name = name[: aff.start()]
    if not 2 <= len(name) <= limit:
        return ""
    if _NOT_NAME.search(name) or _PLACEHOLDER.match(name) or _MEDIA.match(name):
        return ""
    return name


@dataclass(slots=True)
class Credits:
    """The people a page credits: writers, and the others with their roles."""

    authors: list[str] = field(default_factory=list)
    contributors: list[Contributor] = field(default_factory=list)
    contributor_rule: str = "none"

    def add(self, role: CreditRole, name: str) -> None:
        if role == "author":
            if name not in self.authors:
                self.authors.append(name)
                self.contributors = [c for c in self.contributors if c.name != name]
        elif name not in self.authors and all(c.name != name for c in self.contributors):
            self.contributors.append(Contributor(name, role))


def _names(text: str, pos: int, bounds: tuple[int, ...], *, lenient: bool) -> list[str]:
    """Names printed from ``pos``, separated by 、/spaces/element boundaries, until a label or punctuation.

    A role mark after a name (`李四 摄`, `王五报道`) is dropped: the label before the names gives the role.
    """
    names: list[str] = []
    i = pos
    while i < len(text) and len(names) < MAX_NAMES:
        gap = _NAME_GAP.match(text, i)
        if gap:
            i = gap.end()
            continue
        if _STOP.match(text, i) or _is_label_token(text[i : i + 10]):
            break
        m = _NAME_TOKEN.match(text, i)
        if not m:
            break
        end = m.end()
        bound = _next_bound(bounds, i)
        if bound is not None and bound < end:  # two elements glued: `<a>张三</a><a>李四</a>`
            end = bound
        token = text[i:end]
        inner = _WRITER_WORD.search(token, 1)
        stop = _STOP.search(token, 1)
        if inner and (stop is None or stop.start() == inner.start()) and inner.end() < len(token):
            i += inner.end()  # `新京报记者张三`: the name follows the inner label
            continue
        if stop:
            token = token[: stop.start()]
        if names and token in ROLE_SUFFIXES:
            i = end
            continue
        name = valid_name(token, lenient=lenient)
        if not name or (names and len(name) > 4 and _IS_CJK.search(name)):
            break  # not a name, or an affiliation printed after the names
        names.append(name)
        if stop:
            break
        i = end
    return names


def credits_in(text: str, bounds: tuple[int, ...] = (), *, strict: bool = False) -> list[tuple[CreditRole, str]]:
    """(role, name) pairs of a credit line: `记者 张三 通讯员 李四`, `文/王五 图/赵六`, `作者：某某党支部`."""
    text = _DATELINE_TAIL.sub("", text) if "日" in text else text
    found: list[tuple[CreditRole, str]] = []
    for m in _CREDIT.finditer(text):
        label, sep = m.group("label"), m.group("sep")
        role = CREDIT_LABELS[label]
        prev = text[m.start() - 1] if m.start() else ""
        if label in SHORT_CREDIT_LABELS and (not sep or (prev and _IS_CJK.match(prev))):
            continue  # 文 / 图 / 摄 are labels only as `文/`, `图：`
        spaced = text[m.end() - 1 : m.end()].isspace()
        if (label in SENTENCE_WORD_LABELS and prev and _IS_CJK.match(prev) and prev not in _MEDIA_END
                and not sep and not spaced):
            continue  # 据记者了解 / 告诉记者: the word inside a sentence
        if label in ("作者", "作　者") and not sep and not spaced:
            # 作者X without separator: only at the start of the line or of a `|`-separated field
            before = text[: m.start()].rstrip()
            if before and before[-1] not in "|｜:：】]）)" and len(text) > 20:
                continue
        lenient = not strict and label in ("作者", "作　者")
        found += [(role, name) for name in _names(text, m.end(), bounds, lenient=lenient)]
    return found


#: a line is a credit line when the labels and names it credits cover this share of its letters
CREDIT_LINE_COVER = 0.7


def is_credit_line(text: str) -> bool:
    """True when ``text`` is nothing but credits (`本报记者 张三、李四 通讯员 王五`), however long the list."""
    pairs = credits_in(text, strict=True)
    if not pairs:
        return False
    letters = len(_NOT_LETTER.sub("", text))
    labels = sum(len(m.group("label")) for m in _CREDIT.finditer(text))
    return labels + sum(len(name) for _role, name in pairs) >= CREDIT_LINE_COVER * letters


def _apply(credits: Credits, pairs: list[tuple[CreditRole, str]]) -> None:
    for role, name in pairs:
        credits.add(role, name)


def _writers(pairs: list[tuple[CreditRole, str]]) -> list[str]:
    return [name for role, name in pairs if role == "author"]


def _byline_lines(page: Page) -> Iterator[tuple[Line, str]]:
    """The lines where the article's own byline is printed, nearest the headline first, with a rule name.

    Without a located headline, the page's first dated short lines outside chrome stand for its info line.
    """
    h = page.headline_idx
    if h is not None:
        for line in page.lines[h : h + INFO_WINDOW]:
            if not line.in_link and len(line.text) <= MAX_BYLINE_LINE and not _PAPER_PAGE.search(line.text):
                yield line, "info-line"
        return
    found = 0
    for line in page.lines:
        if found >= INFO_WINDOW:
            return
        if (not line.in_link and len(line.text) <= MAX_BYLINE_LINE and DATE_HINT.search(line.text)
                and not page.is_chrome(line.el)):
            found += 1
            yield line, "dated-line"


def find_credits(page: Page, body: list[str], selector: str | None = None) -> tuple[Credits, str]:
    """(credits, rule of the authors): the byline nearest the headline, else the body's dateline or sign-off."""
    credits = Credits()
    if selector:
        for name in split_names(select_text(page.root, selector)):
            credits.add("author", name)
        return credits, "profile"
    rule = _find_writers(page, body, credits)
    _find_contributors(page, body, credits)
    credits.contributor_rule = "credits" if credits.contributors else "none"
    return credits, rule


def _find_writers(page: Page, body: list[str], credits: Credits) -> str:
    editors = set(find_editors(page)[0])
    fallback: list[tuple[CreditRole, str]] = []
    for line, rule in _byline_lines(page):
        page.check()
        text = _line_with_cell(line)
        pairs = credits_in(text, line.bounds if text == line.text else ())
        writers = _writers(pairs)
        if writers and not set(writers) <= editors:
            _apply(credits, pairs)
            return rule
        if pairs and not fallback:
            fallback = pairs
    h = page.headline_idx
    if h is not None:
        for line in page.lines[h + 1 : h + CREDIT_WINDOW]:
            text = line.text
            if (len(text) <= MAX_CREDIT_LINE and not line.in_link and _CREDIT_START.match(text)
                    and not _PAPER_PAGE.search(text) and not _LEAD_IN.match(text)):
                pairs = credits_in(text, line.bounds, strict=True)
                if _writers(pairs):
                    _apply(credits, pairs)
                    return "credit-line"
    rule = _body_credits(body, credits)
    if rule:
        return rule
    if h is not None:
        for line in page.lines[h + 1 : h + 4]:
            m = _BRACKET_NAME.search(line.text)
            if m and len(line.text) <= 120 and re.search(r"\d{1,2}:\d{2}|\d{4}年", line.text):
                name = valid_name(m.group(1))
                if name:
                    credits.add("author", name)
                    return "info-bracket"
    if _writers(fallback):
        _apply(credits, fallback)
        return "info-line"
    return _labelled_anywhere(page, credits) or _meta_author(page, credits)


def _body_credits(body: list[str], credits: Credits) -> str:
    """Writers credited in the body's first lines (dateline `（记者 张三）`) or last lines (sign-off)."""
    for line in body[:LEAD_LINES]:
        if _LEAD_IN.match(line):
            continue
        m = _LEAD_CREDIT.search(line[:80])
        pairs = credits_in(m.group(1), strict=True) if m else []
        if not _writers(pairs) and len(line) <= MAX_CREDIT_LINE:
            pairs = credits_in(line, strict=True)
        if _writers(pairs):
            _apply(credits, pairs)
            return "dateline" if m else "lead-credit"
    for line in reversed(body[-SIGN_OFF_LINES:]):
        m = _SIGN_OFF.search(line[-60:])
        pairs = credits_in(m.group(1), strict=True) if m else []
        if not _writers(pairs) and len(line) <= MAX_CREDIT_LINE:
            pairs = credits_in(line, strict=True)
        if _writers(pairs):
            _apply(credits, pairs)
            return "sign-off"
        reported = _REPORTED.search(line[-40:]) or _REPORTED.search(line[:40])
        if reported and (name := valid_name(reported.group(1))):
            credits.add("author", name)
            return "sign-off"
    for line in body:
        reported = _REPORTED.search(line)
        if reported and (name := valid_name(reported.group(1))):
            credits.add("author", name)
            return "sign-off"
    return ""


def _labelled_anywhere(page: Page, credits: Credits) -> str:
    """A `作者：` line elsewhere in the page's own text (not a link list, not chrome), nearest the headline."""
    h = page.headline_idx or 0
    hits: list[tuple[int, list[tuple[CreditRole, str]]]] = []
    for i, line in enumerate(page.lines):
        text = line.text
        if len(text) > 60 or ("作者" not in text and "撰文" not in text) or line.in_link or page.is_chrome(line.el):
            continue
        pairs = credits_in(text, line.bounds)
        if _writers(pairs):
            hits.append((abs(i - h), pairs))
    if not hits:
        return ""
    _apply(credits, min(hits, key=lambda hit: hit[0])[1])
    return "label"


#: a meta author longer than this is a list of keywords or a site name
MAX_META_AUTHOR = 12
_META_MEDIA = re.compile(alternation((*MEDIA_SUFFIXES, "com", "cn", "News")), re.I)


def _meta_author(page: Page, credits: Credits) -> str:
    meta = page.meta_first(*AUTHOR_META)
    if not meta or len(meta) > MAX_META_AUTHOR or _META_MEDIA.search(meta):
        return "none"
    names = [n for n in (valid_name(t) for t in re.split(r"[\s,，、]+", meta)) if n]
    for name in names:
        credits.add("author", name)
    return "meta" if names else "none"


def _find_contributors(page: Page, body: list[str], credits: Credits) -> None:
    """Correspondents, interns, photographers, translators credited in the byline, the body's credit lines or
    photo captions (`（张三 摄）`)."""
    texts = [(line.text, line.bounds) for line, _rule in _byline_lines(page)]
    for line in body[:LEAD_LINES]:
        m = _LEAD_CREDIT.search(line[:80])
        if m:
            texts.append((m.group(1), ()))
    for line in body[-SIGN_OFF_LINES:]:
        m = _SIGN_OFF.search(line[-60:])
        if m:
            texts.append((m.group(1), ()))
    texts += [(line, ()) for line in body if len(line) <= MAX_CREDIT_LINE]
    for text, bounds in texts:
        for role, name in credits_in(text, bounds, strict=True):
            if role != "author":
                credits.add(role, name)
    for line in body:
        m = _PHOTO_CREDIT.search(line[-40:])
        if m:
            for token in re.split(r"\s*[、，,]\s*", m.group(1)):
                name = valid_name(token)
                if name:
                    credits.add("photographer", name)


# --- editors ------------------------------------------------------------------------------------------------


def find_editors(page: Page, selector: str | None = None) -> tuple[list[str], str]:
    """(editors, rule): the names after 责任编辑/责编/编辑 anywhere in the page's own text."""
    if selector:
        return split_names(select_text(page.root, selector)), "profile"
    cached = page.cache.get("editors")
    if isinstance(cached, list):
        return cached, "label" if cached else "none"
    found: list[str] = []
    h = page.headline_idx or 0
    lines = page.lines
    for n, line in enumerate(lines[h:] + lines[:h]):
        if n % 256 == 0:
            page.check()
        if ("编" not in line.text and "編" not in line.text) or len(line.text) > MAX_SOURCE_LINE or line.in_link:
            continue
        text = _line_with_cell(line)
        bounds = line.bounds if text == line.text else ()
        for m in _EDITOR.finditer(text):
            if m.group("label") in ("编辑", "編輯") and not m.group("sep") and len(text) > 40:
                continue
            if m.start() and _IS_CJK.match(text[m.start() - 1]) and m.group("label") in ("编辑", "編輯"):
                continue  # 总编辑 / 小编辑部: not the label
            for name in _names(text, m.end(), bounds, lenient=True):
                if name not in found:
                    found.append(name)
    page.cache["editors"] = found
    return found, "label" if found else "none"


def split_names(text: str, *, keep_long: bool = False) -> list[str]:
    """Names from a profile-selected element: labels dropped, split on spaces/、/commas, codes removed."""
    text = re.sub(r"^[^:：]{0,8}[:：]", "", text or "").strip()
    out: list[str] = []
    for token in re.split(r"[\s\u3000、,，;；/／|｜]+", text):
        name = token.strip() if keep_long else valid_name(token, lenient=True)
        if name and name not in out:
            out.append(name)
    return out
