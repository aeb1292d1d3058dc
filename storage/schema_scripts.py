"""Alembic's migration scripts as a real directory, also when the package is inside a zipped egg.

Alembic finds its scripts with the filesystem (os.listdir, open). Installed normally, `storage/migrations` is a
directory and is used in place. Deployed by Scrapyd, the project is an .egg — a zip file on sys.path — and
`Path(__file__).parent / "migrations"` names a path inside that zip, which Alembic cannot read: every job
failed there, even on an archive already migrated (finding the head revision reads the scripts too). Then the
scripts are copied out of the package through importlib.resources into a temporary directory for the duration
of the `with` block.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

#: the package and the directory inside it that Alembic's script_location names
PACKAGE = "storage"
SCRIPTS = "migrations"


@contextmanager
def migrations_directory() -> Iterator[Path]:
    """A filesystem directory holding the migration scripts (env.py, script.py.mako, versions/), while open."""
    scripts = resources.files(PACKAGE) / SCRIPTS
    if isinstance(scripts, Path) and scripts.is_dir():
        yield scripts
        return
    if not scripts.is_dir():
        raise FileNotFoundError(f"no migration scripts in the installed {PACKAGE} package")
    with tempfile.TemporaryDirectory(prefix="newsarchive-migrations-") as tmp:
        target = Path(tmp) / SCRIPTS
        _copy_tree(scripts, target)
        yield target


def _copy_tree(source: Traversable, target: Path) -> None:
    """Copy a package directory out of a zip (no bytecode caches: Alembic imports the .py scripts)."""
    target.mkdir(parents=True)
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            with entry.open("rb") as src, (target / entry.name).open("wb") as dst:
                shutil.copyfileobj(src, dst)
