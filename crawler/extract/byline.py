"""Source (来源), author (作者/记者/文/) and editor (责任编辑) from the info line, datelines and sign-offs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.extract.dates import find_dates
from crawler.extract.page import Page

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_IS_CJK = re.compile(f"[{_CJK}]")

_SOURCE = re.compile(
    r"(?P<label>稿件来源|信息来源|新闻来源|文章来源|本文来源|内容来源|来源于|来源|稿源|出处|來源|出處)\s*(?P<colon>[:：]?)[\s\u3000]*"
)
#: a label that ends the value of a previous field on the same line
_STOP = re.compile(
    r"(?:稿件来源|信息来源|文章来源|本文来源|来源于|来源|稿源|出处|"
        r"來源|作者|作　者|記者|记者|通讯员|责任编辑|責任編輯|责编|"
    r"编辑|編輯|校对|审核|审校|签发|终审|监制|摄影|时间|時間|日期|(?:发布|發布|发表|更新|修改)(?=时间|時間|日期|于|於)|"
    r"點擊|点击|浏览|瀏覽|阅读|閱讀|字号|字体|"
    r"打印|关闭|分享|评论|人参与|访问|【|\[|\||｜|(?:19|20)\d\d[-/.年])"
)
_LABEL_TOKEN = re.compile(r"^[^\s:：]{1,8}[:：]")


def _is_label_token(rest: str) -> bool:
    """``rest`` starts with `label：` (and not with a name glued to the next label: `黄敏更新时间：`)."""
    m = _LABEL_TOKEN.match(rest)
    if not m:
        return False
    return _STOP.match(rest) is not None or _STOP.search(m.group(0), 2) is None

_AUTHOR = re.compile(
    r"(?P<label>作者|作　者|撰文|执笔|撰稿|撰稿人|本报记者|本報記者|"
        r"特约记者|实习记者|记者|記者|通讯员|通訊員|评论员|評論員|特约评论员|"
    r"(?<![" + _CJK + r"A-Za-z])文)"
    r"\s*(?P<sep>[:：/／︱|｜丨]?)\s*"
)
_EDITOR = re.compile(
    r"(?P<label>责任编辑|責任編輯|责编|責編|值班编辑|本文编辑|(?<![" + _CJK + r"])编辑|(?<![" + _CJK + r"])編輯)"
    r"\s*(?P<sep>[:：/／︱|｜丨]?)\s*"
)
_NAME_TOKEN = re.compile(r"[" + _CJK + r"A-Za-z·•.\-_\d]+")
_NAME_SEP = re.compile(r"^[\s、,，;；&和及与]+$")
#: words after which a labelled name stops (affiliation printed right after the name)
_AFFILIATION = re.compile(
    r"(?:北京|上海|天津|重庆|中国|中央|国家|大学|学院|研究|教授|博士|系|为|是|现任|主任|所长|院长|副|首席|高级|特约|"
    r"报道|報導|报導|摄影|摄|攝|发自|電|电|专栏|评论|编辑|報|报)"
)
_STAFF_CODE = re.compile(r"[_\-\s]*[A-Za-z]{1,4}\d{2,}$|\(\w*\d+\w*\)$|（\w*\d+\w*）$")
_BAD_NAME = re.compile(r"^(?:本报|本報|本站|本网|网站|网络|新华社|中新网|"
    r"字体|字體|字号|字號|打印|关闭|關閉|收藏|分享|评论|評論|推荐|纠错|挑错|返回|顶部|全文|首页|更多|放大|缩小|默认|"
    r"编辑|编辑部|记者|作者|通讯员|佚名|admin|未知|匿名|"
                       r"小编|转载|原创|来源|有限公司|简介|介绍|观点|文章|单位|其他|更多|最近|专栏|团队|.{1,6}(?:网|報|报|社|台|站|中心|公司|"
                       r"集团|频道|頻道|新闻|新聞|日报|晚报|观察|观察者))$", re.I)
#: printed right after a name: photo credits, "reports from", place + date of a dateline
_NAME_SUFFIX = re.compile(r"(?:翻攝|翻摄|攝影|摄影|報導|报道|報道|提供|供图|供圖|整理|编译|發自|发自|/|／)")
_DATELINE_TAIL = re.compile(r"(?:[\u3400-\u9fff]{2})?\d{1,2}日\s*[電电讯訊]")
_MEDIA_END = frozenset("报報社台网網站刊部道")
_REPORTED = re.compile(r"[（(]\s*([\u3400-\u9fff]{2,4})\s*[/／]\s*[\u3400-\u9fff]{0,8}(?:報導|报道|報道|电|電)\s*[）)]")
#: an unlabelled name in brackets on the date line (`2004年7月16日08:19 [ 黄宇 ] 来源：…`)
_BRACKET_NAME = re.compile(r"(?<![:：])\s[\[【]\s*([\u3400-\u9fff]{2,4})\s*[\]】]")
_AUTHOR_WORD = re.compile(r"作者|记者|記者")


def _prev_char(text: str, pos: int) -> str:
    return text[pos - 1] if pos > 0 else ""


def _value_after(text: str, pos: int) -> str:
    """The field value starting at ``pos``: up to the next label / separator; "" when a label follows."""
    rest = text[pos:].lstrip(" \u3000\u00a0")
    if not rest:
        return ""
    if _is_label_token(rest) or _STOP.match(rest):
        return ""
    m = re.match(r"[^\s\u3000|｜]+", rest)
    value = m.group(0) if m else ""
    stop = _STOP.search(value, 1)
    if stop:
        value = value[: stop.start()]
    return value.strip(" ,，。;；:：|｜/·-—_")


def _source_candidates(page: Page) -> Iterable[str]:
    lines = [line.text for line in page.lines]
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


def find_source(page: Page) -> tuple[str | None, str]:
    for line in _source_candidates(page):
        if len(line) > 200 or ("来" not in line and "源" not in line and "出" not in line and "稿" not in line
                               and "來" not in line):
            continue
        for m in _SOURCE.finditer(line):
            prev = _prev_char(line, m.start())
            if prev and _IS_CJK.match(prev) and prev not in "年月日" and not (
                    m.group("colon") and _ends_with_date(line[: m.start()], page)):
                continue  # 数据来源 / 消息来源于 inside a sentence (but `3分钟前来源：` is an info line)
            if not m.group("colon"):
                if len(line) > 80 or m.end() >= len(line):
                    continue
                nxt = line[m.end()]
                if not (_IS_CJK.match(nxt) or nxt.isalnum()):
                    continue
                if len(line) > 30 and not re.search(r"\d{1,2}:\d{2}|\d{4}[-/年]|[|｜]", line):
                    continue
            elif len(line) > 120 and re.search(r"[。！？]", line[m.end():]):
                continue
            return _value_after(line, m.end()), "label"
    meta = page.meta_first("contentsource", "source", "og:source", "article:source")
    if meta and len(meta) <= 40:
        return meta, "meta"
    return None, "none"


def _names(text: str, pos: int, *, limit: int = 6, strict: bool = False) -> list[str]:
    """Names printed from ``pos``: tokens separated by spaces/、 until a label or punctuation."""
    rest = text[pos:]
    names: list[str] = []
    i = 0
    while i < len(rest) and len(names) < limit:
        sep = re.match(r"[\s\u3000、,，;；&]+", rest[i:])
        if sep:
            i += sep.end()
            continue
        if _STOP.match(rest, i) or _is_label_token(rest[i:]):
            break
        m = _NAME_TOKEN.match(rest, i)
        if not m:
            break
        token = m.group(0)
        suffix = _NAME_SUFFIX.search(token, 2)
        if suffix:
            token = token[: suffix.start()]
        stop = _STOP.search(token, 1)
        cut = False
        inner = _AUTHOR_WORD.search(token, 1)
        if inner and (stop is None or stop.start() == inner.start()) and inner.end() < len(m.group(0)):
            i = m.start() + inner.end()
            continue
        if stop:
            token = token[: stop.start()]
            cut = True
        token = _clean_name(token, strict=strict)
        if token and names and len(token) > 4 and _IS_CJK.search(token):
            break
        if token:
            names.append(token)
        if cut or not token:
            break
        i = m.end()
    return names


def _clean_name(token: str, *, strict: bool) -> str:
    token = token.strip("·•.-_ ")
    if not token:
        return ""
    stripped = _STAFF_CODE.sub("", token)
    if stripped and len(stripped) >= 2:
        token = stripped
    if _IS_CJK.search(token):
        cjk = re.sub(r"[^" + _CJK + r"·•]", "", token)
        if len(cjk) > 4 and strict:
            aff = _AFFILIATION.search(cjk, 2)
            cjk = cjk[: aff.start()] if aff else cjk
        token = cjk if len(cjk) >= 2 else ""
        if strict and len(token) > 4:
            return ""
    if not token or _BAD_NAME.match(token) or len(token) > 20:
        return ""
    return token


def _author_in(line: str, *, strict: bool) -> list[str]:
    line = _DATELINE_TAIL.sub("", line)
    found: list[str] = []
    for m in _AUTHOR.finditer(line):
        label = m.group("label")
        if label == "文" and not m.group("sep"):
            continue
        prev = line[m.start() - 1] if m.start() else ""
        if (label in ("记者", "記者", "通讯员", "通訊員", "评论员", "評論員") and prev and _IS_CJK.match(prev)
                and prev not in _MEDIA_END and not m.group("sep") and line[m.end() - 1 : m.end()] != " "):
            continue  # 据记者了解 / 告诉记者: the word inside a sentence
        spaced = re.match(r"\s", line[m.end() - 1 : m.end()] or "x")
        if label in ("作者", "作　者") and not m.group("sep") and not spaced:
            # 作者X without separator: only at the start of the line or of a `|`-separated field
            prev = line[: m.start()].rstrip()
            if prev and prev[-1] not in "|｜:：】]）)" and len(line) > 20:
                continue
        for name in _names(line, m.end(), strict=strict or label not in ("作者", "作　者")):
            if name not in found:
                found.append(name)
    return found


_PAPER_PAGE = re.compile(r"第\s*[A-Z]?\d{1,3}\s*版|当前位置|您的位置")
_CREDIT = re.compile(r"^.{0,10}(?:记者|記者|作者|撰文|通讯员|文\s*[/／|｜︱])\s*[:：/／︱|｜]?\s*[\u3400-\u9fffA-Za-z]")


def find_authors(page: Page, body: list[str]) -> tuple[list[str], str]:
    h = page.headline_idx
    lines = [line.text for line in page.lines]
    editors = set(find_editors(page)[0])
    fallback: tuple[list[str], str] | None = None
    if h is not None:
        for line in lines[h : h + 8]:
            if len(line) <= 150 and not _PAPER_PAGE.search(line):
                names = _author_in(line, strict=False)
                if names and not set(names) <= editors:
                    return names, "info-line"
                if names and fallback is None:
                    fallback = (names, "info-line")
        for line in lines[h + 1 : h + 30]:
            if len(line) <= 30 and _CREDIT.match(line) and not _PAPER_PAGE.search(line):
                names = _author_in(line, strict=True)
                if names:
                    return names, "credit-line"
    for line in body[:3]:
        head = line[:80]
        m = re.search(r"[（(〔【\[]\s*((?:[^）)〕】\]]{0,20}?)(?:记者|記者|评论员|"
            r"通讯员|文\s*[/／])[^）)〕】\]]{1,40})[）)〕】\]]", head)
        if m:
            names = _author_in(m.group(1), strict=True)
            if names:
                return names, "dateline"
        if len(line) <= 40:
            names = _author_in(line, strict=True)
            if names:
                return names, "lead-credit"
    for line in reversed(body[-6:]):
        tail = line[-60:]
        m = re.search(r"[（(〔【\[]\s*([^）)〕】\]]{0,30}?(?:作者|记者|記者|评论员|"
            r"通讯员|文\s*[/／])[^）)〕】\]]{1,40})[）)〕】\]]\s*$",
                      tail)
        if m:
            names = _author_in(m.group(1), strict=True)
            if names:
                return names, "sign-off"
        if len(line) <= 40:
            names = _author_in(line, strict=True)
            if names:
                return names, "sign-off"
        m = _REPORTED.search(line[-40:]) or _REPORTED.search(line[:40])
        if m:
            name = _clean_name(m.group(1), strict=True)
            if name:
                return [name], "sign-off"
    for line in body:
        m = _REPORTED.search(line)
        if m:
            name = _clean_name(m.group(1), strict=True)
            if name:
                return [name], "sign-off"
    if h is not None:
        for line in lines[h + 1 : h + 4]:
            m = _BRACKET_NAME.search(line)
            if m and len(line) <= 120 and re.search(r"\d{1,2}:\d{2}|\d{4}年", line):
                name = _clean_name(m.group(1), strict=True)
                if name:
                    return [name], "info-bracket"
    if fallback is not None:
        return fallback
    for line in lines:
        if len(line) <= 60 and ("作者" in line or "撰文" in line):
            names = _author_in(line, strict=False)
            if names:
                return names, "label"
    meta = page.meta_first("author", "article:author", "byl")
    if meta and len(meta) <= 12 and not re.search(r"网|報|报|站|社|中心|com|cn|新闻|News|日报", meta, re.I):
        names = [n for n in (_clean_name(t, strict=False) for t in re.split(r"[\s,，、]+", meta)) if n]
        if names:
            return names, "meta"
    return [], "none"


def find_editors(page: Page) -> tuple[list[str], str]:
    found: list[str] = []
    h = page.headline_idx or 0
    lines = [line.text for line in page.lines]
    for line in lines[h:] + lines[:h]:
        if "编" not in line and "編" not in line:
            continue
        if len(line) > 200:
            continue
        for m in _EDITOR.finditer(line):
            label = m.group("label")
            if label in ("编辑", "編輯") and not m.group("sep") and len(line) > 40:
                continue
            for name in _names(line, m.end(), strict=False):
                if name not in found:
                    found.append(name)
    return found, "label" if found else "none"


def split_names(text: str, *, keep_long: bool = False) -> list[str]:
    """Names from a profile-selected element: labels dropped, split on spaces/、/commas, codes removed."""
    text = re.sub(r"^[^:：]{0,8}[:：]", "", text or "").strip()
    out: list[str] = []
    for token in re.split(r"[\s\u3000、,，;；/／|｜]+", text):
        name = token.strip() if keep_long else _clean_name(token, strict=False)
        if name and name not in out:
            out.append(name)
    return out


def strip_source_label(text: str) -> str:
    """A profile-selected source element: drop a leading 来源： label and anything after the value."""
    m = _SOURCE.search(text or "")
    if m:
        return _value_after(text, m.end())
    return (text or "").strip()
