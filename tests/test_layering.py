"""Imports run one way, down the data flow: leaves ← storage ← pipelines ← the rest of crawler; migrations import
nothing from the project. Every import counts, including those inside functions and under TYPE_CHECKING."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("crawler", "pipelines", "storage")
#: modules that import nothing from the project outside this set (see LAYOUT: URL identity, the field table, items,
#: the extractor version, extraction and site profiles)
LEAVES = ("crawler.urls", "crawler.fields", "crawler.items", "crawler.version", "crawler.extract", "crawler.sites")
MIGRATIONS = "storage.migrations"
LEAF, STORAGE, PIPELINES, TOP = 0, 1, 2, 3
LAYER_NAMES = {LEAF: "a leaf", STORAGE: "storage", PIPELINES: "pipelines", TOP: "the top layer"}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer(module: str) -> int:
    """The layer of a project module; `crawler` itself (its __init__) counts as a leaf, it holds nothing."""
    if module == "crawler" or any(_within(module, leaf) for leaf in LEAVES):
        return LEAF
    if _within(module, "storage"):
        return STORAGE
    if _within(module, "pipelines"):
        return PIPELINES
    return TOP


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every Python module of the three packages, by dotted name (crawler/commands/record-fixture.py included)."""
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


MODULES = project_modules()


def imported(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module) of every project module this file imports, wherever the import statement stands."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"  # `from crawler import discovery` imports crawler.discovery
                found.append((node.lineno, submodule if submodule in MODULES else base))
    return [(line, name) for line, name in found if name.split(".")[0] in PACKAGES]


def violations(module: str, path: Path) -> list[str]:
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    out = []
    for line, target in imported(module, path):
        if _within(module, MIGRATIONS):
            out.append(f"{rel}:{line}: a migration imports {target} (migrations carry their own helpers)")
        elif layer(target) > layer(module) or (layer(module) == LEAF and layer(target) != LEAF):
            out.append(
                f"{rel}:{line}: {module} ({LAYER_NAMES[layer(module)]}) imports {target} "
                f"({LAYER_NAMES[layer(target)]})"
            )
    return out


def test_the_import_checker_sees_imports_inside_functions_and_relative_ones(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\nfrom . import db\n\ndef f():\n    from pipelines.normalize import clean_text\n", encoding="utf-8"
    )
    assert {name for _line, name in imported("storage.probe", probe)} == {"storage.db", "pipelines.normalize"}
    assert violations("storage.probe", probe) == [
        f"{probe}:5: storage.probe (storage) imports pipelines.normalize (pipelines)"
    ]


@pytest.mark.parametrize(
    ("importer", "target", "allowed"),
    [
        ("storage.query", "crawler.urls", True),
        ("storage.query", "pipelines.normalize", False),
        ("storage.db", "crawler.offline.reextract", False),
        ("pipelines.store", "storage.repository", True),
        ("crawler.urls", "storage.db", False),
        ("crawler.extract.body", "crawler.sites", True),
        ("crawler.offline.reextract", "pipelines.normalize", True),
    ],
)
def test_layers_order_the_packages_down_the_data_flow(importer, target, allowed):
    upward = layer(target) > layer(importer) or (layer(importer) == LEAF and layer(target) != LEAF)
    assert (not upward) is allowed


def test_no_module_imports_a_higher_layer():
    problems = [v for module, path in MODULES.items() for v in violations(module, path)]
    assert not problems, "imports against the data flow:\n" + "\n".join(problems)


def test_migrations_import_no_project_module():
    migrations = {m: p for m, p in MODULES.items() if _within(m, MIGRATIONS)}
    assert len(migrations) >= 5  # env.py and the versions
    problems = [f"{p.relative_to(ROOT)}:{line}: {name}" for m, p in migrations.items() for line, name in imported(m, p)]
    assert not problems, "migrations must not import project code:\n" + "\n".join(problems)


def test_storage_imports_nothing_from_pipelines_or_crawler_but_the_leaves():
    storage = {m: p for m, p in MODULES.items() if _within(m, "storage")}
    bad = [
        f"{p.relative_to(ROOT)}:{line}: {name}"
        for m, p in storage.items()
        for line, name in imported(m, p)
        if layer(name) not in (LEAF, STORAGE)
    ]
    assert not bad, "\n".join(bad)
