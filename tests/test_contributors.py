"""Contributors (correspondents, interns, photographers, translators) are stored, versioned, exported, shown and
searchable with --contributor only: --author never matches them. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import sqlalchemy as sa

from crawler.cli import main
from crawler.extract.types import Contributor
from crawler.items import ArticleItem
from storage.db import make_engine, session_scope, shared_archive
from storage.models import Article, ArticleVersion
from storage.query import Filters, search
from storage.repository import save_item
from tests.test_archive_store import OTHER, STORY, T0, item
from tests.test_migrations import archive_at_first_migration, migrate

CREDITED = [Contributor("郑雯", "correspondent"), Contributor("李明", "photographer")]


def credited(url: str, body: str = STORY, contributors: list[Contributor] = CREDITED, **kw) -> ArticleItem:  # type: ignore[no-untyped-def]
    it = item(url, body, **kw)
    it.extracted.author = ["张三"]
    it.extracted.contributors = list(contributors)
    return it


def archive_with_credits(url: str) -> tuple[int, int]:
    sessions = shared_archive(url)
    first = save_item(sessions, credited("http://a.cn/1.html"))
    other = save_item(sessions, credited("http://a.cn/2.html", OTHER, [Contributor("张三", "intern")], title="丰收"))
    return first.article_id, other.article_id


def test_contributors_are_stored_as_name_role_records_and_versioned(archive_url):
    sessions = shared_archive(archive_url)
    first = save_item(sessions, credited("http://a.cn/1.html"))
    again = save_item(sessions, credited("http://a.cn/1.html", fetched_at=T0 + timedelta(days=1)))
    fixed = credited("http://a.cn/1.html", contributors=[Contributor("郑雯", "intern")], fetched_at=T0 + timedelta(2))
    changed = save_item(sessions, fixed)
    assert (first.outcome, again.outcome, changed.outcome) == ("new", "unchanged", "updated")
    assert changed.changed == ["contributors"]
    with session_scope(sessions) as session:
        article = session.get(Article, first.article_id)
        assert article.contributors == [{"name": "郑雯", "role": "intern"}]
        v1, v2 = session.scalars(select_versions(first.article_id)).all()
        assert v1.fields["contributors"] == [
            {"name": "郑雯", "role": "correspondent"},
            {"name": "李明", "role": "photographer"},
        ]
        assert v2.changed == ["contributors"]


def select_versions(article_id: int) -> sa.Select[ArticleVersion]:
    return sa.select(ArticleVersion).where(ArticleVersion.article_id == article_id).order_by(ArticleVersion.version)


def test_contributor_filter_matches_the_exact_name_and_author_never_matches_a_contributor(archive_url):
    first, other = archive_with_credits(archive_url)
    with session_scope(shared_archive(archive_url)) as session:
        ids = lambda **kw: [a.id for a in search(session, Filters(**kw))]  # noqa: E731
        assert ids(contributor="郑雯") == [first]
        assert ids(contributor="李明") == [first]
        assert ids(contributor="郑") == []  # exact, not a substring
        assert ids(contributor="correspondent") == []  # a role is not a name
        assert ids(contributor="张三") == [other]  # credited as an intern there; the author of both
        assert sorted(ids(author="张三")) == sorted([first, other])
        assert ids(author="郑雯") == []  # --author means writers only
        assert ids(contributor="郑雯", site="elsewhere") == []


def test_search_and_export_take_contributor_on_the_command_line(archive_url, capsys):
    first, _other = archive_with_credits(archive_url)
    assert main(["search", "--contributor", "李明", "--json", "--db", archive_url]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [first]
    assert [c["name"] for c in rows[0]["contributors"]] == ["郑雯", "李明"]
    assert main(["--db", archive_url, "search", "--author", "李明", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_exports_write_contributors_as_records_csv_cells_and_parquet_structs(archive_url, tmp_path):
    import pyarrow.parquet as pq

    first, other = archive_with_credits(archive_url)
    jsonl, csv_path, parquet = tmp_path / "a.jsonl", tmp_path / "a.csv", tmp_path / "a.parquet"
    for fmt, path in (("jsonl", jsonl), ("csv", csv_path), ("parquet", parquet)):
        assert main(["--db", archive_url, "export", "--format", fmt, "-o", str(path)]) == 0
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in lines}
    assert by_id[other]["contributors"] == [{"name": "张三", "role": "intern"}]
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        cells = {int(r["id"]): r["contributors"] for r in csv.DictReader(fh)}
    assert cells == {first: "郑雯(correspondent); 李明(photographer)", other: "张三(intern)"}
    table = pq.read_table(parquet)
    assert str(table.schema.field("contributors").type) == "list<element: struct<name: string, role: string>>"
    assert table.to_pylist() == [parquet_typed(line) for line in lines]


def parquet_typed(line: dict) -> dict:
    """A JSON line as Parquet holds it: its times as real (tz-aware) timestamps, the rest as it is."""
    from datetime import datetime

    times = ("published", "fetched_at", "withdrawn_at")
    return {k: (datetime.fromisoformat(v) if k in times and v else v) for k, v in line.items()}


def test_show_prints_contributors_with_their_roles(archive_url, capsys):
    first, _other = archive_with_credits(archive_url)
    assert main(["--db", archive_url, "show", str(first)]) == 0
    out = capsys.readouterr().out
    assert "contributors: 郑雯(correspondent), 李明(photographer)" in out
    assert out.index("author: 张三") < out.index("contributors:")


def test_migration_0005_gives_every_archived_article_an_empty_contributor_list(archive_url):
    archive_at_first_migration(archive_url)
    migrate(archive_url, "0004")
    migrate(archive_url, "0005")
    engine = make_engine(archive_url)
    with engine.connect() as conn:
        values = conn.execute(sa.text("SELECT id, contributors FROM articles ORDER BY id")).all()
    engine.dispose()
    assert [(i, json.loads(v) if isinstance(v, str) else v) for i, v in values] == [(1, []), (2, [])]
