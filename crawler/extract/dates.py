"""Date parsing (plain regexes; dateparser only as a lazy last resort) and the published-date finder.

Printed dates are read in the site's zone. A 12-hour time (`下午 3:11`, `3:11 PM`) is turned to 24 hours; a date
printed without a year takes the year the URL or the page's metadata gives, else the fetch year (the previous
one when that would lie in the future). The finder looks at the info line under the headline first, and never
at link lists or sidebars for the dates it finds elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.extract.dom import LINK_LINE_SHARE, HtmlElement, Line
from crawler.extract.rules import (
    AM_WORDS,
    DATE_LABELS,
    DATE_LD,
    DATE_META,
    INFO_LINE_LABELS,
    JUST_NOW_WORDS,
    MIDNIGHT_WORDS,
    PM_WORDS,
    RELATIVE_DAYS,
    UPDATE_LABELS,
    alternation,
)

if TYPE_CHECKING:
    from crawler.extract.page import Page

__all__ = ["DATE_HINT", "DateHit", "find_dates", "get_zone", "parse_date", "parse_meta_date", "url_date"]

_AMPM_BEFORE = r"(?P<ap>" + alternation((*PM_WORDS, *MIDNIGHT_WORDS, *AM_WORDS, "AM", "PM")) + r")"
_AMPM_AFTER = r"(?:\s*(?P<ap2>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?"
_TIME = (
    r"(?:[\sT,，|｜丨·]*" + _AMPM_BEFORE
    + r"?\s*(?P<H>[01]?\d|2[0-3])\s*(?:[:：]|时|時|点|點)\s*(?P<M>[0-5]?\d)(?!\d)\s*分?"
    r"(?:\s*[:：]\s*(?P<S>[0-5]?\d)(?!\d)\s*秒?)?" + _AMPM_AFTER + r")?"
)
#: a day that may be glued to the time printed right after it (`2015-07-0612:18`: two spans, no space)
_DAY = r"(?P<d>\d{1,2})(?:(?!\d)|(?=(?:[01]\d|2[0-3])[:：][0-5]\d))"
_FULL = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*" + _DAY + r"\s*日?"
    r"(?:\s*[（(]?\s*(?:星期|周|禮拜|礼拜)[一二三四五六日天][）)]?)?" + _TIME
)
_STACKED = re.compile(
    r"(?<!\d)(?P<y>20\d{2})\s+(?P<m>\d{1,2})/(?P<d>\d{1,2})\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?!\d)"
)
#: a year-less date: `07-06 12:18`, `7月6日 12:18`, `7月6日` (the 月/日 form needs no time)
_NO_YEAR = re.compile(
    r"(?<![\d\-/.年])(?:(?P<m>1[0-2]|0?[1-9])\s*[-/]\s*(?P<d>3[01]|[12]\d|0?[1-9])(?:(?!\d)|(?=[01]\d[:：]|2[0-3][:：]))"
    r"|(?P<m2>1[0-2]|0?[1-9])\s*月\s*(?P<d2>3[01]|[12]\d|0?[1-9])\s*日)"
    r"(?:[\s,，]*" + _AMPM_BEFORE.replace("ap>", "apn>")
    + r"?\s*(?P<H>[01]?\d|2[0-3])\s*[:：时時]\s*(?P<M>[0-5]\d)(?!\d)"
    r"\s*分?" + _AMPM_AFTER.replace("ap2>", "apn2>") + r")?"
)
#: a cheap test for "a date is printed here" (headline candidates, info lines)
DATE_HINT = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}[-/月]\d{1,2}日?\s*\d{1,2}:\d{2}"
    r"|\d+\s*(?:分钟|小时|小時|天)前|昨天|刚刚"
)
#: what every absolute date has (a digit before a separator or 年/月, or eight digits in a row), and what every
#: relative one has: a cheap test that spares the four date patterns the text of most lines
_MAYBE_DATE = re.compile(r"\d\s*[-/.年月日:：时時]|\d{8}")
_MAYBE_RELATIVE = re.compile(alternation((*JUST_NOW_WORDS, *RELATIVE_DAYS, "前")))
#: text longer than this is cut before the date regexes see it (a date line is short; a page is not)
MAX_DATE_TEXT = 4000
#: dates found in one text at most (a list page has many; the finder needs the first few)
MAX_DATE_HITS = 40
#: units of a relative time and what one of each is
_UNITS: dict[str, timedelta] = {
    "秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "分鐘": timedelta(minutes=1),
    "小时": timedelta(hours=1), "小時": timedelta(hours=1), "天": timedelta(days=1), "日": timedelta(days=1),
    "周": timedelta(weeks=1), "星期": timedelta(weeks=1), "个月": timedelta(days=30), "個月": timedelta(days=30),
}
#: relative times finer than a day carry a clock time
_TIMED_UNITS = frozenset({"秒", "分钟", "分鐘", "小时", "小時"})
_RELATIVE = re.compile(
    r"(?P<now>" + alternation(JUST_NOW_WORDS) + r")"
    r"|(?P<n>\d{1,3})\s*(?P<unit>" + alternation(_UNITS) + r")\s*(?:之)?前"
    r"|(?P<day>" + alternation(RELATIVE_DAYS) + r")\s*(?:(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d))?"
)
_ISO = re.compile(
    r"(?P<y>(?:19|20)\d{2})-?(?P<m>\d{2})-?(?P<d>\d{2})(?:[T\s](?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_URL_DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>0[1-9]|1[0-2])[-/_]?(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)


@dataclass(frozen=True, slots=True)
class DateHit:
    """A date found in text: aware value, whether a clock time was printed, and its span."""

    value: datetime
    has_time: bool
    start: int = 0
    end: int = 0


@lru_cache(maxsize=64)
def get_zone(name: str | None) -> tzinfo:
    try:
        return ZoneInfo(name or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return ZoneInfo("Asia/Shanghai")


def _hour(h: int, ap: str | None) -> int:
    """The 24-hour hour of a printed hour and its 12-hour marker (`下午 3` → 15, `12 AM` → 0)."""
    if not ap:
        return h
    ap = ap.lower().replace(" ", "")
    if ap in PM_WORDS and h < 12:
        return h + 12
    if ap in MIDNIGHT_WORDS and h == 12:
        return 0
    return h


def _marker(m: re.Match[str], *names: str) -> str | None:
    groups = m.groupdict()
    return next((groups[n] for n in names if groups.get(n)), None)


def _build(y: int, m: int, d: int, hh: int | None, mm: int | None, ss: int | None, tz: tzinfo) -> datetime | None:
    try:
        return datetime(y, m, d, hh or 0, mm or 0, ss or 0, tzinfo=tz)
    except ValueError:
        return None


def _plausible(value: datetime, fetched_at: datetime | None) -> bool:
    if value.year < 1990:
        return False
    return fetched_at is None or value <= fetched_at + timedelta(days=2)


def find_dates(
    text: str,
    fetched_at: datetime | None,
    tz: tzinfo,
    *,
    relative: bool = True,
    no_year: bool = True,
    year: int | None = None,
    bare_day: bool = False,
) -> list[DateHit]:
    """Every plausible date in ``text`` in order of appearance (absolute, stacked, year-less, relative).

    ``year`` is the year a year-less date takes when the page says which (from its URL or metadata);
    ``bare_day`` also reads `7月6日` without a time (only in a short info line: in prose it is an event's day).
    """
    if not text:
        return []
    text = text[:MAX_DATE_TEXT]
    if not _MAYBE_DATE.search(text) and not (relative and _MAYBE_RELATIVE.search(text)):
        return []
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return len(hits) < MAX_DATE_HITS and all(b <= s or a >= e for s, e in taken)

    def add(value: datetime, has_time: bool, m: re.Match[str]) -> None:
        hits.append(DateHit(value, has_time, m.start(), m.end()))
        taken.append((m.start(), m.end()))

    for rx in (_FULL, _STACKED):
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            has_time = m.group("H") is not None
            hh = _hour(int(m["H"]), _marker(m, "ap", "ap2")) if has_time else None
            ss = m.groupdict().get("S")
            value = _build(int(m["y"]), int(m["m"]), int(m["d"]), hh, int(m["M"]) if has_time else None,
                           int(ss) if ss else None, tz)
            if value is not None and _plausible(value, fetched_at):
                add(value, has_time, m)
    if fetched_at is not None and no_year:
        for m in _NO_YEAR.finditer(text):
            if free(m.start(), m.end()):
                got = _year_less(m, fetched_at, tz, year, bare_day)
                if got is not None:
                    add(got[0], got[1], m)
    if fetched_at is not None and relative:
        for m in _RELATIVE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            rel = _relative(m, fetched_at, tz)
            if rel is not None:
                add(rel[0], rel[1], m)
    hits.sort(key=lambda h: h.start)
    return hits


def _year_less(
    m: re.Match[str], fetched_at: datetime, tz: tzinfo, year: int | None, bare_day: bool
) -> tuple[datetime, bool] | None:
    """A `07-06 12:18` / `7月6日` date: in ``year`` when the page gives one, else the latest year not in the future.

    A bare `07-06` without a time is too often a score or a count to be read as a date.
    """
    month, day = (m["m"], m["d"]) if m["m"] else (m["m2"], m["d2"])
    has_time = m["H"] is not None
    if not has_time and (m["m"] or not bare_day):
        return None
    hh = _hour(int(m["H"]), _marker(m, "apn", "apn2")) if has_time else None
    mm = int(m["M"]) if has_time else None
    if year is not None:
        value = _build(year, int(month), int(day), hh, mm, None, tz)
        if value is not None and _plausible(value, fetched_at):
            return value, has_time
    local_now = fetched_at.astimezone(tz)
    value = _build(local_now.year, int(month), int(day), hh, mm, None, tz)
    if value is not None and value > fetched_at + timedelta(days=1):
        value = _build(local_now.year - 1, int(month), int(day), hh, mm, None, tz)
    return (value, has_time) if value is not None else None


def _relative(m: re.Match[str], fetched_at: datetime, tz: tzinfo) -> tuple[datetime, bool] | None:
    now = fetched_at.astimezone(tz)
    if m["now"]:
        return now, True
    if m["n"]:
        unit = m["unit"]
        return (now - int(m["n"]) * _UNITS[unit]).replace(microsecond=0), unit in _TIMED_UNITS
    day = (now - timedelta(days=RELATIVE_DAYS[m["day"]])).date()
    if m["H"] is not None:
        return datetime(day.year, day.month, day.day, int(m["H"]), int(m["M"]), tzinfo=tz), True
    return datetime(day.year, day.month, day.day, tzinfo=tz), False


def parse_date(text: str, fetched_at: datetime | None, tz: tzinfo, *, fuzzy: bool = False) -> DateHit | None:
    """The first date in ``text``; with ``fuzzy`` falls back to dateparser (slow, imported lazily)."""
    hits = find_dates(text, fetched_at, tz)
    if hits:
        return hits[0]
    iso = parse_meta_date(text, tz)
    if iso is not None:
        return iso
    if fuzzy and text and len(text) < 80:
        return _dateparser(text, fetched_at, tz)
    return None


def _dateparser(text: str, fetched_at: datetime | None, tz: tzinfo) -> DateHit | None:
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import dateparser

            settings: dict[str, object] = {"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": str(tz)}
            if fetched_at is not None:
                settings["RELATIVE_BASE"] = fetched_at.astimezone(tz).replace(tzinfo=None)
            value = dateparser.parse(text, languages=["zh", "en"], settings=settings)
    except Exception:  # dateparser may fail in many ways on junk
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return DateHit(value, bool(value.hour or value.minute), 0, len(text))


def parse_meta_date(value: str | None, tz: tzinfo) -> DateHit | None:
    """A machine date from a meta tag / JSON-LD: ISO 8601 (offset honoured), compact, epoch, or printed form."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d{10}(?:\d{3})?", value):
        secs = int(value[:10])
        try:
            return DateHit(datetime.fromtimestamp(secs, UTC).astimezone(tz), True)
        except (OverflowError, OSError, ValueError):
            return None
    m = _ISO.match(value)
    if m:
        has_time = m["H"] is not None
        offset = m["tz"]
        zone: tzinfo = tz
        if offset:
            if offset == "Z":
                zone = UTC
            else:
                sign = 1 if offset[0] == "+" else -1
                digits = offset[1:].replace(":", "")
                zone = _fixed(sign * (int(digits[:2]) * 60 + int(digits[2:4])))
        built = _build(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"]) if has_time else None,
                       int(m["M"]) if has_time else None, int(m["S"]) if m["S"] else None, zone)
        if built is not None and built.year >= 1990:
            return DateHit(built.astimezone(tz) if offset else built, has_time)
    hits = find_dates(value, None, tz, relative=False)
    return hits[0] if hits else None


@lru_cache(maxsize=64)
def _fixed(minutes: int) -> tzinfo:
    from datetime import timezone

    return timezone(timedelta(minutes=minutes))


def url_date(url: str | None, tz: tzinfo, fetched_at: datetime | None = None) -> DateHit | None:
    """A date encoded in the URL path (/2015/0706/, t20150706_123.html, /2005-08/16/)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I).split("?")[0]
    for m in _URL_DATE.finditer(path):
        value = _build(int(m["y"]), int(m["m"]), int(m["d"]), None, None, None, tz)
        if value is not None and _plausible(value, fetched_at):
            return DateHit(value, False)
    return None


_DIGIT = re.compile(r"\d")
_DATE_LABEL_ANY = re.compile(alternation(DATE_LABELS), re.I)
_LABEL_BEFORE = re.compile(alternation(DATE_LABELS) + r"\s*[:：]?\s*$", re.I)
_UPDATE_BEFORE = re.compile(alternation(UPDATE_LABELS) + r"\s*(?:时间|日期)?\s*[:：]?\s*$", re.I)
#: characters before a date that its label may occupy (`发布时间：`)
_LABEL_REACH = 12
#: lines below the headline that form its info line
INFO_WINDOW = 8
#: a line longer than this is prose, not an info line: the info window ends there
INFO_LINE_MAX = 300
#: an info line this short may print a relative or year-less day alone (`昨天 10:20`, `7月6日`)
SHORT_INFO_LINE = 40
#: a line longer than this is not searched for a labelled or first date outside the info window
DATE_LINE_MAX = 200


def _prefer_meta_time(hit: DateHit, meta: DateHit | None) -> DateHit:
    """A printed day without a clock time borrows the meta tag's time when both name the same day."""
    if not hit.has_time and meta is not None and meta.has_time and meta.value.date() == hit.value.date():
        return meta
    return hit


#: a link list entry's link text has at least this many characters (a headline, not `打印`)
MIN_TEASER_LINK = 6
_INFO_WORD = re.compile(alternation(INFO_LINE_LABELS))


def _teaser(line: Line) -> bool:
    """A link list entry with its date (`<li><a>标题</a> 2015-06-30</li>`): the date is another article's.

    An info line with a linked source (`2019-06-15 08:18 来源：<a>人民网</a>`) is not one: it has labels, or it
    stands alone, where an entry is one of a list (an <li>, or a block between blocks of its own kind).
    """
    if line.link_chars < MIN_TEASER_LINK or _INFO_WORD.search(line.text) or not _listed(line.el):
        return False
    if line.in_link:
        return True
    dated = sum(h.end - h.start for h in find_dates(line.text, None, UTC, relative=False, no_year=False))
    return line.link_chars >= LINK_LINE_SHARE * max(1, len(line.text) - dated)


def _listed(el: HtmlElement) -> bool:
    if el.tag in ("li", "dd", "dt"):
        return True
    before, after = el.getprevious(), el.getnext()
    return (before is not None and before.tag == el.tag) or (after is not None and after.tag == el.tag)


def _labelled(text: str, hit: DateHit, rx: re.Pattern[str]) -> bool:
    return rx.search(text[max(0, hit.start - _LABEL_REACH) : hit.start]) is not None


def find_published(page: Page, selector: str | None = None) -> tuple[datetime | None, str]:
    """Published time of the page: profile, info line near the headline, labelled dates, meta, URL."""
    from crawler.extract.dom import select_text

    fetched_at, tz = page.fetched_at, page.tz
    if selector:
        hit = parse_date(select_text(page.root, selector), fetched_at, tz, fuzzy=True)
        if hit is not None:
            return hit.value, "profile"
    meta = _meta_published(page, tz)
    from_url = url_date(page.url, tz, fetched_at)
    year = from_url.value.year if from_url else meta.value.year if meta else None
    lines = page.lines
    h = page.headline_idx
    if h is not None:
        got = _info_line(page, h, meta, year)
        if got is not None:
            return got
    # a labelled date anywhere (发布时间：…), not in a link list entry, from the headline on
    start = h or 0
    for i in [*range(start, len(lines)), *range(start)]:
        page.check()
        line = lines[i]
        text = line.text
        if len(text) > DATE_LINE_MAX or not _DATE_LABEL_ANY.search(text) or _teaser(line):
            continue
        for x in find_dates(text, fetched_at, tz, year=year, bare_day=True):
            if _labelled(text, x, _LABEL_BEFORE):
                return _prefer_meta_time(x, meta).value, "label"
    if meta is not None:
        return meta.value, "meta"
    # the page's own short dated lines after the headline: no link list entry, no chrome (sidebars, footers)
    after = [i for i in range(start, len(lines))
             if len(lines[i].text) <= DATE_LINE_MAX and _DIGIT.search(lines[i].text)
             and not _teaser(lines[i]) and not page.is_chrome(lines[i].el)]
    # first full date with a clock time
    for i in after:
        page.check()
        if len(lines[i].text) <= DATE_LINE_MAX:
            hits = [x for x in find_dates(lines[i].text, fetched_at, tz, relative=False, year=year) if x.has_time]
            if hits:
                return hits[0].value, "first-datetime"
    if from_url is not None:
        return from_url.value, "url"
    for i in after:
        page.check()
        if len(lines[i].text) <= DATE_LINE_MAX:
            hits = find_dates(lines[i].text, fetched_at, tz, relative=False, no_year=False)
            if hits:
                return hits[0].value, "first-date"
    return None, "none"


def _info_line(page: Page, h: int, meta: DateHit | None, year: int | None) -> tuple[datetime, str] | None:
    """The first date within a few lines below the headline (its info line), else just above it."""
    fetched_at, tz, lines = page.fetched_at, page.tz, page.lines
    window = [line for line in lines[h + 1 : h + 1 + INFO_WINDOW] if not _teaser(line)]
    text = ""
    for line in window:
        if len(line.text) > INFO_LINE_MAX:
            break
        text += " " + line.text
    found = find_dates(text, fetched_at, tz, relative=False, year=year)
    if not found:
        for line in window:
            if len(line.text) <= SHORT_INFO_LINE:
                found = find_dates(line.text, fetched_at, tz, year=year, bare_day=True)
                if found:
                    break
        text = ""
    hits = [x for x in found if not (text and _labelled(text, x, _UPDATE_BEFORE))] or found
    if hits:
        labelled = [x for x in hits if text and _labelled(text, x, _LABEL_BEFORE)]
        return _prefer_meta_time((labelled or hits)[0], meta).value, "info-line"
    before = " ".join(line.text for line in lines[max(0, h - 3) : h] if len(line.text) <= 120 and not _teaser(line))
    hits = find_dates(before, fetched_at, tz, year=year)
    if hits:
        return _prefer_meta_time(hits[-1], meta).value, "above-title"
    return None


def _meta_published(page: Page, tz: tzinfo) -> DateHit | None:
    for name in DATE_META:
        value = page.meta_first(name)
        if value:
            hit = parse_meta_date(value, tz)
            if hit is not None:
                return hit
    stated = page.ld_first(*DATE_LD)
    return parse_meta_date(stated, tz) if isinstance(stated, str) else None
