"""Build a generated site (or a network of sites that reprint each other) and its ground truth as plain data.

    site = build_site("http://127.0.0.1:8000")                       # the demo site
    site = build_site(base, "crawl", extra=2)                         # the crawl tests' site, 2 newer articles
    site = build_site(base, "regional", n_articles=5000, aliases=["tracking", "dynamic"], multipage=0.1)
    net = build_network([base1, base2], "regional", syndicated=20, boilerplate=2)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from crawler.demo.generate import generate
from crawler.demo.model import Article, Pages, SiteModel
from crawler.demo.render import render_site
from crawler.demo.spec import ENCODINGS, SiteSpec, load_spec
from crawler.demo.stories import WORDING

__all__ = ["Network", "Site", "build_network", "build_site", "expected_articles"]


@dataclass(eq=False, repr=False)
class Site:
    """A generated site: its page map and what a correct crawl of it finds (all URLs absolute)."""

    base_url: str
    model: SiteModel
    pages: Pages
    #: page 1 of every article a complete crawl stores, exactly once each
    articles: set[str]
    #: list page paths of each column, in page order; article URLs of each column, newest first
    lists: dict[str, list[str]]
    column_articles: dict[str, list[str]]
    #: pages a crawl must never store as articles (errors, challenges, soft 404, traps, robots-disallowed)
    never: set[str]
    #: pages 2… of multi-page articles
    continuation: set[str]
    #: per article, in generation order: every field a correct extractor returns for it
    expected_articles: list[dict[str, Any]]
    #: alias URL → the publication's canonical URL (share parameters, dynamic twin, print view, https)
    aliases: dict[str, str]
    #: hostile kind → the URLs that carry it
    hostile: dict[str, list[str]]
    stories: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Site({self.base_url!r}, {len(self.articles)} articles, {len(self.pages)} pages)"


@dataclass(eq=False, repr=False)
class Network:
    """Several sites generated together, whose syndicated copies cross from one to another."""

    sites: list[Site]
    stories: list[dict[str, Any]]

    @property
    def expected_articles(self) -> list[dict[str, Any]]:
        return [a for s in self.sites for a in s.expected_articles]


def build_site(base_url: str, preset: str | SiteSpec = "demo", **options: Any) -> Site:
    """Every page of a generated site for a server reachable at `base_url` (e.g. ``http://127.0.0.1:8000``)."""
    return build_network([base_url], preset, **options).sites[0]


def build_network(base_urls: list[str], preset: str | SiteSpec = "regional", **options: Any) -> Network:
    """Sites at `base_urls`: the first is the preset, the others its namesakes with their own names and seeds."""
    spec = load_spec(preset, **options)
    names = [spec.name, *WORDING["reprint_sites"]]
    specs = [dataclasses.replace(spec, name=names[k], seed=spec.seed + k) if k else spec for k in range(len(base_urls))]
    models = generate(specs, base_urls)
    sites = [_site(model) for model in models]
    stories = _stories([a for m in models for a in m.articles if a.expected])
    for site in sites:
        site.stories = [s for s in stories if any(u.startswith(site.base_url + "/") for u in s["members"])]
    return Network(sites, stories)


def expected_articles(base_url: str, preset: str | SiteSpec = "demo", **options: Any) -> list[dict[str, Any]]:
    """Ground truth per article of `build_site(base_url, preset, **options)`, in generation order."""
    return build_site(base_url, preset, **options).expected_articles


def _site(model: SiteModel) -> Site:
    url = model.url
    expected = [a for a in model.articles if a.expected]
    return Site(
        base_url=model.base,
        model=model,
        pages=render_site(model),
        articles={url(a.path) for a in expected},
        lists={c.key: c.list_paths(model.spec.page_size) for c in model.columns},
        column_articles={
            c.key: [url(a.path) for a in sorted(c.articles, key=lambda a: a.published, reverse=True)]
            for c in model.columns
        },
        never={url(r.path) for r in model.resources if r.kind != "page"}
        | {url(a.path) for a in model.articles if not a.expected},
        continuation={url(p) for a in expected for p in a.pages[1:]},
        expected_articles=[truth(model, a) for a in expected],
        aliases={url(alias.target): url(a.path) for a in expected for alias in a.aliases},
        hostile=model.extra.get("hostile", {}),
    )


def truth(model: SiteModel, a: Article) -> dict[str, Any]:
    """What a correct extractor returns for one article (and which story it belongs to)."""
    url = model.url
    return {
        "url": url(a.path),
        "canonical_url": url(a.path),
        "site": model.name,
        "family": a.family,
        "column": a.column.name if a.column else None,
        "title": a.title,
        "published": a.published.isoformat(),
        "source": a.source,
        "author": a.authors,
        "contributors": [{"name": name, "role": role} for name, role in a.contributors],
        "editor": a.editors,
        "tags": a.tags,
        "paragraphs": a.paragraphs,
        "body": "\n".join(a.paragraphs),
        "images": [{"src": url(f.src), "caption": f.caption} for f in a.figures],
        "page_urls": [url(p) for p in a.pages],
        "next_pages": [url(p) for p in a.pages[1:]],
        "charset": ENCODINGS[a.encoding]["codec"],
        "aliases": [url(alias.target) for alias in a.aliases],
        "story": a.story,
        "original": a.original.story if a.original else None,
        "edits": a.edits,
        "hostile": a.hostile or None,
    }


def _stories(articles: list[Article]) -> list[dict[str, Any]]:
    """One entry per story: its members (URLs, oldest first) and the original (the earliest published copy)."""
    groups: dict[str, list[Article]] = {}
    for a in articles:
        groups.setdefault(a.story, []).append(a)
    out = []
    for story, members in groups.items():
        members.sort(key=lambda a: a.published)
        urls = [a.url for a in members]
        out.append({"story": story, "original": urls[0], "members": urls,
                    "copies": {a.url: a.edits for a in members[1:]}})
    return out


