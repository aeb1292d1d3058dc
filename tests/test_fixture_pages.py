"""Replay every saved page in tests/fixtures/pages through the extractor and compare each labelled field."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.extract import extract_article
from crawler.extract.encoding import decode_html, header_charset
from crawler.extract.types import CONTRIBUTOR_ROLES
from tests.fixture_pages import (
    CASE_FILES,
    EXPECTED_KEYS,
    LINK_KINDS,
    PAGES_DIR,
    FixtureCase,
    case_dirs,
    load_cases,
)

CASES = load_cases()
CASES_BY_ID = {c.id: c for c in CASES}


@cache
def extracted(case_id: str) -> dict[str, Any]:
    """The extractor's JSON output for one case, computed once for all of its field checks."""
    case = CASES_BY_ID[case_id]
    text, _encoding = decode_html(case.body, header_charset(case.headers))
    return extract_article(text, case.url, case.fetched_at).to_json()


def _published(value: str | None) -> str | None:
    return None if value is None else datetime.fromisoformat(value).isoformat()


def _links(value: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    rows = [(link["kind"], link["url"], link["text"]) for link in value if link["kind"] in LINK_KINDS]
    return sorted(rows)


def _body(value: str) -> str:
    return "\n".join(line.strip() for line in (value or "").strip().split("\n"))


def normalised(field: str, value: Any) -> Any:
    """The form a field is compared in: ISO dates re-serialised, links sorted, body lines stripped."""
    if field == "published":
        return _published(value)
    if field == "links":
        return _links(value or [])
    if field == "body":
        return _body(value)
    return value


@pytest.mark.parametrize("field", EXPECTED_KEYS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_replay_field(case: FixtureCase, field: str) -> None:
    got = extracted(case.id)
    assert field in got, f"{case.id}: extractor output has no {field!r} field"
    want, have = normalised(field, case.expected[field]), normalised(field, got[field])
    assert have == want, f"{case.id} [{field}]: expected {want!r}, got {have!r}"


# --- self-checks of the corpus itself (no extractor needed) ----------------------------------------------


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 16
    assert {c.id.split("/")[0] for c in CASES} >= {"phpcms", "dedecms", "trs", "jsonld", "misc"}


@pytest.mark.parametrize("path", case_dirs(), ids=lambda p: p.relative_to(PAGES_DIR).as_posix())
def test_case_dir_has_all_files(path) -> None:
    missing = [name for name in CASE_FILES if not (path / name).is_file()]
    assert not missing, f"{path.relative_to(PAGES_DIR).as_posix()}: missing {missing}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_expected_json_is_complete_and_well_typed(case: FixtureCase) -> None:
    exp = case.expected
    assert set(exp) == set(EXPECTED_KEYS), f"{case.id}: keys differ by {set(exp) ^ set(EXPECTED_KEYS)}"
    assert isinstance(exp["title"], str), f"{case.id}: title"
    assert exp["title"], f"{case.id}: title"
    assert isinstance(exp["subtitle"], str), f"{case.id}: subtitle"
    if exp["published"] is not None:
        published = datetime.fromisoformat(exp["published"])
        assert published.utcoffset() is not None, f"{case.id}: published needs an offset"
    assert exp["source"] is None or isinstance(exp["source"], str), f"{case.id}: source"
    for person in exp["contributors"]:
        assert set(person) == {"name", "role"}, f"{case.id}: contributor keys {sorted(person)}"
        assert person["name"], f"{case.id}: contributor without a name"
        assert person["role"] in CONTRIBUTOR_ROLES, f"{case.id}: contributor role {person['role']!r}"
    for key in ("author", "editor", "tags", "next_pages"):
        assert isinstance(exp[key], list), f"{case.id}: {key} must be a list"
        assert all(isinstance(v, str) and v for v in exp[key]), f"{case.id}: {key} items must be non-empty strings"
    assert isinstance(exp["body"], str), f"{case.id}: body"
    assert exp["body"].strip(), f"{case.id}: body"
    assert isinstance(exp["column"], str), f"{case.id}: column"
    assert exp["canonical_url"] is None or urlsplit(exp["canonical_url"]).scheme in ("http", "https")
    for link in exp["links"]:
        assert set(link) == {"url", "text", "kind"}, f"{case.id}: link keys {sorted(link)}"
        assert link["kind"] in LINK_KINDS, f"{case.id}: link kind {link['kind']!r}"
        assert urlsplit(link["url"]).scheme in ("http", "https"), f"{case.id}: link url not absolute: {link['url']}"
    assert urlsplit(case.url).scheme in ("http", "https"), f"{case.id}: meta.json url"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_expected_text_occurs_in_page(case: FixtureCase) -> None:
    """Guards against typos in expected.json: every labelled string is printed somewhere on the page."""
    text = _page_text(case)
    exp = case.expected
    strings = [exp["title"], exp["subtitle"], exp["source"] or "", *exp["author"], *exp["editor"], *exp["tags"]]
    strings += [person["name"] for person in exp["contributors"]]
    strings += exp["body"].split("\n")
    strings += [link["text"] for link in exp["links"]]
    missing = [s for s in strings if s and s not in text]
    assert not missing, f"{case.id}: not found in the decoded page: {missing}"


def _page_text(case: FixtureCase) -> str:
    """The page as text: UTF-8 when it decodes as such, else GB18030 (the corpus holds no other encodings).

    A page mixing both (encoding/) yields both readings, so each string is found in the one it was written in.
    """
    try:
        return case.body.decode("utf-8")
    except UnicodeDecodeError:
        return case.body.decode("utf-8", "replace") + "\n" + case.body.decode("gb18030", "replace")


def test_header_charset() -> None:
    assert header_charset({"Content-Type": "text/html"}) is None
    assert header_charset({}) is None
    assert header_charset({"content-type": "text/html;charset=UTF-8"}) == "utf-8"
    assert header_charset({"Content-Type": 'text/html; charset="GBK"'}) == "gbk"


def test_fetched_at_is_aware_and_json_round_trips() -> None:
    for case in CASES:
        assert case.fetched_at.utcoffset() is not None
        meta = json.loads((case.dir / "meta.json").read_text(encoding="utf-8"))
        assert set(meta) == {"url", "fetched_at", "status"}, case.id
