"""The one site generator: the offline demo site, the crawl tests' sites and the benchmarks' sites.

Sites are data (presets in data/presets/, CMS families in data/families.toml, story material in
data/stories.toml) rendered through Jinja2 templates (templates/<family>/), with their ground truth.

    from crawler.demo import build_site, serve
    site = build_site("http://127.0.0.1:8000", "regional", n_articles=2000, multipage=0.1)
    site.expected_articles, site.stories, site.aliases       # what a correct crawl finds
    with serve("crawl") as server: ...                        # server.base_url, server.hits, server.site
"""

from crawler.demo.model import Article, Column, Figure, Page, Pages, SiteModel, lookup, page_key
from crawler.demo.server import NetworkServers, SiteServer, serve, serve_network, serve_site
from crawler.demo.site import Network, Site, build_network, build_site, expected_articles
from crawler.demo.spec import Resource, SiteSpec, load_spec

__all__ = [
    "Article", "Column", "Figure", "Network", "NetworkServers", "Page", "Pages", "Resource", "Site", "SiteModel",
    "SiteServer", "SiteSpec", "build_network", "build_site", "expected_articles", "load_spec", "lookup", "page_key",
    "serve", "serve_network", "serve_site",
]
