"""What each page shows, as data: the HTML pages render it, the JSON API returns it (the same figures in both).

Each function takes the archive and the request's parameters and returns plain data (or None for a missing
article/story), reading only through crawler.web.data.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.web import data
from crawler.web.diff import TextDiff, inline, text_diff, version_changes
from crawler.web.params import SearchRequest, parse
from crawler.web.text import snippet


@dataclass
class SearchView:
    request: SearchRequest
    terms: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    facets: data.Facets = field(default_factory=data.Facets)
    notes: tuple[str, ...] = ()
    folded: dict[int, int] = field(default_factory=dict)
    #: how many results paging can reach when a search bound left matches out (storage.query.SearchPage)
    reachable: int | None = None

    @property
    def has_next(self) -> bool:
        """A next page has results: the facets' total counts every match, but a bounded search reaches fewer."""
        end = self.facets.total if self.reachable is None else min(self.facets.total, self.reachable)
        return self.request.offset + len(self.rows) < end

    def to_json(self) -> dict[str, Any]:
        f = self.facets
        return {
            "query": self.request.params,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "total": f.total,
            "reachable": self.reachable,
            "notes": list(self.notes),
            "results": [{**row, "folded_copies": self.folded.get(row["story_id"], 0)} if self.request.filters.collapse
                        else row for row in self.rows],
            "facets": {"site": f.site, "source": f.source, "column": f.column, "month": f.month,
                       "missing": f.missing},
        }


#: facet counts run beside the result page's query, each in its own read-only session: the page waits for the
#: slower of the two rather than their sum (SQLite and psycopg release the GIL while a query runs)
_FACETS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="newsarchive-facets")


def _facets(archive: data.Archive, filters: data.Filters) -> data.Facets:
    with archive.session() as session:
        return data.facets(session, filters)


def search(archive: data.Archive, params: Mapping[str, str]) -> SearchView:
    """Run the search the parameters describe; raises params.BadRequest or data.QuerySyntaxError."""
    request = parse(params)
    terms = data.search_terms(request.filters.text)
    facets = _FACETS.submit(_facets, archive, request.filters)
    try:
        with archive.session() as session:
            page = data.result_page(session, request.filters, limit=request.per_page, offset=request.offset)
    finally:
        counted = facets.result()
    rows = [{**row, "snippet": snippet(body, terms)} for row, body in zip(page.rows, page.bodies, strict=True)]
    return SearchView(request, terms, rows, counted, page.notes, page.folded, page.reachable)


def article(archive: data.Archive, article_id: int) -> dict[str, Any] | None:
    with archive.session() as session:
        return data.article(session, article_id)


def version_diffs(article_data: dict[str, Any]) -> list[Any]:
    """Per version, the changes from the one before (the page shows them; the API has the raw fields)."""
    return version_changes(article_data["versions"])


def _when(copy: dict[str, Any]) -> datetime | None:
    value = copy.get("published") or copy.get("fetched_at")
    return datetime.fromisoformat(value) if value else None


#: the fields a copy's row names when they differ from the copy it was taken from (the body has its own diff, the
#: publication time its own column)
COPY_FIELDS = ("title", "subtitle", "source", "author", "contributors", "editor", "column", "tags")


def story(archive: data.Archive, story_id: int) -> dict[str, Any] | None:
    """The story with who published first (not always the original: a copy's clock may run early), and for each
    copy how long after the original it appeared and what it changed against the copy it was taken from
    (`copied_from`: the earlier copy it copies most closely, by the reprint graph)."""
    with archive.session() as session:
        found = data.story(session, story_id)
    if found is None:
        return None
    copies = {c["id"]: c for c in found["copies"]}
    original = copies.get(found["original_article_id"])
    first = _when(original) if original else None
    dated = [c for c in found["copies"] if _when(c)]
    found["first_published_id"] = min(dated, key=lambda c: (_when(c), c["id"]))["id"] if dated else None
    diffs: dict[int, TextDiff] = {}
    for copy in found["copies"]:
        when = _when(copy)
        copy["after_original_seconds"] = (when - first).total_seconds() if when and first else None
        parent = copies.get(found["copied_from"].get(copy["id"]))
        if parent is not None and parent is not copy:
            diffs[copy["id"]] = text_diff(parent["body"], copy["body"])
            copy["similarity"] = round(diffs[copy["id"]].similarity, 3)
            copy["title_changes"] = inline(parent["title"], copy["title"]) if parent["title"] != copy["title"] else []
            copy["changed_fields"] = [name for name in COPY_FIELDS if parent.get(name) != copy.get(name)]
    found["diffs"] = diffs
    return found


def sites(archive: data.Archive) -> dict[str, Any]:
    with archive.session() as session:
        return data.sites(session)


def capture(archive: data.Archive, capture_id: int) -> dict[str, Any] | None:
    with archive.session() as session:
        return data.capture(session, capture_id)
