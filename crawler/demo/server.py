"""Serve generated sites over loopback HTTP: threaded, HTTP/1.1, gzip, ETag/304, slow and flaky pages,
and a log of every path asked for (tests read it to see what a crawl fetched).

    python -m crawler.demo --preset regional -o n_articles=5000 --port 0     # prints "URL http://…"
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from crawler.demo.model import Page, lookup
from crawler.demo.site import Network, Site, build_network, build_site
from crawler.demo.spec import SiteSpec

__all__ = ["SiteServer", "serve", "serve_network", "serve_site"]

FALLBACK_404 = Page(404, body=b"<html><body><h1>404 Not Found</h1></body></html>")
BUSY = Page(500, body=b"<html><body>busy</body></html>")
REASONS = {521: "Web Server Is Down"}


class SiteServer(ThreadingHTTPServer):
    """One site on 127.0.0.1 in a background thread; `site` (or `pages`) may be swapped while it runs."""

    daemon_threads = True
    allow_reuse_address = True
    #: the listen backlog: socketserver's 5 refuses connections when a loaded machine accepts slowly and crawlers
    #: open 16 at once each (refused requests retried at once and given up: an article missing from a test crawl)
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.pages: Mapping[str, Page] = {}
        self._site: Site | None = None
        #: every path asked for, in order; `not_modified`: the paths answered 304
        self.hits: list[str] = []
        self.not_modified: list[str] = []
        self.failures: dict[str, int] = {}
        self.verbose = False
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host!s}:{port}"

    @property
    def site(self) -> Site | None:
        return self._site

    @site.setter
    def site(self, site: Site) -> None:
        self._site, self.pages = site, site.pages

    def take_hits(self) -> list[str]:
        """The paths asked for since the last call."""
        with self.lock:
            hits, self.hits = self.hits, []
        return hits

    def log_requests(self, enabled: bool = True) -> None:
        """Print one line per request to stderr (off by default to keep test output clean)."""
        self.verbose = enabled

    def page_for(self, path: str) -> Page:
        """The page for a request path, counting the failures a flaky page still has to give."""
        page = lookup(self.pages, path) or self.pages.get("/404.html") or FALLBACK_404
        if page.fail_first:
            with self.lock:
                seen = self.failures[path] = self.failures.get(path, 0) + 1
            if seen <= page.fail_first:
                return BUSY
        return page

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler killed mid-request (the resume test) resets its connections: not our problem

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        if self._thread.is_alive():
            self.shutdown()
            self._thread.join()
        self.server_close()

    def wait(self) -> None:
        """Block until the server stops (the command line entry)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        path = "/" + self.path.split("/", 3)[-1] if self.path.startswith("http") else self.path
        with self.server.lock:
            self.server.hits.append(path)
        page = self.server.page_for(path)
        if page.delay:
            time.sleep(page.delay)
        headers, body = dict(page.headers), page.body
        etag = headers.get("ETag")
        if etag and page.status == 200 and self.headers.get("If-None-Match") == etag:
            with self.server.lock:
                self.server.not_modified.append(path)
            headers, body, status = {"ETag": etag}, b"", 304
        else:
            status = page.status
            if page.compressible and _wants_gzip(self.headers.get("Accept-Encoding", "")):
                body = page.gzipped()
                headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        try:
            self.send_response(status, REASONS.get(status))
            for name, value in {**headers, "Date": formatdate(usegmt=True), "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out on the slow page): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def _wants_gzip(accept_encoding: str) -> bool:
    """True if the client lists gzip without `q=0`."""
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def serve(
    site: str | SiteSpec | Site | Mapping[str, Page] = "demo", /, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> SiteServer:
    """Serve a preset (built for the server's real address: its links embed the port), a built site or a page map.
    The server is running; stop it with `stop()` or use it as a context manager."""
    server = SiteServer(host, port)
    try:
        if isinstance(site, str | SiteSpec):
            server.site = build_site(server.base_url, site, **options)
        elif isinstance(site, Site):
            server.site = site
        else:
            server.pages = site
    except BaseException:
        server.server_close()
        raise
    return server.start()


def serve_site(host: str = "127.0.0.1", port: int = 0, **options: Any) -> SiteServer:
    """Serve the demo site (what `newsarchive demo` crawls)."""
    return serve("demo", host=host, port=port, **options)


@dataclass(eq=False, repr=False)
class NetworkServers:
    """One running server per site of a network; a context manager that stops them all."""

    servers: list[SiteServer]
    network: Network

    def __enter__(self) -> NetworkServers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for server in self.servers:
            server.stop()


def serve_network(count: int, preset: str | SiteSpec = "regional", **options: Any) -> NetworkServers:
    """Serve `count` sites that reprint each other, each on its own port."""
    servers = [SiteServer() for _ in range(count)]
    network = build_network([s.base_url for s in servers], preset, **options)
    for server, site in zip(servers, network.sites, strict=True):
        server.site = site
        server.start()
    return NetworkServers(servers, network)


def _option(text: str) -> tuple[str, Any]:
    """`name=value` with a TOML value (`extra=2`, `aliases=["tracking"]`, `traps=true`); bare strings allowed."""
    name, _, value = text.partition("=")
    try:
        return name.strip(), tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return name.strip(), value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a generated news site on loopback.")
    parser.add_argument("--preset", default="demo", help="demo, crawl, regional or benchmark (data/presets/)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("-o", "--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a site option, e.g. -o n_articles=5000 -o traps=true (repeatable)")
    parser.add_argument("--prerender", action="store_true", help="render and compress every page before serving")
    parser.add_argument("--cpu", type=int, help="pin this process to one CPU (benchmarks)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        server = serve(args.preset, host=args.host, port=args.port, **dict(map(_option, args.option)))
    except (TypeError, ValueError, OSError) as exc:
        sys.exit(f"crawler.demo: {exc}")
    if args.prerender and server.site is not None:
        for page in server.site.pages.values():
            page.gzipped()
    server.log_requests(args.verbose)
    print(f"URL {server.base_url}", flush=True)
    print(f"PAGES {len(server.pages)}", flush=True)  # what a complete crawl fetches (benchmarks/crawl.py)
    print(f"{args.preset} site on {server.base_url}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
