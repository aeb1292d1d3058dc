"""What a generated site is made of, as data: presets (data/presets/*.toml), CMS families (data/families.toml)
and the options a caller overrides (`build_site(base, "demo", traps=True)`); unknown options raise TypeError.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
_FAMILY_DATA = tomllib.loads((DATA_DIR / "families.toml").read_text("utf-8"))
FAMILIES: dict[str, dict[str, Any]] = _FAMILY_DATA["family"]
ENCODINGS: dict[str, dict[str, str]] = _FAMILY_DATA["encodings"]
RICH_BYLINES: dict[str, Any] = _FAMILY_DATA["bylines"]["rich"]
ALIAS_KINDS = ("tracking", "dynamic", "print", "https")
DEFAULT_START = datetime(2015, 7, 1, tzinfo=timezone(timedelta(hours=8)))
HOSTILE_KINDS = ("script_title", "markup_source", "deep_nesting", "offsite_redirect", "meta_refresh", "sitemap_bomb",
                 "mixed_encoding", "page_bomb", "feed_bomb", "redirect_loop")


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A 栏目; empty fields take the family's value (its list URLs, URL schemes, pager …)."""

    family: str
    key: str = ""
    name: str = ""
    pool: str = ""
    cid: int = 0
    count: int = 12
    list_first: str = ""
    list_page: str = ""
    #: article URL schemes, used in turn; `encodings` (same order) say how each is served
    articles: tuple[str, ...] = ()
    encodings: tuple[str, ...] = ()
    pager: str = ""
    list_aliases: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    #: {index, pages, pool}: the index-th article is a long multi-page one
    multipage: dict[str, Any] = field(default_factory=dict)
    #: {index, suffix}: the index-th article's home headline links a tracking-parameter twin
    tracking: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """This column's value of `name`, else its family's."""
        value = getattr(self, name, None)
        return value if value else FAMILIES[self.family][name]

    def resolved(self) -> ColumnSpec:
        defaults = FAMILIES[self.family]["column"]
        return dataclasses.replace(
            self,
            key=self.key or defaults["key"],
            name=self.name or defaults["name"],
            pool=self.pool or defaults["pool"],
            cid=self.cid or defaults["cid"],
        )


@dataclass(frozen=True, slots=True)
class ArticleSpec:
    """An article placed by hand: fixed path and title, where it is linked, how it is served."""

    path: str
    title: str
    pool: str = "social"
    published: datetime | None = None
    column: str = ""
    paragraphs: tuple[str, ...] = ()
    pages: int = 1
    page_urls: str = "underscore"
    encoding: str = "utf-8"
    #: link text on the home page ("" = not linked there)
    home: str = ""
    #: discovery paths that list it although no page links it: sitemap, rss, atom
    feeds: tuple[str, ...] = ()
    delay: float = 0.0
    fail_first: int = 0
    #: False: a crawl must not store it (robots.txt disallows it)
    expected: bool = True


@dataclass(eq=False, slots=True)
class Resource:
    """A page that is not an article (error, challenge, soft 404, trap, redirect, plain page) or a dead link."""

    path: str
    kind: str
    text: str = ""
    title: str = ""
    home: bool = False
    #: linked from this column's first list page, at this position
    column: str = ""
    position: int = 0
    #: only when this option is on (`error_page`, `slow` …)
    option: str = ""
    status: int = 200
    delay: float = 0.0
    #: where a redirect or a meta refresh sends the client
    target: str = ""


@dataclass(frozen=True, slots=True)
class TrapSpec:
    """An endless generated page family: calendar, search, day_archive."""

    kind: str
    option: str = ""


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """A whole site: the preset's data plus every option. Options default to off."""

    name: str
    home_family: str
    seed: int = 1
    page_size: int = 20
    start: datetime = DEFAULT_START
    days: int = 30
    columns: tuple[ColumnSpec, ...] = ()
    articles: tuple[ArticleSpec, ...] = ()
    resources: tuple[Resource, ...] = ()
    traps: tuple[TrapSpec, ...] = ()
    nav: tuple[tuple[str, str], ...] = ()
    home_headlines: int = 0
    home_latest: int = 0
    hot: int = 0
    related: int = 0
    tags: bool = False
    assets: bool = False
    rss: int = 0
    atom: bool = False
    #: URLs per sitemap file (0: one file); with a split the robots.txt names a sitemap index
    sitemap_split: int = 0
    #: 0: the sitemap lists every article; N: only feed-only articles and N others
    sitemap_sample: int = 0
    robots_disallow: tuple[str, ...] = ()
    # -------------------------------------------------------------- options
    #: one column per family (replaces the preset's columns)
    families: tuple[str, ...] = ()
    n_articles: int = 0
    per_column: int = 0
    #: growth: this many newer articles on top of the `growth_columns` (default: the first column)
    extra: int = 0
    growth_columns: tuple[str, ...] = ()
    #: site-wide template sentences per article (会议要求…), and paragraphs of one-off fact sentences per article
    boilerplate: int = 0
    details: int = 0
    #: syndicated copies (in other columns or other sites of a network), edited
    syndicated: int = 0
    #: URL alias kinds (tracking, dynamic, print, https) and the share of articles that have them
    aliases: tuple[str, ...] = ()
    alias_share: float = 0.1
    #: share of articles spread over several pages, in turn over these URL styles and pagers
    multipage: float = 0.0
    multipage_styles: tuple[str, ...] = ("underscore", "dash", "query", "index")
    multipage_pagers: tuple[str, ...] = ("phpcms", "dede", "bar", "numbers_next", "bare", "modern")
    bylines: str = "family"
    hostile: tuple[str, ...] = ()
    #: nested <div> levels around a deep_nesting article's body; decompressed size of the sitemap bomb
    nesting_depth: int = 3000
    bomb_mb: int = 64
    #: where off-site redirects point (loopback, another address: a crawler must not follow it)
    offsite: str = "http://127.0.0.2:9/"
    gzip: bool = True
    # demo switches
    traps_on: bool = False
    print_view: bool = False
    error_page: bool = False
    slow: float = 0.0
    challenge: bool = False

    def option(self, name: str) -> Any:
        """An option by its public name (`traps` is stored as `traps_on`, the field `traps` lists trap kinds)."""
        return self.traps_on if name == "traps" else getattr(self, name)


_TUPLE_FIELDS = {f.name for f in dataclasses.fields(SiteSpec) if str(f.type).startswith("tuple")}
_NESTED = {"columns": ColumnSpec, "articles": ArticleSpec, "resources": Resource, "traps": TrapSpec}


def _frozen(cls: type, row: dict[str, Any]) -> Any:
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})


def load_spec(preset: str | SiteSpec, **options: Any) -> SiteSpec:
    """The preset (a name in data/presets/ or a spec) with `options` applied; checks the names it is given."""
    if isinstance(preset, SiteSpec):
        spec = preset
    else:
        path = DATA_DIR / "presets" / f"{preset}.toml"
        if not path.is_file():
            raise ValueError(f"no site preset {preset!r} in {path.parent}")
        data = tomllib.loads(path.read_text("utf-8"))
        for key, cls in _NESTED.items():
            data[key] = tuple(_frozen(cls, row) for row in data.get(key, ()))
        data["nav"] = tuple(tuple(link) for link in data.get("nav", ()))
        spec = _frozen(SiteSpec, data)
    if "traps" in options:
        options["traps_on"] = options.pop("traps")
    options = {k: tuple(v) if k in _TUPLE_FIELDS and not isinstance(v, tuple) else v for k, v in options.items()}
    spec = dataclasses.replace(spec, **options)
    unknown = {*spec.families, *(c.family for c in spec.columns)} - set(FAMILIES)
    bad = (set(spec.aliases) - set(ALIAS_KINDS)) | (set(spec.hostile) - set(HOSTILE_KINDS)) | unknown
    if bad:
        raise ValueError(f"unknown family, alias or hostile kind: {', '.join(sorted(bad))}")
    return spec
