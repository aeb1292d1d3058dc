"""Render a site model into its page map with the Jinja2 templates in templates/ (one set per CMS family).

Pages are rendered when first asked for (a 5,000-article site is ready at once); endless trap pages and
static assets are answered by routes instead of keys.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import jinja2

from crawler.demo.generate import credit_line, credit_parts, url_fields
from crawler.demo.model import Article, Column, Page, Pages, SiteModel
from crawler.demo.spec import ENCODINGS, FAMILIES, Resource
from crawler.demo.stories import CITY

#: search result pages beyond this are refused, so "endless" still has a (huge) bound
MAX_TRAP_PAGE = 100_000
SEARCH_PAGE_SIZE = 4
#: trap kinds shown as the calendar / hot-search widget on every page (the others are linked from the nav)
WIDGET_TRAPS = ("calendar", "search")
ASSET = re.compile(r"\.(jpe?g|png|gif|css|js)$")
ERROR_BODY = "<html><head><title>500 Internal Server Error</title></head><body><h1>服务器内部错误</h1></body></html>"
CHALLENGE_COOKIE = "__jsluid_h=0123456789abcdef; max-age=31536000; path=/"
#: resource kind → (title, heading, line) of its page in the home family's chrome
NOTICES = {
    "soft404": ("页面不存在", "404", "对不起，您访问的页面不存在或已被删除！"),
    "slow": ("专题", "防汛专题", "页面加载较慢。"),
    "trap": ("页面", "", ""),
}
#: an 8×6 grey PNG, served for every image path: image fetches succeed without binary files in the package
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAEUlEQVR4nGPYd+ISVsQwkBIA9DZwgVZhIOYAAAAASUVORK5CYII="
)
#: a sitemap bomb is this many gzip members of one zero-filled megabyte each
BOMB_CHUNK = 1 << 20


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.ChainableUndefined,
    )
    env.filters["basename"] = lambda path: path.rsplit("/", 1)[1]
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "indent": 2}  # JSON-LD as CMSs print it
    return env


class View:
    """What the templates ask of a site: URLs, navigation, hot and related lists, feeds."""

    def __init__(self, site: SiteModel) -> None:
        self.site, self.spec, self.name, self.city, self.columns = site, site.spec, site.name, CITY, site.columns
        self.listed = [a for c in site.columns for a in c.articles]
        self.ranked = sorted(self.listed, key=lambda a: (-a.views, a.path))[: self.spec.hot + 1]
        self.newest = sorted(self.listed, key=lambda a: a.published, reverse=True)
        self.position = {id(a): n for n, a in enumerate(self.listed)}
        kinds = {t.kind for t in self.spec.traps if not t.option or self.spec.option(t.option)}
        self.traps = bool(kinds & set(WIDGET_TRAPS))
        self.trap_kinds = kinds

    def url(self, path: str) -> str:
        return self.site.url(path)

    def nav(self) -> list[tuple[str, str]]:
        return [("/", "首页"), *((c.list_path(1), c.name) for c in self.columns), *self.spec.nav]

    def link(self, article: Article) -> str:
        """How other articles link it: by a tracking twin when the site hands those out, else its path."""
        return article.alias("tracking") or article.path if self.spec.aliases else article.path

    def hot(self, exclude: Article | None) -> list[Article]:
        return [a for a in self.ranked if a is not exclude][: self.spec.hot]

    def related(self, article: Article) -> list[Article]:
        """A few other articles, picked by position so that every page links different ones."""
        if not self.spec.related or id(article) not in self.position:
            return []
        n, at = len(self.listed), self.position[id(article)]
        picked = {self.listed[(at * 7 + k * 131 + 1) % n] for k in range(self.spec.related)}
        return sorted((a for a in picked if a is not article), key=lambda a: a.path)

    def latest(self, column: Column) -> list[Article]:
        return sorted(column.articles, key=lambda a: a.published, reverse=True)[: self.spec.home_latest]

    def headlines(self) -> list[tuple[str, str]]:
        """The home page's headline links: articles placed there (by their shared link), then the newest."""
        placed = [a for a in self.site.articles if a.home]
        fill = [a for a in self.newest if a not in placed][: max(0, self.spec.home_headlines - len(placed))]
        return [(a.shared, a.home) for a in placed] + [(a.path, a.title) for a in fill]

    def home_resources(self) -> list[Resource]:
        return [r for r in self.site.resources if r.home]

    def feeds(self) -> list[tuple[str, str, str]]:
        found = [("/rss.xml", "application/rss+xml", "RSS")] if self.feed_articles("rss") else []
        found += [(r.path, "application/rss+xml", "RSS") for r in self.site.resources if r.kind == "feed_bomb"]
        return found + ([("/atom.xml", "application/atom+xml", "Atom")] if self.feed_articles("atom") else [])

    def feed_articles(self, kind: str) -> list[Article]:
        only = [a for a in self.site.articles if kind in a.feeds]
        newest = self.newest[: self.spec.rss] if kind == "rss" or self.spec.atom else []
        return only + newest

    def stamp(self, entry: Article | Resource, fmt: str) -> str:
        when = entry.published if isinstance(entry, Article) else self.spec.start
        return when.strftime(fmt) if fmt else when.isoformat()

    def credit_line(self, article: Article) -> str:
        return credit_line(article)

    def credit_parts(self, article: Article, style: str = "spaced") -> list[str]:
        return credit_parts(article, style)

    def print_href(self, article: Article) -> str:
        if article.alias("print"):
            return article.alias("print")
        return str(FAMILIES[article.family]["print"]).format(**url_fields(article))

    def tag_path(self, family: str, tag: str) -> str:
        codec = ENCODINGS[FAMILIES[family]["encoding"]]["codec"]
        return str(FAMILIES[family]["tag"]).format(tag=quote(tag, encoding="gbk" if codec != "utf-8" else "utf-8"))

    def rfc822(self, when: datetime) -> str:
        return format_datetime(when)

    def updated(self) -> str:
        return (self.newest[0].published if self.newest else self.spec.start).isoformat()


# ---------------------------------------------------------------- pages


def html_page(v: View, template: str, encoding: str = "utf-8", status: int = 200, **context: Any) -> Page:
    """Render a template and encode it the way the family's servers do (see data/families.toml)."""
    enc = ENCODINGS[encoding]
    context.setdefault("article", None)
    context.setdefault("column", None)
    text = environment().get_template(template).render(v=v, meta_charset=enc["meta"], **context)
    return Page(status, {"Content-Type": enc["header"]}, text.encode(enc["codec"], "xmlcharrefreplace"))


def _plain_page(v: View, status: int = 200, **context: Any) -> Page:
    """An error, trap or notice page in the home family's chrome."""
    context.setdefault("lines", [])
    return html_page(v, f"{v.spec.home_family}/page.html", status=status, **{"items": [], "links": [], **context})


def _article_page(v: View, article: Article, n: int) -> Page:
    page = html_page(v, f"{article.family}/article.html", article.encoding, article=article, page=n,
                     blocks=article.page_blocks(n))
    if article.hostile == "mixed_encoding":  # one UTF-8 block in a GBK page, as pasted-in ad code does
        block = f'<div class="ad">{v.name}客户端：扫码下载，随时随地看新闻</div>'.encode()
        page.body = page.body.replace(b"</body>", block + b"</body>", 1)
    page.delay, page.fail_first = article.delay, article.fail_first
    return page


def _list_page(v: View, column: Column, n: int) -> Page:
    size = v.spec.page_size
    paths, entries = column.list_paths(size), column.entries()
    return html_page(v, f"{column.family}/list.html", FAMILIES[column.family]["encoding"], column=column, n=n,
                     paths=paths, items=entries[(n - 1) * size : n * size], count=len(column.articles),
                     heading=column.name)


def _tag_page(v: View, family: str, tag: str) -> Page:
    column = next(c for c in v.columns if c.family == family)
    items = [a for a in v.listed if tag in a.tags]
    return html_page(v, f"{family}/list.html", FAMILIES[family]["encoding"], column=column, n=1, paths=[],
                     items=items, count=len(items), heading=f"{column.name} · 标签：{tag}")


def _resource_page(v: View, r: Resource) -> Page:
    if r.kind == "challenge":
        body = environment().get_template("pages/challenge.html").render().encode()
        return Page(521, {"Content-Type": "text/html", "Set-Cookie": CHALLENGE_COOKIE}, body)
    if r.kind in ("challenge_marker", "refresh"):
        body = environment().get_template(f"pages/{r.kind}.html").render(target=r.target).encode()
        return Page(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    if r.kind == "error":
        return Page(500, {"Content-Type": "text/html; charset=utf-8"}, ERROR_BODY.encode())
    if r.kind == "redirect":
        return Page(302, {"Content-Type": "text/html; charset=utf-8", "Location": r.target}, b"")
    if r.kind == "bomb":
        return Page(200, {"Content-Type": "application/x-gzip"}, sitemap_bomb(v.spec.bomb_mb))
    if r.kind in ("page_bomb", "feed_bomb"):  # sent gzip-encoded: the client inflates it (or refuses to)
        kind = "text/html" if r.kind == "page_bomb" else "application/rss+xml"
        headers = {"Content-Type": f"{kind}; charset=utf-8", "Content-Encoding": "gzip"}
        return Page(200, headers, bomb(b"<html><head><title>", v.spec.bomb_mb))
    title, heading, line = NOTICES.get(r.kind, (r.title or r.text, "", r.text))
    page = _plain_page(v, title=title, heading=heading, lines=[line] if line else [])
    page.delay = r.delay
    return page


def not_found(v: View) -> Page:
    return _plain_page(v, 404, title="404 页面不存在", heading="404 - 您访问的页面不存在",
                       lines=["可能是网址有误，或者该页面已被删除。"], items=[("/", "返回首页")])


@cache
def bomb(head: bytes, megabytes: int) -> bytes:
    """A small gzip stream that inflates to `megabytes` MB: `head`, then gzip members of zeros."""
    return gzip.compress(head, mtime=0) + gzip.compress(bytes(BOMB_CHUNK), 9, mtime=0) * megabytes


def sitemap_bomb(megabytes: int) -> bytes:
    """A small .xml.gz that inflates to `megabytes` MB: a urlset head, then zeros."""
    return bomb(b'<?xml version="1.0" encoding="UTF-8"?><urlset><url><loc>', megabytes)


def _xml(v: View, template: str, kind: str = "application/xml", **context: Any) -> Page:
    text = environment().get_template(template).render(v=v, **context)
    return Page(200, {"Content-Type": f"{kind}; charset=utf-8"}, text.encode())


def _feeds(v: View, pages: Pages) -> None:
    """robots.txt, sitemaps (split behind an index when asked) and the RSS/Atom feeds."""
    only = [a for a in v.site.articles if "sitemap" in a.feeds]
    rest = v.newest + [a for a in v.site.articles if a.expected and a.column is None and not a.feeds]
    if v.spec.sitemap_sample:
        rest = sorted(rest, key=lambda a: a.path)[: v.spec.sitemap_sample]
    urls = only + rest
    split = v.spec.sitemap_split
    if split:
        files = [f"/sitemap_{k + 1}.xml" for k in range(-(-len(urls) // split))]
        for k, path in enumerate(files):
            pages.add(path, partial(_xml, v, "feeds/urlset.xml", articles=urls[k * split : (k + 1) * split]))
        pages.add("/sitemap_index.xml", partial(_xml, v, "feeds/sitemapindex.xml", paths=files))
        sitemaps = ["/sitemap_index.xml"]
    else:
        pages.add("/sitemap.xml", partial(_xml, v, "feeds/urlset.xml", articles=urls))
        sitemaps = ["/sitemap.xml"]
    sitemaps += [r.path for r in v.site.resources if r.kind == "bomb"]
    for path, kind, _ in v.feeds():
        if path in {r.path for r in v.site.resources}:
            continue  # a hostile feed: rendered as a resource
        name = path.strip("/").split(".")[0]
        pages.add(path, partial(_xml, v, f"feeds/{name}.xml", kind, articles=v.feed_articles(name)))
    robots = environment().get_template("feeds/robots.txt").render(v=v, sitemaps=sitemaps)
    pages.add("/robots.txt", partial(Page, 200, {"Content-Type": "text/plain; charset=utf-8"}, robots.encode()))


def render_site(site: SiteModel) -> Pages:
    """The page map of a generated site."""
    v, pages = View(site), Pages()
    for article in site.articles:
        for n, path in enumerate(article.pages, 1):
            pages.add(path, partial(_article_page, v, article, n))
        for alias in article.aliases:
            if alias.kind == "dynamic":
                pages.alias(alias.target, article.path)
            elif alias.kind == "print":
                pages.add(alias.target, partial(html_page, v, "pages/print.html", article=article))
    for column in site.columns:
        for n, path in enumerate(column.list_paths(site.spec.page_size), 1):
            pages.add(path, partial(_list_page, v, column, n))
        for other in column.spec.list_aliases:
            pages.alias(other, column.list_path(1))
    if site.spec.tags:
        for family, tag in dict.fromkeys((a.family, t) for a in v.listed for t in a.tags):
            pages.add(v.tag_path(family, tag), partial(_tag_page, v, family, tag))
    for resource in site.resources:
        if resource.kind != "dead":
            pages.add(resource.path, partial(_resource_page, v, resource))
    pages.add("/", partial(html_page, v, f"{site.spec.home_family}/home.html"))
    pages.alias("/index.html", "/")
    pages.add("/404.html", partial(not_found, v))
    _feeds(v, pages)
    pages.fallback = partial(_route, v)
    return pages


# ---------------------------------------------------------------- routes: traps and assets


def _route(v: View, key: str) -> Page | None:
    path, _, query = key.partition("?")
    params = {k: vals[0] for k, vals in parse_qs(query).items()}
    if v.spec.assets and ASSET.search(path):
        return _asset(path)
    route: Callable[..., Page | None] | None = {
        "/calendar": _calendar, "/search": _search}.get(path) if v.traps else None
    if route is not None:
        return route(v, params)
    m = re.fullmatch(r"/archive/day/(\d+)\.html", path)
    if m and "day_archive" in v.trap_kinds:
        day = int(m.group(1))
        return _plain_page(v, title=f"往日回顾 {day}", links=[(f"/archive/day/{day + 1}.html", "后一天")])
    return None


def _calendar(v: View, params: dict[str, str]) -> Page | None:
    """/calendar?date=…: that day's articles, and a link to the day before and the day after, for ever."""
    try:
        day = date.fromisoformat(params.get("date", ""))
        around = [(day + timedelta(days=step)).isoformat() for step in (-1, 1)]
    except (ValueError, OverflowError):
        return None
    items = [(a.path, a.title) for a in v.listed if a.published.date() == day]
    links = [(f"/calendar?date={around[0]}", "前一天"), (f"/calendar?date={around[1]}", "后一天")]
    return _plain_page(v, title="新闻日历", heading=f"{day:%Y年%m月%d日} 新闻", items=items,
                       lines=[] if items else ["当日无新闻"], links=links)


def _search(v: View, params: dict[str, str]) -> Page | None:
    """/search?q=…&page=N: results, then a next page for ever (up to MAX_TRAP_PAGE)."""
    q, page_text = params.get("q", ""), params.get("page", "1")
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_TRAP_PAGE:
        return None
    n = int(page_text)
    hits = [a for a in v.listed if q and (q in a.title or any(q in tag for tag in a.tags))]
    shown = [(a.path, a.title) for a in hits[(n - 1) * SEARCH_PAGE_SIZE : n * SEARCH_PAGE_SIZE]]
    base = f"/search?q={quote(q)}"
    return _plain_page(v, title="搜索", heading=f"“{q}”的搜索结果", items=shown,
                       lines=[] if shown else ["没有更多结果"],
                       links=[(f"{base}&page={n + 1}", "下一页"), (f"{base}&page={n}&order=time", "按时间")])


def _asset(path: str) -> Page:
    """Images (served as PNG whatever the extension says), stylesheets and scripts the templates reference."""
    if path.endswith(".css"):
        return Page(200, {"Content-Type": "text/css"}, b"body{font:14px/1.6 sans-serif}\n")
    if path.endswith(".js"):
        return Page(200, {"Content-Type": "application/javascript"}, b"/* demo */\n")
    return Page(200, {"Content-Type": "image/png"}, PNG)
