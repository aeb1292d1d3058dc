"""The JSON API: the data of each page, as JSON (`/api/search`, `/api/articles/{id}`, `/api/stories/{id}`, …).

JSON is served with `<`, `>` and `&` written as \\u escapes, so even a client that wrongly renders it as HTML
meets no markup from an archived page; parsed, the strings are exactly what the archive holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from crawler.web import views
from crawler.web.data import QuerySyntaxError
from crawler.web.params import BadRequest

_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.translate(_ESCAPES).encode("utf-8")


def error(status: int, message: str) -> Response:
    return SafeJSONResponse({"error": message}, status_code=status)


def _id(request: Request) -> int:
    return int(request.path_params["id"])


def search(request: Request) -> Response:
    try:
        view = views.search(request.app.state.archive, dict(request.query_params))
    except (BadRequest, QuerySyntaxError) as exc:
        return error(400, str(exc))
    return SafeJSONResponse(view.to_json())


def _one(request: Request, what: str, fetch: Callable[[Any, int], dict[str, Any] | None],
         shape: Callable[[dict[str, Any]], dict[str, Any]] = lambda found: found) -> Response:
    """One article, story or capture by the id in the path, or a JSON 404."""
    found = fetch(request.app.state.archive, _id(request))
    if found is None:
        return error(404, f"no {what} {_id(request)}")
    return SafeJSONResponse(shape(found))


def _story_json(found: dict[str, Any]) -> dict[str, Any]:
    """Diffs as plain data inside each copy; JSON object keys are strings."""
    diffs = found.pop("diffs")
    for copy in found["copies"]:
        if copy["id"] in diffs:
            copy["diff"] = asdict(diffs[copy["id"]])  # against copied_from
    found["copied_from"] = {str(k): v for k, v in found["copied_from"].items()}
    return found


def article(request: Request) -> Response:
    return _one(request, "article", views.article)


def story(request: Request) -> Response:
    return _one(request, "story", views.story, _story_json)


def capture(request: Request) -> Response:
    return _one(request, "capture", views.capture)


def sites(request: Request) -> Response:
    return SafeJSONResponse(views.sites(request.app.state.archive))
