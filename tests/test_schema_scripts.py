"""Alembic reads the migrations from the installed package, also from a zipped egg (a Scrapyd deployment)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.schema_scripts import migrations_directory

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS_DIR = ROOT / "storage" / "migrations"

# Run inside a process whose only copy of the project is the zip: first the way storage.db reads the scripts
# today (a path next to the module, inside the zip), then through migrations_directory().
_UPGRADE_FROM_ZIP = """
import sys
from pathlib import Path
from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, text
import storage
from storage.schema_scripts import migrations_directory

assert sys.argv[2] in storage.__file__, storage.__file__
engine = create_engine(sys.argv[1])

def upgrade(location):
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        return conn.execute(text("select version_num from alembic_version")).scalar()

try:
    upgrade(Path(storage.__file__).parent / "migrations")
    print("next-to-module: read")
except CommandError as exc:
    print("next-to-module: unreadable")
with migrations_directory() as scripts:
    print("head:", upgrade(scripts))
print("cleaned up:", not scripts.exists())
"""


def _zipped_project(path: Path) -> Path:
    """The project's packages in one zip, as scrapyd-deploy's egg holds them."""
    with zipfile.ZipFile(path, "w") as zf:
        for package in ("crawler", "pipelines", "storage"):
            for file in (ROOT / package).rglob("*"):
                if file.is_file() and "__pycache__" not in file.parts:
                    zf.write(file, file.relative_to(ROOT).as_posix())
    return path


def test_alembic_upgrades_from_migrations_inside_a_zipped_package(tmp_path):
    egg = _zipped_project(tmp_path / "newsarchive.egg")
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(egg)}
    proc = subprocess.run(
        [sys.executable, "-c", _UPGRADE_FROM_ZIP, db, str(egg)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert proc.stdout.splitlines() == ["next-to-module: unreadable", f"head: {head}", "cleaned up: True"]


def test_an_installed_package_uses_its_migrations_in_place():
    with migrations_directory() as scripts:
        assert scripts.resolve() == MIGRATIONS_DIR.resolve()
