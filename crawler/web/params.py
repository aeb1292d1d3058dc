"""A search as a query string and back: `?q=平安&site=demo&since=2015-07-01&sort=relevance&page=2`.

The filters are the fields of storage.query.Filters (through crawler.web.data), so a filter the archive
learns (a contributor, say) becomes a form field, a query parameter and an API parameter without an edit
here: string fields are text boxes, datetime fields are dates. Dates are read as China time unless they carry
an offset, and ranges are half-open like the CLI's: `since <= published < until`.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from datetime import datetime
from types import UnionType
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from crawler.web.data import SORTS, Filters

CHINA = ZoneInfo("Asia/Shanghai")
PER_PAGE = 20
#: the largest page a request may ask for: enough for reading, small enough that one request stays cheap
MAX_PER_PAGE = 100
#: deeper pages than this are refused (an OFFSET that large reads and discards the whole archive)
MAX_PAGE = 500
#: how people read each filter in the form; a filter missing here shows under its field name
LABELS = {
    "site": "site 站点",
    "source": "source 来源",
    "author": "author 作者",
    "contributor": "contributor 通讯员/摄影",
    "tag": "tag 标签",
    "column": "column 栏目",
    "since": "published from",
    "until": "published before",
    "fetched_since": "fetched from",
    "fetched_until": "fetched before",
}


def _kinds() -> dict[str, str]:
    """Filter field -> "text" or "date", from the types of Filters' fields."""
    hints = typing.get_type_hints(Filters)
    out = {}
    for f in fields(Filters):
        if f.name in ("text", "sort", "collapse"):
            continue
        hint = hints[f.name]
        members = typing.get_args(hint) if isinstance(hint, UnionType) or typing.get_origin(hint) else (hint,)
        if datetime in members:
            out[f.name] = "date"
        elif str in members:
            out[f.name] = "text"
    return out


FILTER_KINDS = _kinds()
TEXT_FILTERS = [name for name, kind in FILTER_KINDS.items() if kind == "text"]
DATE_FILTERS = [name for name, kind in FILTER_KINDS.items() if kind == "date"]


class BadRequest(ValueError):
    """A query parameter cannot be read; the message says which and how to write it."""


def parse_date(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest(f"{name}: not a date: {value!r} (use YYYY-MM-DD)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def _int(params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    value = params.get(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a whole number, not {value!r}") from exc
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return number


@dataclass(frozen=True)
class SearchRequest:
    filters: Filters
    page: int
    per_page: int
    #: the parameters as given (empty ones dropped), to build links that keep the search
    params: dict[str, str]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def is_empty(self) -> bool:
        return not any(v for k, v in self.params.items() if k not in ("sort", "page", "per"))

    def query(self, **changes: Any) -> str:
        """This search's query string with some parameters changed (None or "" drops one); paging restarts
        unless `page` is among the changes."""
        params = {k: v for k, v in self.params.items() if k != "page"}
        for key, value in changes.items():
            if value in (None, "", False):
                params.pop(key, None)
            else:
                params[key] = "1" if value is True else str(value)
        return urlencode(params)


def parse(raw: typing.Mapping[str, str]) -> SearchRequest:
    """Read a search from query parameters; raises BadRequest with a one-line reason."""
    params = {k: v.strip() for k, v in raw.items() if v and v.strip()}
    values: dict[str, Any] = {"text": params.get("q")}
    for name in TEXT_FILTERS:
        values[name] = params.get(name)
    for name in DATE_FILTERS:
        values[name] = parse_date(name, params[name]) if name in params else None
    sort = params.get("sort", "published")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    values["sort"] = sort
    values["collapse"] = params.get("collapse") in ("1", "on", "true", "yes")
    page = _int(params, "page", 1, 1, MAX_PAGE)
    per_page = _int(params, "per", PER_PAGE, 1, MAX_PER_PAGE)
    return SearchRequest(Filters(**values), page, per_page, params)


def month_range(month: str) -> tuple[str, str]:
    """A facet month (YYYY-MM) as since/until dates: its first day and the next month's."""
    year, mon = (int(x) for x in month.split("-"))
    nxt = f"{year + 1}-01" if mon == 12 else f"{year}-{mon + 1:02d}"
    return f"{year}-{mon:02d}-01", f"{nxt}-01"
