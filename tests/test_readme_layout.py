"""The README's Layout section is the map of the code: every module is on it, and nothing on it is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "pipelines", "storage")
#: a package's __init__ this short only marks the folder as a package; it needs no line of its own
MARKER_INIT_MAX_LINES = 5


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def listed_paths() -> set[str]:
    """Paths on the map: a line under `pkg/` names `sub/module.py` relative to that top package."""
    paths: set[str] = set()
    top = ""
    for line in layout_block().splitlines():
        match = re.match(r"^(\s*)(\S+)", line)
        if not match:
            continue
        indent, name = match.groups()
        if not indent and name.endswith("/"):
            top = name.rstrip("/")
        elif top and (name.endswith(".py") or name.endswith("/")):
            paths.add(f"{top}/{name.rstrip('/')}")
    return paths


def modules() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if path.name == "__init__.py" and lines <= MARKER_INIT_MAX_LINES:
                continue
            found.add(rel.as_posix())
    return found


def test_every_module_of_the_code_has_its_line_on_the_readme_map() -> None:
    listed = listed_paths()
    missing = sorted(m for m in modules() if m not in listed and m.removesuffix("/__init__.py") not in listed)
    assert not missing, f"README Layout lacks: {missing}"


def test_every_python_file_on_the_readme_map_exists() -> None:
    gone = sorted(p for p in listed_paths() if p.endswith(".py") and not (ROOT / p).exists())
    assert not gone, f"README Layout lists files that are gone: {gone}"
