"""Opening the archive never migrates it: readers need an archive at this schema, writers create one in an empty
database (safely when several start at once), and an older schema stops every command with one line naming
`newsarchive db upgrade`."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crawler.cli import main
from storage.db import (
    SchemaMismatch,
    archive_for_writing,
    head_revision,
    make_engine,
    open_archive,
    session_scope,
    shared_archive,
)
from storage.models import Article
from storage.repository import save_item
from tests.conftest import empty_pg_database
from tests.first_writer import first_writer
from tests.test_archive_store import OTHER, STORY, item
from tests.test_migrations import archive_at_first_migration, current_revision, migrate

ROOT = Path(__file__).resolve().parent.parent
READ_ONLY = (["search", "平安"], ["show", "1"], ["stats"], ["export"], ["runs"])
#: concurrent first-time writers of one new archive (more than a crawl usually starts)
WORKERS = 8


def old_archive(url: str) -> None:
    """An archive a previous release left at schema 0004, with two articles in it."""
    archive_at_first_migration(url)
    migrate(url, "0004")


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_open_archive_only_connects(sqlite_url):
    factory = open_archive(sqlite_url)
    with session_scope(factory) as session:
        assert session.scalar(sa.text("SELECT 1")) == 1
    factory.kw["bind"].dispose()
    assert tables(sqlite_url) == set()


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_command_on_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path, capsys, command):
    path = tmp_path / "nothing-here.db"
    assert main(["--db", f"sqlite:///{path}", *command]) == 1
    err = capsys.readouterr().err
    assert f"no archive at {path}" in err
    assert len(err.strip().splitlines()) == 1
    assert not path.exists()


@pytest.mark.parametrize(
    "command",
    [*READ_ONLY, ["reextract"], ["fixture", "save", "1", "out"], ["warc", "export", "-o", "x.warc.gz"]],
    ids=lambda c: c[0],
)
def test_every_command_stops_on_an_older_schema_with_one_line_and_migrates_nothing(archive_url, capsys, command):
    old_archive(archive_url)
    assert main([*command, "--db", archive_url]) == 1
    err = capsys.readouterr().err.strip()
    masked = make_url(archive_url).render_as_string(hide_password=True)
    assert err == (
        f"newsarchive: the archive at {masked} is at schema 0004, this newsarchive needs {head_revision()}: "
        "run newsarchive db upgrade"
    )
    assert current_revision(archive_url) == "0004"


def test_warc_import_into_an_older_schema_stops_before_reading_the_file(sqlite_url, tmp_path, capsys):
    old_archive(sqlite_url)
    assert main(["--db", sqlite_url, "warc", "import", str(tmp_path / "missing.warc.gz")]) == 1
    assert "run newsarchive db upgrade" in capsys.readouterr().err
    assert current_revision(sqlite_url) == "0004"


def test_read_only_command_on_an_empty_database_asks_for_an_upgrade(archive_url, capsys):
    engine = make_engine(archive_url)
    with engine.begin() as conn:  # the database exists (a SQLite file, a PostgreSQL database) but holds nothing
        conn.execute(sa.text("SELECT 1"))
    engine.dispose()
    assert main(["--db", archive_url, "search", "平安"]) == 1
    assert "has no schema yet" in capsys.readouterr().err
    assert current_revision(archive_url) is None


def test_a_writer_creates_the_schema_at_head_in_an_empty_database(archive_url):
    save_item(shared_archive(archive_url), item("http://a.cn/1.html"))
    assert current_revision(archive_url) == head_revision()


def test_db_upgrade_migrates_and_prints_the_url_with_its_password_masked(pg_server_url, capsys):
    url = make_url(pg_server_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    old_archive(url)
    try:
        assert main(["db", "upgrade", "--db", url]) == 0
        out = capsys.readouterr().out
        assert current_revision(url) == head_revision()
        assert "s3cret-pw" not in out
        assert ":***@" in out
        assert "is at the newest schema" in out
    finally:
        _drop_everything(pg_server_url)


def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


def test_db_upgrade_rebuilds_the_stories_of_an_archive(sqlite_url, capsys):
    sessions = shared_archive(sqlite_url)
    first = save_item(sessions, item("http://a.cn/1.html"))
    copy = save_item(sessions, item("http://b.cn/2.html", STORY + "\n来源：临江在线"))
    save_item(sessions, item("http://c.cn/3.html", OTHER, title="丰收节开幕"))
    with session_scope(sessions) as session:  # stored without a rebuild: each its own story
        assert len(set(session.scalars(sa.select(Article.story_id)))) == 3
    assert main(["--db", sqlite_url, "db", "upgrade"]) == 0
    assert "(2 stories)" in capsys.readouterr().out
    with session_scope(sessions) as session:
        a, b = session.get(Article, first.article_id), session.get(Article, copy.article_id)
        assert a.story_id == b.story_id == a.id


def test_db_option_is_accepted_after_the_subcommand(sqlite_url, capsys):
    save_item(shared_archive(sqlite_url), item("http://a.cn/1.html"))
    assert main(["search", "防汛", "--json", "--db", sqlite_url]) == 0
    after = capsys.readouterr().out
    assert main(["--db", sqlite_url, "search", "防汛", "--json"]) == 0
    assert capsys.readouterr().out == after
    assert '"url": "http://a.cn/1.html"' in after


def test_scrapy_crawl_stops_with_one_line_on_an_older_schema(tmp_path):
    db = f"sqlite:///{tmp_path / 'old.db'}"
    old_archive(db)
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "start_url=http://127.0.0.1:9/", "-s",
         f"ARCHIVE_DB_URL={db}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"scrapy crawl: the archive at {db} is at schema 0004, this newsarchive needs {head_revision()}: "
        "run newsarchive db upgrade"
    )
    assert "Traceback" not in proc.stderr
    assert "Spider opened" not in proc.stderr  # stopped before the crawl began
    assert current_revision(db) == "0004"


# -- many writers meeting a new archive at once ------------------------------------------------------------------
def start_together(url: str) -> list[int]:
    """Exit codes of WORKERS processes that all open the same empty archive for writing at the same moment."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    workers = [ctx.Process(target=first_writer, args=(url, barrier, n)) for n in range(WORKERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(180)
    return [w.exitcode if w.exitcode is not None else -1 for w in workers]


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """A PostgreSQL database of its own (nothing in it, not even pg_trgm), dropped afterwards."""
    with empty_pg_database("race") as url:
        yield url


@pytest.mark.postgres
def test_concurrent_first_writers_create_one_postgresql_schema_without_an_error(fresh_pg_database):
    assert start_together(fresh_pg_database) == [0] * WORKERS
    assert current_revision(fresh_pg_database) == head_revision()
    engine = make_engine(fresh_pg_database)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM crawl_runs")) == WORKERS
        assert conn.scalar(sa.text("SELECT count(*) FROM alembic_version")) == 1
    engine.dispose()


def test_concurrent_first_writers_create_one_sqlite_schema_without_an_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert start_together(url) == [0] * WORKERS
    assert current_revision(url) == head_revision()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM crawl_runs")) == WORKERS
    engine.dispose()


def test_a_writer_refuses_a_database_with_foreign_tables(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE articles (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(SchemaMismatch, match="not made by newsarchive"):
        archive_for_writing(sqlite_url)
