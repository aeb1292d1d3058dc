"""Turn a stored capture (or a freshly fetched page) into a test fixture in the project's saved-page format.

    <dir>/body.bin       the body byte-exact as received (GBK stays GBK)
    <dir>/headers.json   the response headers
    <dir>/meta.json      {"url", "fetched_at", "status"} — fetched_at with its offset, the "now" of relative dates
    <dir>/expected.json  the current extraction, every key tests/fixture_pages.py expects (review before committing)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crawler.extract.encoding import header_charset
from crawler.extract.types import Extracted
from crawler.fields import FIXTURE_KEYS
from crawler.items import CaptureData
from crawler.offline.reextract import extract_capture, profile_for
from crawler.sites import SiteProfile
from storage.models import Article, Capture
from storage.query import find_article

#: the keys of expected.json: the fixture fields of crawler.fields (tests/fixture_pages.py reads the same)
EXPECTED_KEYS = FIXTURE_KEYS


def expected_json(extracted: Extracted) -> dict[str, Any]:
    data = extracted.to_json()
    return {key: data[key] for key in EXPECTED_KEYS}


def write_fixture(directory: Path, response: CaptureData, expected: dict[str, Any]) -> Path:
    """Write one response (as received, at its final URL) and its expected extraction as a fixture directory."""
    if response.fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be aware: relative dates in the page resolve against it")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "body.bin").write_bytes(response.body)

    def dump(name: str, obj: Any) -> None:
        (directory / name).write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    meta = {"url": response.final_url, "fetched_at": response.fetched_at.isoformat(), "status": response.status}
    dump("headers.json", dict(response.headers))
    dump("meta.json", meta)
    dump("expected.json", expected)
    return directory


def fixture_from_response(directory: Path, response: CaptureData, profile: SiteProfile | None = None) -> Path:
    """A fixture from one response, with the current extraction as its expected answer."""
    declared = header_charset(response.headers)
    extracted = extract_capture(response.body, response.final_url, response.fetched_at, declared, profile)
    return write_fixture(directory, response, expected_json(extracted))


def find_capture(session: Session, url_or_id: str) -> Capture | None:
    """A capture by `capture:N`, an article id (its latest first-page capture) or a URL (the latest fetch of it)."""
    if url_or_id.startswith("capture:"):
        return session.get(Capture, int(url_or_id.removeprefix("capture:")))
    if url_or_id.isdigit():
        article_id: int | None = int(url_or_id)
    else:
        direct = session.scalars(
            select(Capture)
            .where(or_(Capture.final_url == url_or_id, Capture.url == url_or_id))
            .order_by(Capture.fetched_at.desc(), Capture.id.desc())
            .limit(1)
        ).first()
        if direct is not None:
            return direct
        found = find_article(session, [url_or_id])
        article_id = found.id if found else None
    if article_id is None or session.get(Article, article_id) is None:
        return None
    return session.scalars(
        select(Capture)
        .where(Capture.article_id == article_id, Capture.page_no == 1)
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()


def save_fixture(session: Session, url_or_id: str, directory: Path) -> Path:
    """Write a stored capture as a fixture; raises LookupError when nothing matches."""
    capture = find_capture(session, url_or_id)
    if capture is None:
        raise LookupError(f"no capture for {url_or_id!r}")
    response = CaptureData(
        url=capture.url,
        final_url=capture.final_url,
        status=capture.status,
        headers=dict(capture.headers),
        body=capture.body,
        fetched_at=capture.fetched_at,
    )
    return fixture_from_response(directory, response, profile_for(capture.site))
