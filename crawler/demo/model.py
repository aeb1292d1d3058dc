"""The generated site as plain objects: site → columns → list pages → articles, plus pages that are not
articles; and the HTTP-level `Page` and the page map the server answers from."""

from __future__ import annotations

import gzip
import re
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from crawler.demo.spec import ColumnSpec, Resource, SiteSpec

#: share/analytics parameters a server ignores, so a shared link shows the article
TRACKING_PARAMS = frozenset({"from", "spm", "isappinstalled", "scene", "share_token", "wxfrom", "clicktime"})
HTML = "text/html; charset=utf-8"
#: gzip level of served pages: 5 is within 5% of 9's size on these pages at a third of the CPU
GZIP_LEVEL = 5


def _html_headers() -> dict[str, str]:
    return {"Content-Type": HTML}


@dataclass(slots=True, eq=False)
class Page:
    """One HTTP response; tests may edit `body` and `headers` of a served page while the server runs."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=_html_headers)
    body: bytes = b""
    #: seconds to wait before answering (slow pages)
    delay: float = 0.0
    #: answer 500 this many times before the real page (retry tests)
    fail_first: int = 0
    _gzipped: tuple[bytes, bytes] | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        """The body gzip-compressed, computed once per body (a test may have replaced it)."""
        cached = self._gzipped
        if cached is None or cached[0] is not self.body:
            cached = self._gzipped = (self.body, gzip.compress(self.body, GZIP_LEVEL, mtime=0))
        return cached[1]

    @property
    def compressible(self) -> bool:
        kind = self.headers.get("Content-Type", "")
        packed = kind.startswith(("image/", "application/gzip", "application/x-gzip"))
        packed = packed or "Content-Encoding" in self.headers  # sent as it is (a bomb): never compressed again
        return bool(self.body) and not packed


def page_key(target: str) -> str:
    """Normalise a URL or path+query to a map key: no scheme/host/fragment, non-ASCII percent-encoded."""
    parts = urlsplit(target)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=?~")
    key = path + ("?" + query if query else "")
    return re.sub(r"%[0-9a-f]{2}", lambda m: m.group().upper(), key)


def strip_tracking(key: str) -> str:
    """Drop share/analytics parameters (`from=timeline`, `utm_*`…) so shared links resolve to the article."""
    path, _, query = key.partition("?")
    kept = [p for p in query.split("&") if p and not _is_tracking(p.partition("=")[0])]
    return path + ("?" + "&".join(kept) if kept else "")


def _is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith("utm_")


class Pages(MutableMapping[str, Page]):
    """path+query → Page. Pages are rendered on first access and then kept, so edits stick; alias keys answer
    with their target's page object; `fallback` makes up endless trap pages (which are not keys)."""

    def __init__(self) -> None:
        self._make: dict[str, Callable[[], Page]] = {}
        self._made: dict[str, Page] = {}
        self._alias: dict[str, str] = {}
        self._lock = threading.Lock()
        self.fallback: Callable[[str], Page | None] = lambda key: None

    def add(self, key: str, make: Callable[[], Page]) -> None:
        self._make[page_key(key)] = make

    def alias(self, key: str, target: str) -> None:
        self._alias[page_key(key)] = page_key(target)
        self._make[page_key(key)] = lambda: self[target]

    def __getitem__(self, key: str) -> Page:
        key = self._alias.get(key, key)
        page = self._made.get(key)
        if page is None:
            page = self._make[key]()
            with self._lock:
                page = self._made.setdefault(key, page)
        return page

    def __setitem__(self, key: str, page: Page) -> None:
        key = self._alias.get(key, key)
        self._made[key] = page
        self._make.setdefault(key, lambda: page)

    def __delitem__(self, key: str) -> None:
        del self._make[key]
        self._made.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._make)

    def __len__(self) -> int:
        return len(self._make)

    def __contains__(self, key: object) -> bool:
        return key in self._make


def lookup(pages: Mapping[str, Page], target: str) -> Page | None:
    """The page served for `target`: exact key, the key without tracking parameters, then a trap page."""
    key = page_key(target)
    for candidate in dict.fromkeys((key, strip_tracking(key))):
        if candidate in pages:
            return pages[candidate]
    return pages.fallback(key) if isinstance(pages, Pages) else None


# ---------------------------------------------------------------- the site's content


@dataclass(frozen=True, slots=True)
class Figure:
    """An image inside the body; `src` is a site path, `caption` the text shown under it."""

    src: str
    caption: str


Block = str | Figure


@dataclass(frozen=True, slots=True)
class Alias:
    """Another URL of the same publication: `kind` is tracking, dynamic, print or https."""

    kind: str
    target: str


@dataclass(eq=False, slots=True, repr=False)
class Article:
    column: Column | None
    family: str
    index: int
    number: int
    path: str
    title: str
    published: datetime
    blocks: list[Block]
    encoding: str = "utf-8"
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    #: (name, role): correspondent, intern, photographer …
    contributors: list[tuple[str, str]] = field(default_factory=list)
    views: int = 0
    #: path of every page; one entry for a single-page article
    pages: list[str] = field(default_factory=list)
    pager: str = ""
    #: "native": the family's own byline markup; else a layout of _macros.html:byline
    layout: str = "native"
    aliases: list[Alias] = field(default_factory=list)
    home: str = ""
    feeds: tuple[str, ...] = ()
    delay: float = 0.0
    fail_first: int = 0
    expected: bool = True
    story: str = ""
    original: Article | None = None
    edits: list[str] = field(default_factory=list)
    hostile: str = ""
    nesting: int = 0
    older: Article | None = None
    newer: Article | None = None
    #: absolute URL of page 1, on whichever site of a network holds it
    url: str = ""

    @property
    def day(self) -> str:
        return f"{self.published:%Y-%m-%d}"
    copied: bool = False

    def __repr__(self) -> str:
        return f"Article({self.url or self.path!r}, {self.title!r})"

    def page_blocks(self, page: int) -> list[Block]:
        """The body blocks shown on page `page` (1-based); pages split the body into near-equal runs."""
        size = -(-len(self.blocks) // len(self.pages))
        return self.blocks[(page - 1) * size : page * size]

    @property
    def paragraphs(self) -> list[str]:
        """Ground-truth body lines: paragraph texts and image captions in reading order."""
        return [b.caption if isinstance(b, Figure) else b for b in self.blocks]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    @property
    def summary(self) -> str:
        return next(b for b in self.blocks if isinstance(b, str))[:60]

    def alias(self, kind: str) -> str:
        return next((a.target for a in self.aliases if a.kind == kind), "")

    @property
    def shared(self) -> str:
        """The link a home headline uses for it: its tracking twin when it has one."""
        return self.alias("tracking") or self.path


@dataclass(eq=False, slots=True, repr=False)
class Column:
    spec: ColumnSpec
    articles: list[Article] = field(default_factory=list)
    #: (position, resource) entries put into the first list page
    inserts: list[tuple[int, Resource]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Column({self.key!r}, {len(self.articles)} articles)"

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def family(self) -> str:
        return self.spec.family

    def entries(self) -> list[Article | Resource]:
        """What the list pages show, newest first, with the inserted dead links and errors."""
        items: list[Article | Resource] = [*sorted(self.articles, key=lambda a: a.published, reverse=True)]
        for position, resource in self.inserts:
            items.insert(position, resource)
        return items

    def list_path(self, n: int) -> str:
        """Path of list page `n` (1-based) in the column's URL style."""
        pattern = self.spec.get("list_first") if n == 1 else self.spec.get("list_page")
        return str(pattern).format(col=self.key, cid=self.spec.cid, n=n, n0=n - 1)

    def list_paths(self, page_size: int) -> list[str]:
        return [self.list_path(n) for n in range(1, max(1, -(-len(self.entries()) // page_size)) + 1)]


@dataclass(eq=False, slots=True, repr=False)
class SiteModel:
    spec: SiteSpec
    base: str
    name: str
    columns: list[Column]
    articles: list[Article]
    resources: list[Resource]
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"SiteModel({self.base!r}, {len(self.articles)} articles)"

    def url(self, path: str) -> str:
        return path if "//" in path or path.startswith(("mailto:", "javascript:")) else self.base + path
