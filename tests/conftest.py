"""Shared fixtures: temporary archives on SQLite and, when available, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_URL_ENV = "ARCHIVE_TEST_PG_URL"
REDIS_URL_ENV = "ARCHIVE_TEST_REDIS_URL"
REQUIRE_ENV = "NEWSARCHIVE_REQUIRE_SERVICES"


def service_missing(env: str, what: str) -> None:
    """Skip with a visible reason on a user's machine; fail in CI, where the service must be there."""
    message = f"{what} not configured: set {env} to run this test"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(message + f" ({REQUIRE_ENV} is set, so this is an error)")
    pytest.skip(message)


@contextmanager
def empty_pg_database(purpose: str) -> Iterator[str]:
    """A PostgreSQL database of its own on the ARCHIVE_TEST_PG_URL server (nothing in it, not even pg_trgm),
    dropped afterwards; `purpose` names it (`newsarchive_<purpose>_<random>`) for whoever looks at the server."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        service_missing(PG_URL_ENV, "PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"newsarchive_{purpose}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(str(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(str(base)).set(database=name).render_as_string(hide_password=False)
    finally:
        from storage.db import dispose_all

        dispose_all()  # the project's pooled connections would hold the database open
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with empty_pg_database("test") as url:
        yield url


@pytest.fixture(autouse=True)
def _close_archives() -> Iterator[None]:
    """Every engine a test opened through storage.db is disposed, so no connection outlives its test."""
    yield
    from storage.db import dispose_all

    dispose_all()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_url(request, tmp_path) -> Iterator[str]:
    """An empty archive URL on each backend the storage code must support."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    url = request.getfixturevalue("pg_server_url")
    yield url
    from sqlalchemy import MetaData

    from storage.db import make_engine

    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    with engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
