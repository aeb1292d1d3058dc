"""Generated local news sites for the crawl tests and the benchmark, served from memory on 127.0.0.1.

`build_site(base_url, extra=0)` returns a `Site`: every page as bytes (path+query -> `Page`) and the set of
article URLs a crawl must store, exactly once each. The site has list pages in six pagination styles
(TRS ``createPageHTML`` → ``index_1.shtml``, DedeCMS ``list_3_2.html``, ``?page=2``, ``node_12_2.htm``,
``index_2.html``, and a pager whose only cue is the text 下一页/尾页), a robots.txt with a ``Sitemap:`` line
and a disallowed article, a sitemap index with articles found nowhere else, an RSS and an Atom feed with
articles found nowhere else, two multi-page articles (``_2.html`` and ``&page=2``), traps (calendar, search,
print, login, an endless date archive, query-string explosions), a 404, a 500, a 500-then-200 page, a slow
page, challenge pages (HTTP 521 and a JS cookie wall), a soft 404, a gzipped GBK page without an HTTP
charset and a GBK page labelled utf-8.

`extra=N` publishes N newer articles at the top of the first column (for incremental-run tests).
`serve(site)` is a context manager running a threaded HTTP server that logs every path it serves; a page with an
``ETag`` header answers 304 to a request whose If-None-Match carries that ETag.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

TOWNS = ("松岗镇", "白沙镇", "柳溪乡", "桃源街道", "望湖街道", "清水镇", "双桥镇", "云台街道", "梅林镇", "东渡街道")
TOPICS = ("老旧小区改造", "夏季治安巡查", "爱心食堂", "河道整治", "农技服务", "高标准农田", "公交线路", "暑期托管")
PEOPLE = ("王建国", "李丽华", "张志强", "刘晓燕", "陈海峰", "杨春梅", "黄立新", "赵秀英")
PER_PAGE = 5


@dataclass(slots=True)
class Page:
    status: int = 200
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    gzip: bool = False
    delay: float = 0.0
    #: serve 500 this many times before the real page (retry test)
    fail_first: int = 0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Site:
    base_url: str
    pages: dict[str, Page]
    #: absolute URL of page 1 of every article a complete crawl stores
    articles: set[str]
    #: title of each expected article (by URL)
    titles: dict[str, str]
    #: path of each list page, by column key, in page order
    lists: dict[str, list[str]]
    #: pages that a crawl must never store as articles (challenge, soft 404, robots-disallowed, traps)
    never: set[str]
    #: pages of multi-page articles after the first
    continuation: set[str]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    name: str
    #: list page path for page n (1-based)
    list_path: object
    #: article path for article number n
    article_path: object
    #: pager markup for (page n, total pages)
    pager: object


def _js_pager(n: int, total: int) -> str:
    return f'<script>createPageHTML({total}, {n - 1}, "index", "shtml");</script>'


def _text_pager(path_of):  # type: ignore[no-untyped-def]
    def pager(n: int, total: int) -> str:
        parts = []
        if n > 1:
            parts.append(f'<a href="{path_of(1)}">首页</a> <a href="{path_of(n - 1)}">上一页</a>')
        if n < total:
            parts.append(f'<a href="{path_of(n + 1)}">下一页</a> <a href="{path_of(total)}">尾页</a>')
        return '<div class="page">' + " ".join(parts) + f" 第{n}页/共{total}页</div>"

    return pager


def _number_pager(path_of):  # type: ignore[no-untyped-def]
    def pager(n: int, total: int) -> str:
        links = " ".join(
            f"<span>{i}</span>" if i == n else f'<a href="{path_of(i)}">{i}</a>' for i in range(1, total + 1)
        )
        return f'<div class="pages">{links}</div>'

    return pager


def _full_pager(path_of):  # type: ignore[no-untyped-def]
    text, numbers = _text_pager(path_of), _number_pager(path_of)
    return lambda n, total: numbers(n, total) + text(n, total)


def _xxgk_list(n: int) -> str:
    return "/xxgk/index.shtml" if n == 1 else f"/xxgk/index_{n - 1}.shtml"


def _nongye_list(n: int) -> str:
    return f"/a/nongye/list_3_{n}.html"


def _news_list(n: int) -> str:
    return "/news/" if n == 1 else f"/news/?page={n}"


def _node_list(n: int) -> str:
    return "/node_12.htm" if n == 1 else f"/node_12_{n}.htm"


def _tzgg_list(n: int) -> str:
    return "/tzgg/index.html" if n == 1 else f"/tzgg/index_{n}.html"


def _zt_list(n: int) -> str:
    return "/zt/more.aspx?cid=7" if n == 1 else f"/zt/more.aspx?cid=7&pn={n}"


def _day(n: int) -> datetime:
    return datetime(2015, 7, 1, 8, 0) + timedelta(hours=7 * n)


COLUMNS = (
    Column(
        "xxgk", "政务公开", _xxgk_list, lambda n: f"/xxgk/{_day(n):%Y%m}/t{_day(n):%Y%m%d}_{5100 + n}.html", _js_pager
    ),
    Column(
        "nongye",
        "三农",
        _nongye_list,
        lambda n: f"/a/nongye/{_day(n):%Y%m%d}/{300 + n}.html",
        _full_pager(_nongye_list),
    ),
    Column("news", "城事", _news_list, lambda n: f"/news/{_day(n):%Y-%m-%d}/c{n:04x}9.html", _full_pager(_news_list)),
    Column("node", "要闻", _node_list, lambda n: f"/content_{20000 + n}.htm", _number_pager(_node_list)),
    Column("tzgg", "通知公告", _tzgg_list, lambda n: f"/{_day(n):%Y/%m%d}/{700 + n}.html", _text_pager(_tzgg_list)),
    Column("zt", "专题", _zt_list, lambda n: f"/zt/detail.aspx?id={900 + n}", _text_pager(_zt_list)),
)


def _nav() -> str:
    cols = " ".join(f'<a href="{c.list_path(1)}">{c.name}</a>' for c in COLUMNS)
    traps = (
        '<a href="/search.php?q=%E6%96%B0%E9%97%BB">站内搜索</a> <a href="/login.php">登录</a> '
        '<a href="/calendar/?date=2015-07-01">日历</a> <a href="/archive/day/20150701.html">往日回顾</a> '
        '<a href="/news/?page=2&amp;sort=asc&amp;x=1&amp;y=2">排序</a> <a href="/private/secret.html">内部</a> '
        '<a href="/about.html">关于我们</a> <a href="/logo.png">logo</a> <a href="mailto:news@example.cn">投稿</a>'
    )
    return f'<div class="nav"><a href="/">首页</a> {cols} {traps}</div>'


def _html(title: str, body: str, charset: str = "utf-8", head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{title}_青禾新闻网</title>{head}</head><body>{_nav()}{body}"
        '<div class="footer">青禾新闻网 版权所有 备案号：青ICP备00000000号</div></body></html>'
    )


def _paragraphs(rng: random.Random, n: int, title: str) -> list[str]:
    out = []
    for i in range(n):
        town, topic, who = rng.choice(TOWNS), rng.choice(TOPICS), rng.choice(PEOPLE)
        out.append(
            f"{title}的第{i + 1}段：近日，{town}围绕{topic}开展专项工作，共走访群众{rng.randint(20, 900)}户，"
            f"收集意见建议{rng.randint(5, 90)}条。“这件事办到了大家心坎上。”居民{who}说。"
            f"相关负责人表示，下一步将继续完善长效机制，让群众的获得感、幸福感、安全感更加充实。"
        )
    return out


def _article_html(title: str, when: datetime, paragraphs: list[str], pager: str = "", charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return _html(
        title,
        f'<div class="article"><h1>{title}</h1><div class="info">{when:%Y-%m-%d %H:%M} 来源：青禾日报 '
        f'<a href="/print.php?contentid=1">打印</a></div><div class="content">{body}</div>{pager}'
        '<div class="related">相关阅读：<a href="/search.php?q=related">更多</a></div></div>',
        charset,
    )


def _list_html(column: Column, n: int, total: int, items: list[tuple[str, str, datetime]], head: str = "") -> str:
    lis = "".join(f'<li><a href="{p}">{t}</a><span>{w:%Y-%m-%d}</span></li>' for p, t, w in items)
    return _html(
        f"{column.name} 第{n}页",
        f'<div class="list"><h2>{column.name}</h2><ul>{lis}</ul>{column.pager(n, total)}</div>',
        head=head,
    )


def build_site(base_url: str, extra: int = 0, per_column: int = 12, seed: int = 7) -> Site:
    """The test site at base_url (no trailing slash); `extra` newer articles go on top of the first column."""
    rng = random.Random(seed)
    base = base_url.rstrip("/")
    pages: dict[str, Page] = {}
    articles: set[str] = set()
    titles: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    never: set[str] = set()
    continuation: set[str] = set()
    number = 0

    def add_article(path: str, title: str, when: datetime, paras: int = 4) -> None:
        pages[path] = Page(body=_article_html(title, when, _paragraphs(rng, paras, title)).encode())
        articles.add(base + path)
        titles[base + path] = title

    for ci, column in enumerate(COLUMNS):
        count = per_column + (extra if ci == 0 else 0)
        items: list[tuple[str, str, datetime]] = []
        for k in range(count):
            number += 1
            path = column.article_path(ci * 1000 + k)
            title = f"{column.name}：{rng.choice(TOWNS)}{rng.choice(TOPICS)}取得新进展（{ci}-{k}）"
            when = _day(ci * 1000 + k)
            add_article(path, title, when)
            items.append((path, title, when))
        items.reverse()  # newest first, as list pages show them
        if ci == 1:  # a dead link and an error on a list page
            items.insert(2, ("/a/nongye/20150708/399.html", "已删除的稿件", _day(1)))
            items.insert(3, ("/a/nongye/20150709/398.html", "服务器出错的稿件", _day(1)))
            pages["/a/nongye/20150709/398.html"] = Page(status=500, body=b"<html><body>500</body></html>")
        total = -(-len(items) // PER_PAGE)
        lists[column.key] = []
        for n in range(1, total + 1):
            chunk = items[(n - 1) * PER_PAGE : n * PER_PAGE]
            path = column.list_path(n)
            lists[column.key].append(path)
            pages[path] = Page(body=_list_html(column, n, total, chunk).encode())

    # Multi-page articles: name_2.html style (linked from a list) and &page=2 style (linked from home).
    feature, feature_title = "/2015/0710/888.html", "走近松岗镇的“夜间护路人”"
    stems = [feature, "/2015/0710/888_2.html", "/2015/0710/888_3.html"]
    when = datetime(2015, 7, 10, 9, 30)
    for i, path in enumerate(stems):
        pager = '<div class="pages">' + " ".join(
            f"<span>{j + 1}</span>" if j == i else f'<a href="{p}">{j + 1}</a>' for j, p in enumerate(stems)
        )
        pager += (f' <a href="{stems[i + 1]}">下一页</a>' if i < 2 else "") + "</div>"
        paras = [
            f"护路人特写第{i + 1}页第{k + 1}段：夜里十一点，养护工人开始修补路面，沥青冒着热气，"
            f"工人们的衣服很快被汗水浸透，"
            f"他们说城市醒来之前把路修好就是最好的回报。"
            for k in range(3)
        ]
        pages[path] = Page(body=_article_html(feature_title, when, paras, pager).encode())
        if i:
            continuation.add(base + path)
    articles.add(base + feature)
    titles[base + feature] = feature_title
    tz = pages[lists["tzgg"][0]]
    tz.body = tz.body.replace(b"</ul>", f'<li><a href="{feature}">{feature_title}</a></li></ul>'.encode())

    qs = ["/zt/detail.aspx?id=800", "/zt/detail.aspx?id=800&page=2"]
    q_title = "专题：双桥镇河长制三年回眸"
    for i, path in enumerate(qs):
        pager = f'<div class="pages"><a href="{qs[0]}">1</a> <a href="{qs[1]}">2</a>'
        pager += (f' <a href="{qs[1]}">下一页</a>' if i == 0 else "") + "</div>"
        paras = [
            f"河长制回眸第{i + 1}页第{k + 1}段：三年来，双桥镇聘请民间河长巡查河道，累计清理淤泥数万立方米，"
            f"昔日的臭水沟变成了市民散步的好去处。"
            for k in range(3)
        ]
        pages[path] = Page(body=_article_html(q_title, when, paras, pager).encode())
    articles.add(base + qs[0])
    titles[base + qs[0]] = q_title
    continuation.add(base + qs[1])

    # Articles only the sitemap or the feeds know about, and one with no URL cue, linked from home.
    for i in range(3):
        add_article(f"/2015/0711/60{i}.html", f"仅见于网站地图的稿件之{i + 1}：清水镇菌菇丰收", _day(60 + i))
        add_article(f"/2015/0712/70{i}.html", f"仅见于RSS订阅的稿件之{i + 1}：望湖街道邻里节", _day(70 + i))
    add_article("/2015/0713/800.html", "仅见于Atom订阅的稿件：梅林镇图书馆分馆开放", _day(80))
    add_article("/features/quiet-river.html", "特稿：一条小河的新生", _day(81), paras=6)

    # Encodings: gzipped GBK with a meta charset but no HTTP charset; GBK bytes labelled utf-8.
    gbk_title = "三农：王喆的猕猴桃合作社"
    paras = _paragraphs(rng, 4, gbk_title)
    pages["/a/nongye/20150714/501.html"] = Page(
        body=_article_html(gbk_title, _day(90), paras, charset="gb2312").encode("gb18030"),
        ctype="text/html",
        gzip=True,
    )
    mis_title = "三农：李堃家的稻田养鱼"
    pages["/a/nongye/20150714/502.html"] = Page(
        body=_article_html(mis_title, _day(91), _paragraphs(rng, 4, mis_title))
        .replace("charset=utf-8", "")
        .encode("gb18030"),
        ctype="text/html; charset=utf-8",
    )
    for path, title in (("/a/nongye/20150714/501.html", gbk_title), ("/a/nongye/20150714/502.html", mis_title)):
        articles.add(base + path)
        titles[base + path] = title

    # Robustness: slow, flaky (500 then 200), 404, soft 404, challenges, robots-disallowed.
    add_article("/2015/0715/901.html", "要闻：慢速页面也要抓到", _day(95))
    pages["/2015/0715/901.html"].delay = 1.0
    add_article("/2015/0715/902.html", "要闻：第一次出错第二次成功", _day(96))
    pages["/2015/0715/902.html"].fail_first = 1
    pages["/2015/0715/903.html"] = Page(
        body=_html(
            "页面不存在", '<div class="err"><h1>404</h1><p>对不起，您访问的页面不存在或已被删除！</p></div>'
        ).encode()
    )
    pages["/2015/0715/904.html"] = Page(
        status=521,
        body=b'<html><script>document.cookie="__jsl_clearance=1592;max-age=3600;path=/";'
        b"location.href=location.pathname+location.search</script></html>",
    )
    pages["/2015/0715/905.html"] = Page(
        body=b"<html><head><script>var _0x1=['acw_sc__v2'];document.cookie='acw_sc__v2='+_0x1[0];"
        b"window.location.reload();</script></head><body></body></html>"
    )
    pages["/private/secret.html"] = Page(
        body=_article_html("内部稿件不应抓取", _day(97), _paragraphs(rng, 4, "内部")).encode()
    )
    never.update(
        base + p
        for p in (
            "/2015/0715/903.html",
            "/2015/0715/904.html",
            "/2015/0715/905.html",
            "/private/secret.html",
            "/a/nongye/20150708/399.html",
        )
    )
    robust = [
        ("/2015/0715/901.html", "慢速页面"),
        ("/2015/0715/902.html", "出错后成功"),
        ("/2015/0715/903.html", "软404"),
        ("/2015/0715/904.html", "挑战页"),
        ("/2015/0715/905.html", "JS挑战"),
        ("/features/quiet-river.html", "特稿"),
        ("/a/nongye/20150714/501.html", "GBK"),
        ("/a/nongye/20150714/502.html", "错标"),
        (qs[0], q_title),
    ]

    # Home, robots.txt, sitemaps, feeds, traps.
    home_links = "".join(f'<li><a href="{p}">{t}</a></li>' for p, t in robust)
    head = (
        '<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">'
        '<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom.xml">'
    )
    pages["/"] = Page(body=_html("首页", f'<div class="focus"><ul>{home_links}</ul></div>', head=head).encode())
    pages["/about.html"] = Page(body=_html("关于我们", "<p>青禾新闻网是青禾市的新闻门户网站。</p>").encode())
    pages["/robots.txt"] = Page(
        body=f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap_index.xml\n".encode(), ctype="text/plain"
    )
    sm_urls = [f"{base}/2015/0711/60{i}.html" for i in range(3)] + sorted(articles)[:5]
    pages["/sitemap_index.xml"] = Page(
        body=_sitemap_index([f"{base}/sitemap_1.xml", f"{base}/sitemap_2.xml"]), ctype="application/xml"
    )
    pages["/sitemap_1.xml"] = Page(body=_urlset(sm_urls[:4]), ctype="application/xml")
    pages["/sitemap_2.xml"] = Page(body=_urlset(sm_urls[4:]), ctype="application/xml")
    pages["/rss.xml"] = Page(
        body=_rss(base, [f"/2015/0712/70{i}.html" for i in range(3)], titles), ctype="application/rss+xml"
    )
    pages["/atom.xml"] = Page(body=_atom(base, ["/2015/0713/800.html"], titles), ctype="application/atom+xml")
    for trap in (
        "/search.php?q=%E6%96%B0%E9%97%BB",
        "/login.php",
        "/calendar/?date=2015-07-01",
        "/print.php?contentid=1",
    ):
        pages[trap] = Page(body=_html("trap", "<p>trap</p>").encode())
        never.add(base + trap)
    return Site(base, pages, articles, titles, lists, never, continuation)


def _sitemap_index(urls: list[str]) -> bytes:
    items = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{items}</sitemapindex>"
    ).encode()


def _urlset(urls: list[str]) -> bytes:
    items = "".join(f"<url><loc>{escape(u)}</loc><lastmod>2015-07-11</lastmod></url>" for u in urls)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{items}</urlset>"
    ).encode()


def _rss(base: str, paths: list[str], titles: dict[str, str]) -> bytes:
    items = "".join(
        f"<item><title>{escape(titles[base + p])}</title><link>{escape(base + p)}</link></item>" for p in paths
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>青禾新闻网</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    ).encode()


def _atom(base: str, paths: list[str], titles: dict[str, str]) -> bytes:
    items = "".join(
        f'<entry><title>{escape(titles[base + p])}</title><link rel="alternate" href="{escape(base + p)}"/></entry>'
        for p in paths
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>青禾</title>'
        f"{items}</feed>"
    ).encode()


# -- server ----------------------------------------------------------------------------------------------
class SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: Site | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site = site
        self.hits: list[str] = []
        self.failures: dict[str, int] = {}
        #: paths answered 304 Not Modified (a page with an ETag, asked with that ETag in If-None-Match)
        self.not_modified: list[str] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass  # a crawler killed mid-request (the resume test) resets its connections: not our problem

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def take_hits(self) -> list[str]:
        with self.lock:
            hits, self.hits = self.hits, []
        return hits


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path
        if path.startswith("http"):
            path = path.split("/", 3)[-1]
            path = "/" + path
        with self.server.lock:
            self.server.hits.append(path)
        page = self._page(path)
        if page.delay:
            time.sleep(page.delay)
        if page.fail_first:
            with self.server.lock:
                seen = self.server.failures.get(path, 0)
                self.server.failures[path] = seen + 1
            if seen < page.fail_first:
                page = Page(status=500, body=b"<html><body>busy</body></html>")
        etag = page.headers.get("ETag")
        if etag and page.status == 200 and self.headers.get("If-None-Match") == etag:
            with self.server.lock:
                self.server.not_modified.append(path)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Date", formatdate(usegmt=True))
            self.end_headers()
            return
        body = page.body
        self.send_response(page.status)
        self.send_header("Content-Type", page.ctype)
        if page.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=1)
            self.send_header("Content-Encoding", "gzip")
        for k, v in page.headers.items():
            self.send_header(k, v)
        self.send_header("Date", formatdate(usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _page(self, path: str) -> Page:
        site = self.server.site
        page = site.pages.get(path) if site else None
        if page is not None:
            return page
        parts = urlsplit(path)
        if parts.path.startswith("/archive/day/"):  # an endless "previous day" archive: a depth trap
            day = int(parts.path.rsplit("/", 1)[1].split(".")[0])
            return Page(body=_html(f"往日回顾 {day}", f'<a href="/archive/day/{day + 1}.html">后一天</a>').encode())
        return Page(status=404, body=_html("404", "<h1>404 Not Found</h1>").encode())


@contextmanager
def serve(site_factory=build_site, **options) -> Iterator[SiteServer]:  # type: ignore[no-untyped-def]
    """Serve a generated site on 127.0.0.1 from a thread; `server.site` may be swapped while it runs."""
    server = SiteServer()
    server.site = site_factory(server.base_url, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
