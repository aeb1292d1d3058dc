"""An offline demo news site (four CMS families, invented stories) with ground truth, for crawl/extract tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.demo.site import Page, Site, SiteOptions, build_site, expected_articles, lookup, page_key

if TYPE_CHECKING:
    from crawler.demo.server import DemoServer, serve, serve_site

__all__ = [
    "DemoServer",
    "Page",
    "Site",
    "SiteOptions",
    "build_site",
    "expected_articles",
    "lookup",
    "page_key",
    "serve",
    "serve_site",
]

_SERVER_NAMES = {"DemoServer", "serve", "serve_site"}


def __getattr__(name: str) -> Any:
    """Import the server lazily so `python -m crawler.demo.server` does not load it twice."""
    if name in _SERVER_NAMES:
        from crawler.demo import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
