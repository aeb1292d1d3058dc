"""Load the saved-page fixture corpus under tests/fixtures/pages/<family>/<case>/ (see its README.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.fields import FIXTURE_KEYS, FIXTURE_LINK_KINDS

PAGES_DIR = Path(__file__).parent / "fixtures" / "pages"

#: the four files every case directory holds
CASE_FILES = ("body.bin", "headers.json", "meta.json", "expected.json")

#: every key expected.json must have (the fixture fields of crawler.fields, as `newsarchive fixture save` writes
#: them); the replay test compares each of them with the extractor's output
EXPECTED_KEYS = FIXTURE_KEYS

#: the link kinds the corpus labels (crawler.fields, which `fixture save` writes too); others are not part of it
LINK_KINDS = FIXTURE_LINK_KINDS


@dataclass(frozen=True, slots=True)
class FixtureCase:
    """One saved response and what a correct extractor must make of it."""

    id: str  # "<family>/<case>", e.g. "phpcms/empty-source"
    dir: Path
    body: bytes
    headers: dict[str, str]
    url: str
    fetched_at: datetime  # aware
    status: int
    expected: dict[str, Any]


def case_dirs(root: Path = PAGES_DIR) -> list[Path]:
    """Every <family>/<case> directory under root, sorted."""
    return sorted(d for family in root.iterdir() if family.is_dir() for d in family.iterdir() if d.is_dir())


def load_case(path: Path, root: Path = PAGES_DIR) -> FixtureCase:
    """Read one case directory; raises if a file is missing or fetched_at is naive."""
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    fetched_at = datetime.fromisoformat(meta["fetched_at"])
    if fetched_at.tzinfo is None:
        raise ValueError(f"{path}: meta.json fetched_at must carry an offset, got {meta['fetched_at']!r}")
    return FixtureCase(
        id=path.relative_to(root).as_posix(),
        dir=path,
        body=(path / "body.bin").read_bytes(),
        headers=json.loads((path / "headers.json").read_text(encoding="utf-8")),
        url=meta["url"],
        fetched_at=fetched_at,
        status=int(meta.get("status", 200)),
        expected=json.loads((path / "expected.json").read_text(encoding="utf-8")),
    )


def load_cases(root: Path = PAGES_DIR) -> list[FixtureCase]:
    """All cases under root, sorted by id."""
    return [load_case(d, root) for d in case_dirs(root)]


