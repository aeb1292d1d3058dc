"""Engine and sessions from ARCHIVE_DB_URL; the caller opens and closes sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_URL = "sqlite:///newsarchive.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def db_url(url: str | None = None) -> str:
    """The archive URL: an explicit one, else $ARCHIVE_DB_URL, else ./newsarchive.db."""
    return url or os.environ.get("ARCHIVE_DB_URL") or DEFAULT_DB_URL


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    # WAL: one writer and many readers (a search while a crawl runs); busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = db_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade(engine: Engine) -> None:
    """Bring the archive's schema to the newest migration (creates it when empty)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # A batch migration rebuilds a table (copy, drop, rename); with foreign keys on, dropping `articles`
            # would cascade into links, tags and captures. The pragma only takes effect outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

def open_archive(url: str | None = None, *, migrate: bool = True) -> sessionmaker[Session]:
    """An engine for the archive, migrated to the current schema, wrapped in a session factory."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_archives: dict[str, sessionmaker[Session]] = {}


def shared_archive(url: str | None = None) -> sessionmaker[Session]:
    """One migrated session factory per archive URL in this process (pipelines and extensions share it)."""
    key = db_url(url)
    if key not in _archives:
        _archives[key] = open_archive(key)
    return _archives[key]


def archive_for_settings(settings) -> sessionmaker[Session]:  # type: ignore[no-untyped-def]
    """The archive named by the crawl's ARCHIVE_DB_URL setting (which defaults to the environment)."""
    return shared_archive(settings.get("ARCHIVE_DB_URL") or None)


def forget_archive(url: str) -> None:
    """Drop the cached factory of an archive (its tables were dropped or the file deleted)."""
    factory = _archives.pop(db_url(url), None)
    if factory is not None:
        factory.kw["bind"].dispose()


def dispose_all() -> None:
    for key in list(_archives):
        forget_archive(key)
