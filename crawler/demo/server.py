"""Serve the demo site over loopback HTTP so crawls and tests run without the internet.

python -m crawler.demo.server --port 8000 [--traps --print-view --error-page --slow 3 --challenge]
"""

from __future__ import annotations

import argparse
import gzip
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from crawler.demo.site import NOT_FOUND_PATH, Page, build_site, lookup

__all__ = ["DemoServer", "serve", "serve_site"]

FALLBACK_404 = Page(404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404 Not Found</h1></body>")
REASONS = {521: "Web Server Is Down"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    pages: Mapping[str, Page]
    verbose = False


class _Handler(BaseHTTPRequestHandler):
    """Answers from the page map; HTTP/1.0 so every connection closes and no socket outlives a test."""

    server: _Server

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, *, send_body: bool) -> None:
        page = lookup(self.server.pages, self.path) or _not_found(self.server.pages)
        if page.delay:
            time.sleep(page.delay)
        headers, body = dict(page.headers), page.body
        if body and _wants_gzip(self.headers.get("Accept-Encoding", "")) and _compressible(headers):
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        try:
            self.send_response(page.status, REASONS.get(page.status))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out on the slow page): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def _not_found(pages: Mapping[str, Page]) -> Page:
    try:
        return pages[NOT_FOUND_PATH]
    except KeyError:
        return FALLBACK_404


def _wants_gzip(accept_encoding: str) -> bool:
    """True if the client lists gzip without `q=0`."""
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _compressible(headers: Mapping[str, str]) -> bool:
    return not headers.get("Content-Type", "").startswith("image/")


class DemoServer:
    """A running server in a background thread; use as a context manager or call `stop()`."""

    def __init__(self, httpd: _Server) -> None:
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.base_url = f"http://{shown}:{port}"
        self._thread = threading.Thread(target=httpd.serve_forever, name=f"demo-site:{port}", daemon=True)

    @property
    def pages(self) -> Mapping[str, Page]:
        return self._httpd.pages

    @pages.setter
    def pages(self, pages: Mapping[str, Page]) -> None:
        self._httpd.pages = pages

    def log_requests(self, enabled: bool = True) -> None:
        """Print one line per request to stderr (off by default to keep test output clean)."""
        self._httpd.verbose = enabled

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket; safe to call twice."""
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join()
        self._httpd.server_close()

    def wait(self) -> None:
        """Block until the server stops (used by the command line entry)."""
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _bind(host: str, port: int) -> _Server:
    httpd = _Server((host, port), _Handler)
    httpd.pages = {}
    return httpd


def serve(pages: Mapping[str, Page], host: str = "127.0.0.1", port: int = 0) -> DemoServer:
    """Serve a ready page map (port 0 = any free port); the caller must `stop()` it."""
    server = DemoServer(_bind(host, port))
    server.pages = pages
    return server.start()


def serve_site(host: str = "127.0.0.1", port: int = 0, **options: Any) -> DemoServer:
    """Bind first, then build the site for the real base URL (its links embed the port), then serve."""
    httpd = _bind(host, port)
    server = DemoServer(httpd)
    try:
        server.pages = build_site(server.base_url, **options)
    except BaseException:
        httpd.server_close()
        raise
    return server.start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the offline demo news site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed", type=int, help="vary the generated articles")
    parser.add_argument("--traps", action="store_true", help="link endless calendar/search pages")
    parser.add_argument("--print-view", action="store_true", help="add ?print=1 duplicates of articles")
    parser.add_argument("--error-page", action="store_true", help="link a page answering 500")
    parser.add_argument("--slow", type=float, default=0.0, metavar="SECONDS", help="link a page this slow")
    parser.add_argument("--challenge", action="store_true", help="link a 521 JavaScript cookie-wall page")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    options = {
        "traps": args.traps,
        "print_view": args.print_view,
        "error_page": args.error_page,
        "slow": args.slow,
        "challenge": args.challenge,
    }
    if args.seed is not None:
        options["seed"] = args.seed
    server = serve_site(args.host, args.port, **options)
    server.log_requests(args.verbose)
    print(f"demo site on {server.base_url}/ (Ctrl-C to stop)", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
