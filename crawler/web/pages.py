"""The HTML pages: search, article, story, capture, sites. Each renders a template from crawler.web.views data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from crawler.web import charts, views
from crawler.web.data import QuerySyntaxError, search_terms
from crawler.web.params import FILTER_KINDS, LABELS, BadRequest, month_range, parse


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def search_page(request: Request) -> Response:
    params = dict(request.query_params)
    context: dict[str, Any] = {"filter_kinds": FILTER_KINDS, "labels": LABELS, "month_range": month_range}
    try:
        view = views.search(request.app.state.archive, params)
    except (BadRequest, QuerySyntaxError) as exc:
        try:
            shown = parse({k: v for k, v in params.items() if k in ("q", "sort")})
        except (BadRequest, QuerySyntaxError):
            shown = parse({})
        context.update(view=views.SearchView(shown, []), error=str(exc))
        return render(request, "search.html", context, status_code=400)
    context.update(view=view, error=None)
    return render(request, "search.html", context)


def _id(request: Request, name: str = "id") -> int:
    return int(request.path_params[name])


def _highlight_terms(request: Request) -> list[str]:
    """Words of the search the reader came from (?q=), to mark in the article; unreadable text marks nothing."""
    try:
        return search_terms(request.query_params.get("q"))
    except QuerySyntaxError:
        return []


def article_page(request: Request) -> Response:
    found = views.article(request.app.state.archive, _id(request))
    if found is None:
        raise HTTPException(404, f"no article {_id(request)} in this archive")
    context = {"a": found, "changes": views.version_diffs(found), "terms": _highlight_terms(request)}
    return render(request, "article.html", context)


def _timeline(story: dict[str, Any]) -> charts.Chart:
    events = []
    for copy in story["copies"]:
        when = copy.get("published") or copy.get("fetched_at")
        if when:
            moment = datetime.fromisoformat(when)
            label = f"{copy['site']} {moment:%m-%d %H:%M}"
            events.append((moment, label, copy["id"] == story["original_article_id"]))
    return charts.timeline(events, "copies of the story by publication time")


def story_page(request: Request) -> Response:
    found = views.story(request.app.state.archive, _id(request))
    if found is None:
        raise HTTPException(404, f"no story {_id(request)} in this archive")
    return render(request, "story.html", {"s": found, "timeline": _timeline(found)})


def capture_page(request: Request) -> Response:
    found = views.capture(request.app.state.archive, _id(request))
    if found is None:
        raise HTTPException(404, f"no capture {_id(request)} in this archive")
    return render(request, "capture.html", {"c": found})


def _site_charts(site: dict[str, Any], fields: list[str]) -> dict[str, charts.Chart]:
    weeks = site["coverage_by_week"]
    return {
        "per_day": charts.columns([(d["date"], d["articles"]) for d in site["activity"]["per_day"]],
                                  "articles published per day"),
        "coverage": charts.lines(
            [w["week"] for w in weeks], {f: [w["shares"][f] for w in weeks] for f in fields},
            "share of articles with each field, by week fetched",
        ),
        "dropped": charts.hbars(site["dropped"], "pages dropped, by reason"),
        "http_errors": charts.hbars(site["http_errors"], "HTTP errors, by status"),
    }


def sites_page(request: Request) -> Response:
    health = views.sites(request.app.state.archive)
    site_charts = {s["site"]: _site_charts(s, health["fields"]) for s in health["sites"]}
    return render(request, "sites.html", {"h": health, "charts": site_charts})
