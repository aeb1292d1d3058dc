"""Turn a stored capture (or a freshly fetched page) into a test fixture in the project's saved-page format.

    <dir>/body.bin       the body byte-exact as received (GBK stays GBK)
    <dir>/headers.json   the response headers
    <dir>/meta.json      {"url", "fetched_at", "status"} — fetched_at with its offset, the "now" of relative dates
    <dir>/expected.json  the current extraction, every key tests/fixture_pages.py expects (review before committing)

A multi-page article is saved page by page: page 1 in <dir>, page n in the sibling <dir>-p<n>, each a case of its
own (a case is one response). An existing fixture is never overwritten unless asked (`force`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crawler.extract.encoding import header_charset
from crawler.extract.types import Extracted
from crawler.fields import FIXTURE_KEYS, FIXTURE_LINK_KINDS
from crawler.items import CaptureData
from crawler.offline.reextract import extract_capture, profile_for
from crawler.sites import SiteProfile
from storage.models import Article, Capture
from storage.query import find_article

#: the keys of expected.json: the fixture fields of crawler.fields (tests/fixture_pages.py reads the same)
EXPECTED_KEYS = FIXTURE_KEYS


class FixtureExists(FileExistsError):
    """The fixture directory already holds a saved page: overwriting a reviewed expected.json needs `force`."""


def expected_json(extracted: Extracted) -> dict[str, Any]:
    """The extraction as a fixture labels it: the fixture keys, and only the link kinds fixtures label."""
    data = extracted.to_json()
    out = {key: data[key] for key in EXPECTED_KEYS}
    if "links" in out:
        out["links"] = [link for link in out["links"] if link["kind"] in FIXTURE_LINK_KINDS]
    return out


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


def article_pages(session: Session, capture: Capture) -> list[Capture]:
    """The capture and, when it is page 1 of a multi-page article, the pages fetched with it (page order).

    A page n belongs to the same fetch as page 1 when it is the latest capture of page n at or after page 1's.
    """
    if capture.article_id is None or capture.page_no != 1:
        return [capture]
    later = session.scalars(
        select(Capture)
        .where(Capture.article_id == capture.article_id, Capture.page_no > 1, Capture.fetched_at >= capture.fetched_at)
        .order_by(Capture.page_no, Capture.fetched_at, Capture.id)
    ).all()
    pages: dict[int, Capture] = {}
    for cap in later:
        pages.setdefault(cap.page_no, cap)  # the first fetch of page n after page 1: the same crawl's
    return [capture, *(pages[n] for n in sorted(pages))]


def page_dirs(directory: Path, count: int) -> list[Path]:
    """Where each page of a saved article goes: page 1 in `directory`, page n in its sibling `<name>-p<n>`."""
    return [directory, *(directory.with_name(f"{directory.name}-p{n}") for n in range(2, count + 1))]


def save_fixture(session: Session, url_or_id: str, directory: Path, force: bool = False) -> list[Path]:
    """Write a stored capture (every page of its article) as fixtures; returns the directories written.

    Raises LookupError when nothing matches and FixtureExists when a directory already holds a fixture and
    `force` is not given (nothing is written then).
    """
    capture = find_capture(session, url_or_id)
    if capture is None:
        raise LookupError(f"no capture for {url_or_id!r}")
    pages = article_pages(session, capture)
    dirs = page_dirs(directory, len(pages))
    taken = [d for d in dirs if (d / "expected.json").exists() or (d / "body.bin").exists()]
    if taken and not force:
        raise FixtureExists(f"{taken[0]} already holds a fixture (use --force to overwrite it)")
    profile = profile_for(capture.site)
    for cap, out in zip(pages, dirs, strict=True):
        response = CaptureData(
            url=cap.url,
            final_url=cap.final_url,
            status=cap.status,
            headers=dict(cap.headers),
            body=cap.body,
            fetched_at=cap.fetched_at,
        )
        fixture_from_response(out, response, profile)
    return dirs
