"""Date parsing (plain regexes; dateparser only as a lazy last resort) and the published-date finder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DateHit", "find_dates", "get_zone", "parse_date", "parse_meta_date", "url_date"]

_AMPM = r"(?P<ap>上午|下午|晚上|晚间|凌晨|中午|早上|傍晚|AM|PM|am|pm)"
_TIME = (
    r"(?:[\sT,，]*" + _AMPM + r"?\s*(?P<H>[01]?\d|2[0-3])\s*(?:[:：]|时|時|点|點)\s*(?P<M>[0-5]?\d)(?!\d)\s*分?"
    r"(?:\s*[:：]\s*(?P<S>[0-5]?\d)(?!\d)\s*秒?)?)?"
)
_FULL = re.compile(
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*[（(]?\s*(?:星期|周|禮拜|礼拜)[一二三四五六日天][）)]?)?" + _TIME
)
_STACKED = re.compile(
    r"(?<!\d)(?P<y>20\d{2})\s+(?P<m>\d{1,2})/(?P<d>\d{1,2})\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?!\d)"
)
_NO_YEAR = re.compile(
    r"(?<![\d\-/.年])(?P<m>1[0-2]|0?[1-9])\s*[-/月]\s*(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*日?\s*"
    r"(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d)(?!\d)"
)
_RELATIVE = re.compile(
    r"(?P<now>刚刚|剛剛|just now)"
    r"|(?P<n>\d{1,3})\s*(?P<unit>秒|分钟|分鐘|小时|小時|天|日|周|星期|个月|個月)\s*(?:之)?前"
    r"|(?P<day>今天|今日|昨天|昨日|前天)\s*(?:(?P<H>[01]?\d|2[0-3])\s*[:：]\s*(?P<M>[0-5]\d))?"
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
    if ap and ap.lower() in ("下午", "晚上", "晚间", "傍晚", "pm") and h < 12:
        return h + 12
    if ap and ap.lower() in ("am", "凌晨") and h == 12:
        return 0
    return h


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
    text: str, fetched_at: datetime | None, tz: tzinfo, *, relative: bool = True, no_year: bool = True
) -> list[DateHit]:
    """Every plausible date in ``text`` in order of appearance (absolute, stacked, year-less, relative)."""
    if not text:
        return []
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for rx in (_FULL, _STACKED):
        for m in rx.finditer(text):
            if not free(m.start(), m.end()):
                continue
            has_time = m.group("H") is not None
            hh = _hour(int(m["H"]), m.groupdict().get("ap")) if has_time else None
            ss = m.groupdict().get("S")
            value = _build(int(m["y"]), int(m["m"]), int(m["d"]), hh, int(m["M"]) if has_time else None,
                           int(ss) if ss else None, tz)
            if value is None or not _plausible(value, fetched_at):
                continue
            hits.append(DateHit(value, has_time, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    if fetched_at is not None and no_year:
        local_now = fetched_at.astimezone(tz)
        for m in _NO_YEAR.finditer(text):
            if not free(m.start(), m.end()):
                continue
            value = _build(local_now.year, int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), None, tz)
            if value is not None and value > fetched_at + timedelta(days=1):
                value = _build(local_now.year - 1, int(m["m"]), int(m["d"]), int(m["H"]), int(m["M"]), None, tz)
            if value is None:
                continue
            hits.append(DateHit(value, True, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    if fetched_at is not None and relative:
        for m in _RELATIVE.finditer(text):
            if not free(m.start(), m.end()):
                continue
            value = _relative(m, fetched_at, tz)
            if value is not None:
                hits.append(DateHit(value[0], value[1], m.start(), m.end()))
                taken.append((m.start(), m.end()))
    hits.sort(key=lambda h: h.start)
    return hits


def _relative(m: re.Match[str], fetched_at: datetime, tz: tzinfo) -> tuple[datetime, bool] | None:
    now = fetched_at.astimezone(tz)
    if m["now"]:
        return now, True
    if m["n"]:
        n = int(m["n"])
        unit = m["unit"]
        delta = {
            "秒": timedelta(seconds=n), "分钟": timedelta(minutes=n), "分鐘": timedelta(minutes=n),
            "小时": timedelta(hours=n), "小時": timedelta(hours=n), "天": timedelta(days=n), "日": timedelta(days=n),
            "周": timedelta(weeks=n), "星期": timedelta(weeks=n), "个月": timedelta(days=30 * n),
            "個月": timedelta(days=30 * n),
        }[unit]
        return (now - delta).replace(microsecond=0), unit in ("秒", "分钟", "分鐘", "小时", "小時")
    days = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}[m["day"]]
    day = (now - timedelta(days=days)).date()
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


def same_day(a: datetime, b: datetime) -> bool:
    return a.date() == b.astimezone(a.tzinfo).date() if a.tzinfo else a.date() == b.date()


def as_date(value: datetime) -> date:
    return value.date()


_DATE_LABEL = re.compile(
    r"(?:发布时间|发布日期|发表时间|发稿时间|发表日期|发布于|发表于|首发时间|時間|时间|日期|發布|发布|Published|Posted)\s*[:：]?\s*$",
    re.I,
)
_UPDATE_LABEL = re.compile(r"(?:更新|修改|最后更新|编辑于|updated?)\s*(?:时间|日期)?\s*[:：]?\s*$", re.I)


def _prefer_meta_time(hit: DateHit, meta: DateHit | None) -> DateHit:
    """A printed day without a clock time borrows the meta tag's time when both name the same day."""
    if not hit.has_time and meta is not None and meta.has_time and meta.value.date() == hit.value.date():
        return meta
    return hit


def find_published(page: object, selector_text: str | None = None) -> tuple[datetime | None, str]:
    """Published time of the page: profile, info line near the headline, labelled dates, meta, URL."""
    fetched_at: datetime = page.fetched_at  # type: ignore[attr-defined]
    tz: tzinfo = page.tz  # type: ignore[attr-defined]
    if selector_text:
        hit = parse_date(selector_text, fetched_at, tz, fuzzy=True)
        if hit is not None:
            return hit.value, "profile"
    meta = _meta_published(page, tz)
    lines = page.lines  # type: ignore[attr-defined]
    h = page.headline_idx  # type: ignore[attr-defined]
    if h is not None:
        # the info line: the first date within a few lines below the headline, else just above it
        window = lines[h + 1 : h + 9]
        text = ""
        for line in window:
            if len(line.text) > 300:
                break
            text += " " + line.text
        found = find_dates(text, fetched_at, tz, relative=False)
        if not found:
            for line in window:
                if len(line.text) <= 40:
                    found = find_dates(line.text, fetched_at, tz)
                    if found:
                        break
        hits = [x for x in found if not _UPDATE_LABEL.search(text[max(0, x.start - 12) : x.start])] or found
        if hits:
            labelled = [x for x in hits if _DATE_LABEL.search(text[max(0, x.start - 12) : x.start])]
            return _prefer_meta_time((labelled or hits)[0], meta).value, "info-line"
        before = " ".join(line.text for line in lines[max(0, h - 3) : h] if len(line.text) <= 120)
        hits = find_dates(before, fetched_at, tz)
        if hits:
            return _prefer_meta_time(hits[-1], meta).value, "above-title"
    # a labelled date anywhere (发布时间：…), outside link lists
    start = h or 0
    for line in lines[start:] + lines[:start]:
        if line.in_link or len(line.text) > 200:
            continue
        for x in find_dates(line.text, fetched_at, tz):
            if _DATE_LABEL.search(line.text[max(0, x.start - 12) : x.start]):
                return _prefer_meta_time(x, meta).value, "label"
    if meta is not None:
        return meta.value, "meta"
    # first full date with a clock time in the page after the headline (short lines only)
    for line in lines[start:]:
        if line.in_link or len(line.text) > 160:
            continue
        hits = [x for x in find_dates(line.text, fetched_at, tz, relative=False) if x.has_time]
        if hits:
            return hits[0].value, "first-datetime"
    hit = url_date(page.url, tz, fetched_at)  # type: ignore[attr-defined]
    if hit is not None:
        return hit.value, "url"
    for line in lines[start:]:
        if line.in_link or len(line.text) > 160:
            continue
        hits = find_dates(line.text, fetched_at, tz, relative=False, no_year=False)
        if hits:
            return hits[0].value, "first-date"
    return None, "none"


def _meta_published(page: object, tz: tzinfo) -> DateHit | None:
    from crawler.extract.rules import DATE_META

    for name in DATE_META:
        value = page.meta_first(name)  # type: ignore[attr-defined]
        if value:
            hit = parse_meta_date(value, tz)
            if hit is not None:
                return hit
    value = page.ld_first("datePublished", "dateCreated", "uploadDate")  # type: ignore[attr-defined]
    if isinstance(value, str):
        hit = parse_meta_date(value, tz)
        if hit is not None:
            return hit
    value = page.meta_first("time:pubdate")  # type: ignore[attr-defined]
    return parse_meta_date(value, tz) if value else None
