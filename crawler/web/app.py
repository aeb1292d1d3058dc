"""`newsarchive serve`: the Starlette application (routes, guard, templates) and the server that runs it.

The server is read-only in every layer: it answers GET and HEAD only (405 for anything else), its database
engine cannot write (crawler.web.data), and it listens on 127.0.0.1 unless told otherwise. Pages carry a
Content-Security-Policy without scripts; archived pages are served from their own path under `sandbox`.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.web import api, downloads, pages
from crawler.web.data import DATABASE_ERRORS, Archive, ArchiveUnavailable, open_archive, unavailable_message
from crawler.web.text import paragraphs, role_label, segments

SAFE_METHODS = frozenset({"GET", "HEAD"})
#: Host headers a loopback server answers; others are refused, so a DNS-rebinding page cannot read the archive
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
#: the app's own pages: its stylesheet and same-origin frames (the sandboxed capture), nothing else, no scripts
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
STATIC_DIR = Path(__file__).parent / "static"


class ReadOnlyGuard:
    """Refuse every method but GET/HEAD; give every response the security headers and its server time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS:
            refuse = PlainTextResponse("this archive is read-only: GET and HEAD only\n", status_code=405,
                                       headers={"Allow": "GET, HEAD", **SECURITY_HEADERS})
            await refuse(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:  # a route's own policy (the sandboxed capture) wins
                        headers[name] = value
                headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- templates ---------------------------------------------------------------------------------------------
def _when(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO 8601 time from the archive as people read it, with its UTC offset."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    offset = moment.strftime("%z")
    return f"{moment.strftime(fmt)} {offset[:3]}:{offset[3:]}" if offset else moment.strftime(fmt)


def _href(url: Any) -> str | None:
    """The URL if a link to it is safe to show (http/https or a path of this app), else None."""
    if not isinstance(url, str):
        return None
    lowered = url.strip().lower()
    if lowered.startswith(("http://", "https://")) or (lowered.startswith("/") and not lowered.startswith("//")):
        return url.strip()
    return None


def _size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB" if n < 1024**2 else f"{n / 1024**2:.1f} MiB"


def _lag(seconds: float | None) -> str:
    """How long after the original a copy appeared: "+3 h 20 min", "+2 d 4 h", "same time"."""
    if seconds is None:
        return ""
    if abs(seconds) < 60:
        return "same time"
    sign = "+" if seconds > 0 else "−"
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{mins} min"] if mins and not days else []
    return sign + " ".join(parts)


def make_templates() -> Jinja2Templates:
    env = Environment(loader=PackageLoader("crawler.web", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, href=_href, size=_size, lag=_lag, segments=segments, paragraphs=paragraphs,
                       role=role_label)
    return Jinja2Templates(env=env)


# -- errors ------------------------------------------------------------------------------------------------
def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def error_page(request: Request, exc: Exception) -> Response:
    """A refused request, a database that went away (503) or a bug (500): one line, as a page or as JSON."""
    if isinstance(exc, HTTPException):
        status, message = exc.status_code, exc.detail
    elif isinstance(exc, DATABASE_ERRORS):
        status, message = 503, unavailable_message(exc)
    else:
        status, message = 500, f"the page could not be made ({type(exc).__name__}); the archive is unchanged"
    if _is_api(request):
        return api.error(status, message)
    return pages.render(request, "error.html", {"status": status, "message": message}, status_code=status)


# -- the application ---------------------------------------------------------------------------------------
PAGES = [
    Route("/", pages.search_page),
    Route("/articles/{id:int}", pages.article_page),
    Route("/stories/{id:int}", pages.story_page),
    Route("/captures/{id:int}", pages.capture_page),
    Route("/sites", pages.sites_page),
]
FILES = [
    Route("/export.{fmt:str}", downloads.export),
    Route("/raw/captures/{id:int}", downloads.raw_capture),
    Route("/articles/{id:int}/warc", downloads.article_warc),
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]
API = Mount("/api", routes=[
    Route("/search", api.search),
    Route("/articles/{id:int}", api.article),
    Route("/stories/{id:int}", api.story),
    Route("/captures/{id:int}", api.capture),
    Route("/sites", api.sites),
])


def create_app(archive: Archive | str | None = None, *, allowed_hosts: Sequence[str] = LOOPBACK_NAMES) -> Starlette:
    """The web view of an archive (an Archive, or a URL to open read-only; default $ARCHIVE_DB_URL)."""
    if not isinstance(archive, Archive):
        archive = open_archive(archive)
    handlers: dict[Any, Any] = {error: error_page for error in (HTTPException, Exception, *DATABASE_ERRORS)}
    app = Starlette(
        routes=[*PAGES, *FILES, API],
        middleware=[Middleware(ReadOnlyGuard), Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))],
        exception_handlers=handlers,
    )
    app.state.archive = archive
    app.state.templates = make_templates()
    return app


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host == "::1"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def serve(url: str | None = None, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run the web view until Ctrl-C; returns the exit code (1 with a one-line message when it cannot start)."""
    try:
        archive = open_archive(url)
    except ArchiveUnavailable as exc:
        print(f"newsarchive: {exc}", file=sys.stderr)
        return 1
    try:
        sock = _listen(host, port)
    except OSError as exc:
        archive.dispose()
        print(f"newsarchive: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    bound = sock.getsockname()[1]
    app = create_app(archive, allowed_hosts=LOOPBACK_NAMES if _is_loopback(host) else ["*"])
    shown_host = f"[{host}]" if ":" in host else host
    print(f"serving {archive.shown_url} read-only on http://{shown_host}:{bound}/ (Ctrl-C stops)", flush=True)
    if not _is_loopback(host):
        print(f"newsarchive: warning: listening on {host}: anyone who reaches this machine can read the archive",
              file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, proxy_headers=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        archive.dispose()
    return 0
