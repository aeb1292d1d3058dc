"""Engine and sessions from ARCHIVE_DB_URL; the caller opens and closes sessions.

Opening an archive never migrates it. Three ways in, by what the caller does with it:

- `open_archive`: only connects (a session factory, nothing checked, nothing written);
- `archive_for_reading` (search, show, stats, export, runs): the archive must exist and be at this code's schema;
  a SQLite path that does not exist is `ArchiveMissing` (and no file is created);
- `archive_for_writing` / `shared_archive` (a crawl's pipelines and extensions, demo, warc import, reextract): an
  empty database gets the schema at head — on PostgreSQL under an advisory lock, so concurrent first-time workers
  do not race on CREATE TYPE/TABLE — and an archive at any other schema is refused.

An archive at an older schema is `SchemaMismatch`, one line naming the fix: `newsarchive db upgrade` (`upgrade`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Base
from storage.schema_scripts import migrations_directory

DEFAULT_DB_URL = "sqlite:///newsarchive.db"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: the pg_advisory_xact_lock key that serialises schema creation and migration of one PostgreSQL database
SCHEMA_LOCK = 7_358_120_394


class ArchiveError(Exception):
    """The archive cannot be used for what was asked; the message is one line for the user."""


class ArchiveMissing(ArchiveError):
    """A read-only command was pointed at a SQLite file that does not exist."""


class SchemaMismatch(ArchiveError):
    """The archive's schema is not the one this code reads and writes."""


def db_url(url: str | None = None) -> str:
    """The archive URL: an explicit one, else $ARCHIVE_DB_URL, else ./newsarchive.db."""
    return url or os.environ.get("ARCHIVE_DB_URL") or DEFAULT_DB_URL


def masked(url: str | None = None) -> str:
    """The archive URL as messages show it: with its password masked."""
    try:
        return make_url(db_url(url)).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy can read: nothing in it to mask
        return db_url(url)


#: how long a SQLite write waits for another writer's lock before it fails (the crawl's
#: NEWSARCHIVE_SQLITE_BUSY_SECONDS setting sets it: crawler/commands/crawl.py); read by every new connection
sqlite_busy_seconds = float(os.environ.get("NEWSARCHIVE_SQLITE_BUSY_SECONDS") or 30)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: one writer and many readers (a search while a crawl runs); busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={max(0, int(sqlite_busy_seconds * 1000))}")
    cur.close()


def readable_json(value: Any) -> str:
    """JSON columns as readable UTF-8 (`["上官文"]`, not `["\\u4e0a…"]`): people open the archive in sqlite3 too."""
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str | None = None) -> Engine:
    url = db_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), json_serializer=readable_json)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _migration_engine(url: str | None) -> Engine:
    """An engine for migrating: each transaction holds the archive's schema lock for as long as it lasts.

    PostgreSQL: each transaction takes pg_advisory_xact_lock (and its DDL is transactional). SQLite: the driver is
    told to leave transactions to SQLAlchemy, and each one begins IMMEDIATE, taking the database's write lock, so
    a second process creating the same new archive waits (busy_timeout) and then finds the schema in place.
    Foreign keys are off on SQLite: a batch migration rebuilds a table (copy, drop, rename), and dropping
    `articles` with them on would cascade into links, tags and captures.
    """
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _for_migrating(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA foreign_keys=OFF")  # (only outside a transaction does it take effect)
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    elif engine.dialect.name == "postgresql":

        @event.listens_for(engine, "begin")
        def _schema_lock(conn: Connection) -> None:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})

    return engine


def alembic_config(conn: Connection, scripts: Path = MIGRATIONS_DIR) -> Config:
    """Alembic's configuration for running the migrations on this connection (and comparing with the models).

    `scripts` is a real directory of the migration scripts (storage.schema_scripts: an egg holds them in a zip).
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    cfg.attributes["connection"] = conn
    cfg.attributes["target_metadata"] = Base.metadata
    return cfg


@cache
def head_revision() -> str:
    """The newest migration: the schema this code reads and writes."""
    with migrations_directory() as scripts:
        cfg = Config()
        cfg.set_main_option("script_location", str(scripts))
        head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None, "no migrations"
    return head


def schema_revision(conn: Connection) -> str | None:
    """The archive's schema revision, or None when it has none (an empty database).

    Read from Alembic's version table directly: a MigrationContext would log two lines each time it is asked.
    """
    if not inspect(conn).has_table("alembic_version"):
        return None
    revisions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return revisions[0] if len(revisions) == 1 else None


def _is_empty(conn: Connection) -> bool:
    return schema_revision(conn) is None and not inspect(conn).has_table("articles")


def _migrate(url: str | None, *, only_if_empty: bool) -> None:
    """Run the migrations to head in one transaction that holds the schema lock (see `_migration_engine`)."""
    engine = _migration_engine(url)
    try:
        with migrations_directory() as scripts, engine.connect() as conn, conn.begin():
            if not only_if_empty or _is_empty(conn):  # asked again now that the lock is held
                command.upgrade(alembic_config(conn, scripts), "head")
    finally:
        engine.dispose()


def upgrade(url: str | None = None) -> None:
    """Bring the archive's schema to the newest migration (creating it in an empty database): `db upgrade`."""
    _migrate(url, only_if_empty=False)


def check_schema(engine: Engine, url: str | None = None) -> None:
    """Raise SchemaMismatch unless the archive is at this code's schema."""
    with engine.connect() as conn:
        revision = schema_revision(conn)
        if revision == head_revision():
            return
        tables = inspect(conn).has_table("articles")
    where = f"the archive at {masked(url)}"
    if revision is None and tables:
        raise SchemaMismatch(f"{where} has tables but no schema revision: it was not made by newsarchive")
    if revision is None:
        raise SchemaMismatch(f"{where} has no schema yet, this newsarchive needs {head_revision()}: "
                             "run newsarchive db upgrade")
    raise SchemaMismatch(
        f"{where} is at schema {revision}, this newsarchive needs {head_revision()}: run newsarchive db upgrade"
    )


def sqlite_path(url: str | None = None) -> Path | None:
    """The file of a SQLite archive (None for another backend or an in-memory database)."""
    parsed = make_url(db_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_archive(url: str | None = None) -> sessionmaker[Session]:
    """A session factory on the archive. It only connects: nothing is checked, created or migrated."""
    return sessionmaker(make_engine(url), expire_on_commit=False)


def _prepare_for_writing(url: str | None, factory: sessionmaker[Session]) -> None:
    engine = factory.kw["bind"]
    with engine.connect() as conn:
        if schema_revision(conn) == head_revision():
            return
        empty = _is_empty(conn)
    if empty:
        _migrate(url, only_if_empty=True)
    check_schema(engine, url)


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
#: archives found (or made) at this code's schema in this process, by URL
_writable: set[str] = set()


def _cached(url: str | None) -> sessionmaker[Session]:
    key = db_url(url)
    if key not in _archives:
        _archives[key] = open_archive(key)
    return _archives[key]


def archive_for_reading(url: str | None = None) -> sessionmaker[Session]:
    """The archive a read-only command reads: it must exist and be at this code's schema (nothing is created)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise ArchiveMissing(f"no archive at {path}")
    factory = _cached(url)
    if db_url(url) not in _writable:
        check_schema(factory.kw["bind"], url)
    return factory


def archive_for_writing(url: str | None = None) -> sessionmaker[Session]:
    """The archive a writer stores into: an empty database gets the schema at head; another schema is refused.

    One session factory per archive URL in this process (pipelines and extensions share it); the schema is checked
    once per process.
    """
    key = db_url(url)
    factory = _cached(key)
    if key not in _writable:
        _prepare_for_writing(key, factory)
        _writable.add(key)
    return factory


#: the name the pipelines, extensions and tests know the writers' factory by
shared_archive = archive_for_writing


def archive_for_settings(settings: Any) -> sessionmaker[Session]:
    """The archive named by the crawl's ARCHIVE_DB_URL setting (which defaults to the environment)."""
    return archive_for_writing(settings.get("ARCHIVE_DB_URL") or None)


def forget_archive(url: str) -> None:
    """Drop the cached factory of an archive (its tables were dropped or the file deleted)."""
    _writable.discard(db_url(url))
    factory = _archives.pop(db_url(url), None)
    if factory is not None:
        factory.kw["bind"].dispose()


def dispose_all() -> None:
    for key in list(_archives):
        forget_archive(key)
