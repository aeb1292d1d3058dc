"""Exports (jsonl, csv, parquet) read back equal to `article_json`, honour the filters and stream."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import select

from crawler.cli import main
from storage.db import session_scope
from storage.db import shared_archive as open_archive
from storage.export import LIST_SEPARATOR
from storage.models import Article
from storage.query import Filters, article_json, export_fields, iter_articles
from tests.test_query import BASE, new_article, random_archive


def _expected(url: str, filters: Filters | None = None) -> list[dict]:
    with session_scope(open_archive(url)) as session:
        return [article_json(a) for a in iter_articles(session, filters or Filters())]


@pytest.fixture
def archive(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        session.add_all(random_archive())
        session.add(
            new_article(
                1000,
                title='引号"逗号,换行\n和分号; 都在',
                body="第一段。\n\n第二段，有“引号”和 ,;\t 制表符。",
                author=["张三", "李四"],
                editor=["王五"],
                source=None,
                tags=["平安", "社区"],
                images=[{"src": "http://news.example.cn/a.jpg", "caption": "图为现场"}],
                page_urls=["http://news.example.cn/1000_2.html"],
                links=[
                    {"url": "http://news.example.cn/tag/平安", "text": "平安", "kind": "tag"},
                    {"url": "http://news.example.cn/999.html", "text": "上一篇：防汛", "kind": "prev"},
                ],
            )
        )
    return archive_url


def test_jsonl_export_reads_back_equal(archive, tmp_path):
    path = tmp_path / "out.jsonl"
    assert main(["--db", archive, "export", "--format", "jsonl", "-o", str(path)]) == 0
    got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert got == _expected(archive)
    assert len(got) == 81
    assert {"url", "canonical_url", "site", "title", "published", "source", "author", "editor", "body", "tags"} <= set(
        got[0]
    )


def _from_csv_cell(key: str, cell: str, like):  # type: ignore[no-untyped-def]
    if isinstance(like, list) and all(isinstance(v, str) for v in like):
        return cell.split(LIST_SEPARATOR) if cell else []
    if isinstance(like, list | dict):
        return json.loads(cell)
    if like is None:
        return None if cell == "" else cell
    if isinstance(like, bool):
        return cell == "true"
    if isinstance(like, int):
        return int(cell)
    return cell


def test_csv_export_reads_back_equal(archive, tmp_path):
    path = tmp_path / "out.csv"
    assert main(["--db", archive, "export", "--format", "csv", "-o", str(path)]) == 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = _expected(archive)
    assert list(rows[0]) == export_fields()
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        back = {k: _from_csv_cell(k, row[k], want[k]) for k in want}
        # an empty source ("" on the page) and none (null) look alike in CSV
        assert {**back, "source": back["source"] or None} == {**want, "source": want["source"] or None}


def _as_parquet(rows: list[dict]) -> list[dict]:
    """The export shape as Parquet holds it: times are instants (aware datetimes), not ISO strings."""
    from datetime import datetime

    from crawler.fields import BY_NAME

    def value(key, v):  # type: ignore[no-untyped-def]
        field = BY_NAME.get(key)
        return datetime.fromisoformat(v) if field is not None and field.kind == "time" and v else v

    return [{k: value(k, v) for k, v in row.items()} for row in rows]


def test_parquet_export_reads_back_equal(archive, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "out.parquet"
    assert main(["--db", archive, "export", "--format", "parquet", "-o", str(path)]) == 0
    table = pq.read_table(path)
    assert table.column_names == export_fields()
    assert table.to_pylist() == _as_parquet(_expected(archive))
    for name in ("published", "fetched_at", "withdrawn_at"):
        assert table.schema.field(name).type == pa.timestamp("us", tz="UTC")
    for name in ("author", "editor", "tags", "page_urls"):
        assert table.schema.field(name).type == pa.list_(pa.string())
    published = [v for v in table.column("published").to_pylist() if v is not None]
    assert published
    assert all(v.utcoffset() is not None and v.utcoffset().total_seconds() == 0 for v in published)


def test_parquet_export_writes_row_groups_in_batches(archive, tmp_path):
    import pyarrow.parquet as pq

    from storage.export import write_parquet

    path = tmp_path / "small-batches.parquet"
    with session_scope(open_archive(archive)) as session:
        n = write_parquet((article_json(a) for a in iter_articles(session, Filters(), batch=10)), str(path), 25)
    assert n == 81
    assert pq.ParquetFile(path).num_row_groups == 4
    assert pq.read_table(path).to_pylist() == _as_parquet(_expected(archive))


def test_export_applies_the_search_and_filters(archive, tmp_path):
    path = tmp_path / "some.jsonl"
    args = ["--db", archive, "export", "平安", "--site", "a", "--since", "2024-03-05", "-o", str(path)]
    assert main(args) == 0
    got = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    filters = Filters(text="平安", site="a", since=BASE.replace(day=5).astimezone(BASE.tzinfo))
    want = _expected(archive, filters)
    assert got
    assert [a["id"] for a in got] == [a["id"] for a in want]
    for a in got:
        assert a["site"] == "a"
        assert "平安" in a["title"] + a["body"]


def test_empty_exports_are_valid_files(archive, tmp_path):
    import pyarrow.parquet as pq

    for fmt in ("jsonl", "csv", "parquet"):
        path = tmp_path / f"none.{fmt}"
        assert main(["--db", archive, "export", "没有这个词", "--format", fmt, "-o", str(path)]) == 0
        if fmt == "parquet":
            assert pq.read_table(path).num_rows == 0
        elif fmt == "csv":
            assert path.read_text(encoding="utf-8-sig").strip() == ",".join(export_fields())
        else:
            assert path.read_text() == ""


def test_parquet_needs_an_output_file(archive, capsys):
    assert main(["--db", archive, "export", "--format", "parquet"]) == 2
    assert "-o" in capsys.readouterr().err


def test_iter_articles_keeps_the_session_small(archive):
    """Streaming: each batch leaves the session once yielded, so a million articles never pile up."""
    with session_scope(open_archive(archive)) as session:
        seen = 0
        largest = 0
        for article in iter_articles(session, Filters(), batch=10):
            seen += 1
            largest = max(largest, len(session.identity_map))
            assert article.title is not None
        total = len(session.scalars(select(Article.id)).all())
    assert seen == total == 81
    assert largest <= 10 * 12  # one batch of articles with their tags and links
