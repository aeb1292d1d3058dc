"""The JSON API: the data of each page, as JSON (`/api/search`, `/api/articles/{id}`, `/api/stories/{id}`, …).

JSON is served with `<`, `>` and `&` written as \\u escapes, so even a client that wrongly renders it as HTML
meets no markup from an archived page; parsed, the strings are exactly what the archive holds.
"""

from __future__ import annotations

import json
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


def article(request: Request) -> Response:
    found = views.article(request.app.state.archive, _id(request))
    if found is None:
        return error(404, f"no article {_id(request)}")
    return SafeJSONResponse(found)


def story(request: Request) -> Response:
    found = views.story(request.app.state.archive, _id(request))
    if found is None:
        return error(404, f"no story {_id(request)}")
    diffs = found.pop("diffs")
    for copy in found["copies"]:
        if copy["id"] in diffs:
            copy["diff_against_original"] = asdict(diffs[copy["id"]])
    found["copied_from"] = {str(k): v for k, v in found["copied_from"].items()}
    return SafeJSONResponse(found)


def capture(request: Request) -> Response:
    found = views.capture(request.app.state.archive, _id(request))
    if found is None:
        return error(404, f"no capture {_id(request)}")
    return SafeJSONResponse(found)


def sites(request: Request) -> Response:
    return SafeJSONResponse(views.sites(request.app.state.archive))
