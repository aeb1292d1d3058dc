"""Build the offline demo news site (青禾新闻网) as a path → Page map, plus its ground truth for crawl tests.

The site mixes four CMS families (PHPCMS, DedeCMS in GBK, TRS WCM, modern JSON-LD) so that extraction and
crawling can be tested end to end without the internet; every article is invented.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from crawler.demo import templates as t
from crawler.demo.articles import COLUMNS, DEFAULT_SEED, Article, Column, Figure, generate_articles
from crawler.demo.stories import SITE_NAME

__all__ = ["Page", "Site", "SiteOptions", "build_site", "expected_articles", "lookup", "page_key"]

TRACKING_PARAMS = frozenset({"from", "spm", "isappinstalled", "scene", "share_token", "wxfrom", "clicktime"})
NOT_FOUND_PATH = "/404.html"
RSS_SIZE = 20
HOME_HEADLINES = 8
#: search result pages beyond this are refused, so "endless" still has a (huge) bound
MAX_TRAP_PAGE = 100_000


@dataclass(frozen=True, slots=True)
class Page:
    """One HTTP response; `delay` seconds are waited before answering (slow-page tests)."""

    status: int
    headers: dict[str, str]
    body: bytes
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """Knobs of `build_site`; unknown keywords raise TypeError so typos don't silently do nothing."""

    seed: int = DEFAULT_SEED
    page_size: int = 4
    traps: bool = False
    print_view: bool = False
    error_page: bool = False
    slow: float = 0.0
    challenge: bool = False


class Site(dict[str, Page]):
    """The page map; with traps on, `site[key]` also makes up calendar/search pages on demand (endless on purpose).

    Use `lookup(site, target)` (or `site[key]`), not `.get`/`in`, to see generated pages.
    """

    def __init__(self, ctx: t.Context | None = None, *, traps: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self.traps = traps

    def __missing__(self, key: str) -> Page:
        page = trap_page(self.ctx, key) if self.traps else None
        if page is None:
            raise KeyError(key)
        return page


def page_key(target: str) -> str:
    """Normalise a URL or path+query to the map's key: no scheme/host/fragment, non-ASCII percent-encoded."""
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


def lookup(pages: Mapping[str, Page], target: str) -> Page | None:
    """The page served for `target`: exact key first, then the key without tracking parameters."""
    key = page_key(target)
    for candidate in dict.fromkeys((key, strip_tracking(key))):
        try:
            return pages[candidate]
        except KeyError:
            continue
    return None


def build_site(base_url: str, **options: Any) -> Site:
    """Every page of the demo site for a server reachable at `base_url` (e.g. ``http://127.0.0.1:8000``)."""
    opts = SiteOptions(**options)
    ctx = _context(base_url, opts)
    site = Site(ctx, traps=opts.traps)
    site.update(_article_pages(ctx))
    site.update(_list_pages(ctx, opts.page_size))
    site.update(_tag_pages(ctx))
    site.update(_feeds(ctx))
    site.update(_assets(ctx))
    site.update(_special_pages(ctx, opts))
    site["/"] = site["/index.html"] = _html(t.phpcms_frame(ctx, SITE_NAME, _home_main(ctx, opts), _home_side(ctx)))
    site[NOT_FOUND_PATH] = not_found_page(ctx)
    return site


def expected_articles(base_url: str, **options: Any) -> list[dict[str, Any]]:
    """Ground truth per article, in generation order: what a correct extractor returns for its canonical URL."""
    ctx = _context(base_url, SiteOptions(**options))
    return [_truth(ctx, a) for a in ctx.articles]


def _context(base_url: str, opts: SiteOptions) -> t.Context:
    return t.Context(
        base=base_url.rstrip("/"),
        articles=generate_articles(opts.seed),
        columns=list(COLUMNS.values()),
        print_view=opts.print_view,
        traps=opts.traps,
    )


def _truth(ctx: t.Context, article: Article) -> dict[str, Any]:
    return {
        "url": ctx.url(article.path),
        "canonical_url": ctx.url(article.path),
        "family": article.family,
        "column": article.column.name,
        "title": article.title,
        "published": article.published.isoformat(),
        "source": article.source,
        "author": article.authors,
        "editor": article.editors,
        "tags": article.tags,
        "paragraphs": article.paragraphs,
        "body": "\n".join(article.paragraphs),
        "images": [{"src": ctx.url(b.src), "caption": b.caption} for b in article.blocks if isinstance(b, Figure)],
        "next_pages": [ctx.url(article.page_path(n)) for n in range(2, article.pages + 1)],
        "charset": article.charset,
        "aliases": [ctx.url(alias) for alias in article.aliases],
    }


# ---------------------------------------------------------------- pages


def _html(text: str, charset: str = "utf-8", status: int = 200) -> Page:
    """Encode a page; DedeCMS-style GB18030 bytes go out as bare text/html, the way such servers answer."""
    if charset == "gb18030":
        return Page(status, {"Content-Type": "text/html"}, text.encode("gb18030"))
    label = "GBK" if charset == "gbk" else "utf-8"
    return Page(status, {"Content-Type": f"text/html; charset={label}"}, text.encode(charset))


def _article_pages(ctx: t.Context) -> Iterator[tuple[str, Page]]:
    for article in ctx.articles:
        render = t.ARTICLE_RENDERERS[article.family]
        first = _html(render(ctx, article, 1), article.charset)
        yield article.path, first
        for n in range(2, article.pages + 1):
            yield article.page_path(n), _html(render(ctx, article, n), article.charset)
        for alias in article.aliases:
            yield page_key(alias), first
        if ctx.print_view:
            yield article.path + "?print=1", _html(_print_view(ctx, article))


def _print_view(ctx: t.Context, article: Article) -> str:
    """打印本页: the whole body on one bare page (a duplicate a crawler should recognise)."""
    body = "\n".join(f"<p>{escape(line)}</p>" for line in article.paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(article.title)}</title>'
        f'<link rel="canonical" href="{ctx.url(article.path)}"></head>'
        f'<body onload="window.print()"><h1>{escape(article.title)}</h1>'
        f"<p>{article.published:%Y-%m-%d %H:%M} 来源：{escape(article.source or '')}</p>\n{body}</body></html>"
    )


def _column_articles(ctx: t.Context, column: Column) -> list[Article]:
    return sorted((a for a in ctx.articles if a.column == column), key=lambda a: a.published, reverse=True)


def _list_pages(ctx: t.Context, page_size: int) -> Iterator[tuple[str, Page]]:
    """Paginated column lists, newest first, plus the aliases real sites answer too (`/a/nongye/`, `?page=1`)."""
    for column in ctx.columns:
        items = _column_articles(ctx, column)
        pages = max(1, -(-len(items) // page_size))
        charset = "gb18030" if column.family == "dede" else "utf-8"
        for n in range(1, pages + 1):
            chunk = items[(n - 1) * page_size : n * page_size]
            page = _html(t.LIST_RENDERERS[column.family](ctx, column, chunk, n, pages), charset)
            yield t.list_path(column, n), page
            if n == 1:
                yield from ((alias, page) for alias in _list_aliases(column))


def _list_aliases(column: Column) -> tuple[str, ...]:
    return {"dede": ("/a/nongye/",), "trs": ("/xxgk/",), "modern": ("/news/?page=1", "/news/index.html")}.get(
        column.family, ()
    )


def _tag_pages(ctx: t.Context) -> Iterator[tuple[str, Page]]:
    """One results page per (family, tag) link that article pages carry."""
    seen: set[str] = set()
    for article in ctx.articles:
        for tag in article.tags:
            key = page_key(t.tag_path(article.family, tag))
            if key in seen:
                continue
            seen.add(key)
            items = [a for a in ctx.articles if tag in a.tags]
            charset = "gb18030" if article.family == "dede" else "utf-8"
            yield key, _html(t.tag_page(ctx, article.family, tag, items), charset)


def _feeds(ctx: t.Context) -> Iterator[tuple[str, Page]]:
    newest = sorted(ctx.articles, key=lambda a: a.published, reverse=True)
    urls = "\n".join(
        f"<url><loc>{ctx.url(a.path)}</loc><lastmod>{a.published.isoformat()}</lastmod>"
        "<changefreq>never</changefreq></url>"
        for a in newest
    )
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n'
    )
    yield "/sitemap.xml", Page(200, {"Content-Type": "application/xml; charset=utf-8"}, sitemap.encode())
    yield "/rss.xml", Page(200, {"Content-Type": "application/rss+xml; charset=utf-8"}, _rss(ctx, newest).encode())
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {ctx.url('/sitemap.xml')}\n"
    yield "/robots.txt", Page(200, {"Content-Type": "text/plain; charset=utf-8"}, robots.encode())


def _rss(ctx: t.Context, newest: list[Article]) -> str:
    items = "\n".join(
        f"<item><title>{escape(a.title)}</title><link>{ctx.url(a.path)}</link>"
        f'<guid isPermaLink="true">{ctx.url(a.path)}</guid><pubDate>{format_datetime(a.published)}</pubDate>'
        f"<category>{escape(a.column.name)}</category><description>{escape(t.summary(a, 80))}</description></item>"
        for a in newest[:RSS_SIZE]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{SITE_NAME}</title><link>{ctx.url('/')}</link><description>{SITE_NAME}最新新闻</description>"
        f"<language>zh-cn</language>\n{items}\n</channel></rss>\n"
    )


def _png(rgb: tuple[int, int, int] = (190, 200, 210), width: int = 8, height: int = 6) -> bytes:
    """A tiny valid PNG, so image fetches succeed without shipping binary files."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _assets(ctx: t.Context) -> Iterator[tuple[str, Page]]:
    """Images (served as PNG whatever the extension says), stylesheets and scripts the pages reference."""
    image = Page(200, {"Content-Type": "image/png"}, _png())
    for path in [*t.LOGOS.values(), *(b.src for a in ctx.articles for b in a.blocks if isinstance(b, Figure))]:
        yield path, image
    for path in t.STYLESHEETS.values():
        yield path, Page(200, {"Content-Type": "text/css"}, b"body{font:14px/1.6 sans-serif}\n")
    for path in t.SCRIPTS:
        yield path, Page(200, {"Content-Type": "application/javascript"}, b"/* demo */\n")


CHALLENGE_BODY = """<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+\
('e')+('a')+('r')+('a')+('n')+('c')+('e')+('=')+(+new Date()/1000|0)+('.')+(0x3f)+('|0|')+\
('dGVzdA%3D%3D')+(';max-age=3600;path=/');location.href=location.pathname+location.search</script></body></html>
"""


def _special_pages(ctx: t.Context, opts: SiteOptions) -> Iterator[tuple[str, Page]]:
    """Opt-in misbehaving pages for crawler tests: 500, slow answer, 521 JS cookie wall."""
    if opts.error_page:
        body = "<html><head><title>500 Internal Server Error</title></head><body><h1>服务器内部错误</h1></body></html>"
        yield "/zt/500.html", _html(body, status=500)
    if opts.slow > 0:
        html = t.phpcms_frame(ctx, f"专题 - {SITE_NAME}", "<h2>防汛专题</h2><p>页面加载较慢。</p>", "")
        yield "/zt/slow.html", Page(200, {"Content-Type": "text/html; charset=utf-8"}, html.encode(), opts.slow)
    if opts.challenge:
        headers = {"Content-Type": "text/html", "Set-Cookie": "__jsluid_h=0123456789abcdef; max-age=31536000; path=/"}
        yield "/zt/challenge.html", Page(521, headers, CHALLENGE_BODY.encode())


def _special_links(opts: SiteOptions) -> list[tuple[str, str]]:
    links = [("/zt/500.html", "抗洪救灾专题")] if opts.error_page else []
    links += [("/zt/slow.html", "防汛专题")] if opts.slow > 0 else []
    links += [("/zt/challenge.html", "疫情防控专题")] if opts.challenge else []
    return links


def _home_main(ctx: t.Context, opts: SiteOptions) -> str:
    """Headlines (the duplicated article linked through its tracking alias), then each column's latest."""
    newest = sorted(ctx.articles, key=lambda a: a.published, reverse=True)
    featured = [a for a in ctx.articles if a.aliases]
    headlines = featured + [a for a in newest if a not in featured][: HOME_HEADLINES - len(featured)]
    rows = "\n".join(
        f'<li><a href="{ctx.url(a.aliases[0] if a.aliases else a.path)}" target="_blank">{escape(a.title)}</a></li>'
        for a in headlines
    )
    parts = [f'<div class="box headline"><h5 class="title-2">头条新闻</h5><ul class="content">\n{rows}\n</ul></div>']
    for column in ctx.columns:
        latest = "\n".join(
            f'<li><span class="rt">{a.published:%m-%d}</span><a href="{ctx.url(a.path)}">{escape(a.title)}</a></li>'
            for a in _column_articles(ctx, column)[:5]
        )
        parts.append(
            f'<div class="box cat-area"><h5 class="title-2"><a href="{ctx.url(column.first_page)}" class="more">'
            f'更多&gt;&gt;</a>{escape(column.name)}</h5><ul class="content">\n{latest}\n</ul></div>'
        )
    specials = _special_links(opts)
    if specials:
        items = "".join(f'<li><a href="{ctx.url(p)}">{escape(name)}</a></li>' for p, name in specials)
        parts.append(f'<div class="box"><h5 class="title-2">专题</h5><ul class="content">{items}</ul></div>')
    return "\n".join(parts)


def _home_side(ctx: t.Context) -> str:
    return t.hot_items(ctx, None, '<li><span class="rt">{date}</span>·<a href="{url}">{title}</a></li>')


def not_found_page(ctx: t.Context) -> Page:
    main = (
        '<div class="error"><h1>404 - 您访问的页面不存在</h1><p>可能是网址有误，或者该页面已被删除。</p>'
        f'<p><a href="{ctx.url("/")}">返回首页</a></p></div>'
    )
    return _html(t.phpcms_frame(ctx, f"404 页面不存在 - {SITE_NAME}", main, ""), status=404)


# ---------------------------------------------------------------- crawl traps (generated on demand)


def trap_page(ctx: t.Context | None, key: str) -> Page | None:
    """`/calendar?date=…` and `/search?q=…&page=N`: every page links to yet another one."""
    if ctx is None:
        return None
    path, _, query = key.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if path == "/calendar":
        return _calendar_page(ctx, params.get("date", ""))
    if path == "/search":
        return _search_page(ctx, params.get("q", ""), params.get("page", "1"))
    return None


def _result_rows(ctx: t.Context, items: list[Article]) -> str:
    return "".join(f'<li><a href="{ctx.url(a.path)}">{escape(a.title)}</a></li>' for a in items)


def _calendar_page(ctx: t.Context, day_text: str) -> Page | None:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        return None
    items = [a for a in ctx.articles if a.published.date() == day]
    rows = _result_rows(ctx, items) or "<li>当日无新闻</li>"
    try:
        around = [(day + timedelta(days=step)).isoformat() for step in (-1, 1)]
    except OverflowError:
        return None
    pager = f'<a href="/calendar?date={around[0]}">前一天</a> <a href="/calendar?date={around[1]}">后一天</a>'
    main = f"<h2>{day:%Y年%m月%d日} 新闻</h2><ul>{rows}</ul><p>{pager}</p>"
    return _html(t.phpcms_frame(ctx, f"新闻日历 - {SITE_NAME}", main, ""))


def _search_page(ctx: t.Context, q: str, page_text: str) -> Page | None:
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_TRAP_PAGE:
        return None
    page = int(page_text)
    hits = [a for a in ctx.articles if q and (q in a.title or q in a.tags or any(q in tag for tag in a.tags))]
    shown = hits[(page - 1) * 4 : page * 4]
    rows = _result_rows(ctx, shown) or "<li>没有更多结果</li>"
    base = f"/search?q={quote(q)}"
    pager = f'<a href="{base}&amp;page={page + 1}">下一页</a> '
    pager += f'<a href="{base}&amp;page={page}&amp;order=time">按时间</a>'
    main = f"<h2>“{escape(q)}”的搜索结果</h2><ul>{rows}</ul><div class='pages'>{pager}</div>"
    return _html(t.phpcms_frame(ctx, f"搜索 - {SITE_NAME}", main, ""))
