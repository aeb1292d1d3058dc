"""End to end: a crawl stays on its site, ignores decompression bombs, stops at a challenge wall, fetches each page
once, and runs no code-execution console unless asked. The real `scrapy crawl news` runs against two hosts on
loopback: the site (127.0.0.1) and an "elsewhere" host (127.0.0.2) that redirects, feeds and sitemaps point to.
"""

from __future__ import annotations

import gzip
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, select

from storage.models import Article
from tests.test_crawl import ROOT, crawl, crawl_cmd, runs

Response = tuple[int, dict[str, str], bytes]
HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass
class Host:
    """A loopback host answering from a path -> response map and remembering every path asked for."""

    server: ThreadingHTTPServer
    pages: dict[str, Response] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def host(address: str) -> Iterator[Host]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.hits.append(self.path)
            status, headers, body = served.pages.get(self.path, (404, HTML, b"<html><h1>404</h1></html>"))
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body)), "Connection": "close"}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    served = Host(ThreadingHTTPServer((address, 0), Handler))
    served.server.daemon_threads = True
    thread = threading.Thread(target=served.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join(5)


def article(title: str) -> Response:
    text = "".join(
        f"<p>{title}第{k}段：青禾市双桥镇近日完成了老旧小区改造的第二期工程，居民们说出门的路平了，楼道也亮了。</p>"
        for k in range(1, 6)
    )
    html = f"<html><head><title>{title}_青禾新闻网</title></head><body><h1>{title}</h1>"
    html += f'<div class="info">2016-03-04 10:00 来源：青禾日报</div><div class="content">{text}</div></body></html>'
    return 200, HTML, html.encode()


def page(body: str, head: str = "") -> Response:
    return 200, HTML, f"<html><head><title>青禾新闻网</title>{head}</head><body>{body}</body></html>".encode()


def stored_urls(db_url: str) -> set[str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        urls = set(conn.scalars(select(Article.url)))
    engine.dispose()
    return urls


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """About 1 MB of gzip that unpacks to 1 GiB."""
    return gzip.compress(b"\0" * (64 << 20), compresslevel=9) * 16


@pytest.mark.slow
def test_crawl_never_leaves_its_site_and_ignores_a_sitemap_bomb(tmp_path, bomb: bytes) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with host("127.0.0.1") as site, host("127.0.0.2") as elsewhere:
        away = elsewhere.base_url
        elsewhere.pages = {
            "/2016/0304/8.html": article("别处的稿件八"),
            "/2016/0304/9.html": article("别处的稿件九"),
            "/sitemap.xml": (
                200,
                {"Content-Type": "application/xml"},
                f"<urlset><url><loc>{away}/2016/0304/8.html</loc></url></urlset>".encode(),
            ),
            "/rss.xml": (
                200,
                {"Content-Type": "application/rss+xml"},
                f"<rss><channel><item><link>{away}/2016/0304/9.html</link></item></channel></rss>".encode(),
            ),
        }
        links = "".join(
            f'<a href="{href}">链接</a>'
            for href in (
                "/2016/0304/1.html",
                "/2016/0304/1.html?spm=a2c4g.11186623",
                "/2016/0304/1.html?from=timeline&utm_source=wechat",
                "/index.html",
                "/news/",
                "/moved/2016/0304/9.html",
                "/2016/0304/refresh.html",
            )
        )
        site.pages = {
            "/robots.txt": (
                200,
                {"Content-Type": "text/plain"},
                f"User-agent: *\nSitemap: {away}/sitemap.xml\nSitemap: /sitemap.xml.gz\n".encode(),
            ),
            "/": page(links, head=f'<link rel="alternate" type="application/rss+xml" href="{away}/rss.xml">'),
            "/news/": page(
                '<a href="/2016/0304/2.html">二</a><a href="/2016/0304/1.html?from=list">一</a><a href="/">首页</a>'
            ),
            "/2016/0304/1.html": article("本站稿件一"),
            "/2016/0304/2.html": article("本站稿件二"),
            "/moved/2016/0304/9.html": (302, {"Location": f"{away}/2016/0304/9.html"}, b""),
            "/2016/0304/refresh.html": page(
                "", head=f'<meta http-equiv="refresh" content="0;url={away}/2016/0304/8.html">'
            ),
            "/sitemap.xml.gz": (200, {"Content-Type": "application/x-gzip"}, bomb),
        }
        log = crawl(site.base_url, db_url)
        site_hits, away_hits = list(site.hits), list(elsewhere.hits)

    assert away_hits == [], "the crawl fetched from another host"
    assert stored_urls(db_url) == {site.base_url + "/2016/0304/1.html", site.base_url + "/2016/0304/2.html"}
    run = runs(db_url)[-1]
    assert run.finish_reason == "finished"
    # the 302 target, the meta-refresh target, the robots.txt Sitemap: line and the feed link
    assert run.stats["offsite_filtered"] == 4
    assert run.stats["bomb_ignored"] == 1
    assert "ignored " + site.base_url + "/sitemap.xml.gz" in log
    # tracking-parameter variants and index.html of pages already scheduled are never requested
    assert not [h for h in site_hits if "spm=" in h or "from=" in h or h == "/index.html"]
    # each page once, robots.txt aside (Scrapy's RobotsTxtMiddleware and the spider's Sitemap: lookup each fetch it)
    twice = sorted({h for h in site_hits if site_hits.count(h) > 1} - {"/robots.txt"})
    assert twice == []


def enabled_extensions(log: str) -> str:
    """The list Scrapy logs under "Enabled extensions:"."""
    start = log.index("Enabled extensions:")
    return log[start : log.index("]", start)]


WALL: Response = (521, HTML, b"<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>")


@pytest.mark.slow
def test_a_wall_of_challenges_closes_the_crawl_and_no_console_runs_unless_asked(tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    walled = [f"/2016/0305/{n}.html" for n in range(1, 41)]
    with host("127.0.0.1") as site:
        site.pages = {"/": page("".join(f'<a href="{p}">稿件</a>' for p in walled)), **dict.fromkeys(walled, WALL)}
        slow = {"CONCURRENT_REQUESTS": "4", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "DOWNLOAD_DELAY": "0.1"}
        walled_in = subprocess.run(
            crawl_cmd(site.base_url, db_url, NEWSARCHIVE_MAX_CHALLENGES="3", **slow), cwd=ROOT, capture_output=True,
            text=True, timeout=120,
        )
        log = walled_in.stderr
        assert walled_in.returncode == 1  # the site blocked the crawl: cron hears of it
        assert log.rstrip().splitlines()[-1].endswith("stopped early (challenged)")
        assert "Traceback" not in log
        run = runs(db_url)[-1]
        assert run.finish_reason == "challenged"
        assert 3 <= run.stats["challenges"] < len(walled)
        extensions = enabled_extensions(log)
        assert "ChallengeGuard" in extensions
        assert "TelnetConsole" not in extensions
        assert "RemoteControl" not in extensions

        asked = crawl(
            site.base_url,
            db_url,
            NEWSARCHIVE_MAX_CHALLENGES="0",
            TELNETCONSOLE_ENABLED="True",
            REMOTE_CONTROL_ENABLED="True",
            REMOTE_CONTROL_JOBS_DIR=str(tmp_path / "jobs"),
        )
    extensions = enabled_extensions(asked)
    assert "TelnetConsole" in extensions
    assert "RemoteControl" in extensions
    assert "ChallengeGuard" not in extensions
    assert runs(db_url)[-1].finish_reason == "finished"
    assert runs(db_url)[-1].stats["challenges"] == len(walled)
