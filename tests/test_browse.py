"""storage.browse and the figures over time in storage.stats, on SQLite and PostgreSQL: the read-only engine, facet
counts, one article's record, a story with its copies, capture metadata, the sites overview."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.exc import DBAPIError

from crawler.fields import READING_ZONE
from storage import browse, repository
from storage.clusters import rebuild_stories
from storage.db import archive_for_reading, archive_for_writing, session_scope
from storage.models import Article, Story
from storage.query import Filters, get_article, story_copies, version_history
from storage.stats import (
    ACTIVITY_DAYS,
    FIELDS,
    activity,
    archive_health,
    coverage_by_week,
    coverage_scan,
    filled,
    per_day,
)
from tests.web_archive import STORY, T0, Ids, fill, make_item


@pytest.fixture
def archive(archive_url) -> tuple[browse.ReadOnlyArchive, Ids]:
    ids = fill(archive_url)
    ro = browse.open_readonly(archive_url)
    yield ro, ids
    ro.dispose()


def test_the_readonly_engine_refuses_every_write(archive):
    ro, _ids = archive
    with pytest.raises(DBAPIError), ro.engine.connect() as conn:
        conn.execute(insert(Story).values(source="写入"))
    with pytest.raises(DBAPIError), ro.engine.connect() as conn:
        conn.execute(text("DELETE FROM articles"))
    with ro.session() as session:
        assert browse.article_exists(session, 1)


def test_opening_refuses_a_missing_file_and_an_unmigrated_archive_in_one_line(tmp_path):
    with pytest.raises(browse.ArchiveUnavailable, match=r"no archive at .*newsarchive demo"):
        browse.open_readonly(f"sqlite:///{tmp_path / 'none.db'}")
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()
    with pytest.raises(browse.ArchiveUnavailable, match="newsarchive db upgrade") as err:
        browse.open_readonly(f"sqlite:///{empty}")
    assert "\n" not in str(err.value)


def test_opening_a_path_that_is_not_an_archive_url_says_how_to_write_one(tmp_path):
    with pytest.raises(browse.ArchiveUnavailable, match=r"not an archive URL: write sqlite:///path") as err:
        browse.open_readonly(str(tmp_path / "demo.db"))
    assert "\n" not in str(err.value)


def test_facets_count_every_match_and_stories_once_when_collapsed(archive):
    ro, _ids = archive
    with ro.session() as session:
        flat = browse.facets(session, Filters(text="应急响应"))
        folded = browse.facets(session, Filters(text="应急响应", collapse=True))
        everything = browse.facets(session, Filters())
    assert flat.total == 2
    assert dict(flat.site) == {"qinghe": 1, "songgang": 1}
    assert flat.month == [("2015-07", 2)]
    assert folded.total == 1
    assert dict(folded.site) == {"qinghe": 1, "songgang": 1}
    assert everything.total == 5
    assert everything.missing == {"source": 1}  # the notice has no 来源


def test_a_result_page_says_how_many_copies_each_story_row_folds(archive):
    ro, ids = archive
    with ro.session() as session:
        page = browse.result_page(session, Filters(text="应急响应", collapse=True), limit=10, offset=0)
    assert [r["id"] for r in page.rows] == [ids.original]
    assert page.folded == {page.rows[0]["story_id"]: 1}
    assert "body" not in page.rows[0]
    assert "一千二百余人" in page.bodies[0]


def test_the_article_record_has_the_copies_and_versions_show_gives_plus_each_versions_fields(archive_url, archive):
    ro, ids = archive
    with ro.session() as session:
        record = browse.article_record(session, ids.notice)
        original = browse.article_record(session, ids.original)
        assert browse.article_record(session, 99999) is None
    with session_scope(archive_for_reading(archive_url)) as session:
        notice = get_article(session, str(ids.notice))
        assert notice is not None
        shown = version_history(session, notice)
        row = get_article(session, str(ids.original))
        assert row is not None
        copies = story_copies(session, row)
    assert [{k: v for k, v in version.items() if k != "fields"} for version in record["versions"]] == shown
    assert [v["version"] for v in record["versions"]] == [1, 2]
    assert "历时两小时" in record["versions"][1]["fields"]["body"]
    assert original["copies"] == copies
    assert [c["id"] for c in copies] == [ids.copy]
    assert record["captures"]
    assert all("body" not in c for c in record["captures"])
    assert record["urls"][0]["url"] == "http://news.qinghe.cn/a/4.html"


def test_a_story_record_lists_copies_earliest_first_each_copied_from_the_original(archive):
    ro, ids = archive
    with ro.session() as session:
        story = browse.story_record(session, ids.story)
        assert browse.story_record(session, 99999) is None
    assert story is not None
    assert [c["id"] for c in story["copies"]] == [ids.original, ids.copy]
    assert story["original_article_id"] == ids.original
    assert story["copied_from"] == {ids.original: None, ids.copy: ids.original}


def test_capture_metadata_and_the_raw_body_byte_exact(archive):
    ro, ids = archive
    with ro.session() as session:
        meta = browse.capture_record(session, ids.hostile_capture)
        raw = browse.capture_body(session, ids.hostile_capture)
    assert meta is not None
    assert raw is not None
    assert meta["article_id"] == ids.hostile
    assert meta["size"] == len(raw.body)
    assert len(meta["sha256"]) == 64
    assert raw.body.startswith(b"<html><head><title>")
    assert raw.content_type.startswith("text/html")


def test_coverage_by_week_and_activity_count_in_china_time(archive):
    ro, _ids = archive
    with ro.session() as session:
        weekly = coverage_by_week(session)
        days = activity(session, "qinghe", date(2026, 1, 1))
        dialect = session.get_bind().dialect.name
        start = datetime(2015, 7, 6, 16, tzinfo=UTC)  # 2015-07-07 00:00 in China
        counts = per_day(session, dialect, start, start + timedelta(days=1), None)
    assert set(filled(dialect)) == set(FIELDS)
    songgang = weekly["songgang"]
    assert songgang == [{"week": "2015-07-06", "articles": 1, "shares": {name: 1.0 for name in FIELDS}}]
    assert days["last_day"] == (T0 + timedelta(days=2)).astimezone(READING_ZONE).date().isoformat()
    assert len(days["per_day"]) == ACTIVITY_DAYS
    assert sum(d["articles"] for d in days["per_day"]) == 3
    assert counts == {("qinghe", date(2015, 7, 7)): 1, ("songgang", date(2015, 7, 7)): 1}


def test_the_sites_overview_adds_weekly_coverage_activity_and_runs_to_the_health_report(archive):
    ro, _ids = archive
    with ro.session() as session:
        overview = browse.sites_overview(session, now=datetime(2015, 7, 20, tzinfo=UTC))
    qinghe = next(s for s in overview["sites"] if s["site"] == "qinghe")
    assert qinghe["dropped"]["short_body"] == 2
    assert qinghe["coverage_by_week"]
    assert qinghe["activity"]["per_day"]
    assert overview["fields"] == list(FIELDS)
    assert overview["recent_runs"][0]["stats"]["pages_fetched"] == 12


def test_the_sites_overview_reads_the_bodies_once_for_the_health_figures_and_the_weekly_coverage(archive):
    """One coverage scan serves the health report's recent/earlier coverage and the weekly figures, and they are
    what archive_health and coverage_by_week find on their own."""
    ro, _ids = archive
    now = datetime(2015, 7, 10, tzinfo=UTC)  # the story's week is recent, the farm article's is before
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with ro.session() as session:
        alone = archive_health(session, now=now).to_json()
        weekly = coverage_by_week(session)
        event.listen(ro.engine, "before_cursor_execute", record)
        try:
            overview = browse.sites_overview(session, now=now)
        finally:
            event.remove(ro.engine, "before_cursor_execute", record)
    assert len([s for s in statements if "articles.body" in s]) == 1
    for site in overview["sites"]:
        assert site["coverage_by_week"] == weekly.get(site["site"], [])
        del site["coverage_by_week"], site["activity"]
    assert overview["sites"] == alone["sites"]
    qinghe = next(s for s in alone["sites"] if s["site"] == "qinghe")
    assert qinghe["recent"]["articles"]
    assert qinghe["history"]["articles"]
    with pytest.raises(ValueError, match="splits at"), ro.session() as session:
        archive_health(session, now=now, scan=coverage_scan(session, now))


def test_a_copy_of_a_copy_is_shown_copied_from_the_copy_it_contains(archive_url):
    """The story's edges are the archive's reprint graph: a relay of the songgang copy (its 一千三百 figure, one
    paragraph added) is taken from that copy, not from the original."""
    ids = fill(archive_url)
    relay = make_item("http://www.linjiang.cn/c/9.html", site="linjiang", title="我市启动防汛三级应急响应",
                      body=STORY.replace("一千二百余人", "一千三百余人") + "\n（转自松岗新闻网）",
                      published=T0 + timedelta(hours=9), source="松岗新闻网", column="转载")
    sessions = archive_for_writing(archive_url)
    relay_id = repository.save_item(sessions, relay).article_id
    with session_scope(sessions) as session:
        rebuild_stories(session)
        story_id = session.get(Article, ids.original).story_id
    ro = browse.open_readonly(archive_url)
    try:
        with ro.session() as session:
            story = browse.story_record(session, story_id)
    finally:
        ro.dispose()
    assert story is not None
    assert [c["id"] for c in story["copies"]] == [ids.original, ids.copy, relay_id]
    assert story["copied_from"] == {ids.original: None, ids.copy: ids.original, relay_id: ids.copy}
