"""The field table (crawler.fields) agrees with what extraction yields, what the item carries and what the archive
stores, and every list of fields (snapshots, exports, show, fixtures) is derived from it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa

from crawler.extract.types import Contributor, Extracted, Image, Link
from crawler.fields import (
    BY_NAME,
    EXPORT_KEYS,
    FIELDS,
    FIXTURE_KEYS,
    READING_ZONE,
    SNAPSHOT,
    VERSIONED_FIELDS,
    as_text,
    iso_time,
    json_value,
)
from crawler.items import ArticleItem
from crawler.offline.fixtures import EXPECTED_KEYS, expected_json
from storage.models import Article
from storage.query import export_fields
from storage.repository import item_fields
from tests import fixture_pages

#: what each kind of field is in the articles table
COLUMN_TYPES = {
    "int": (sa.Integer,),
    "bool": (sa.Boolean,),
    "text": (sa.Text, sa.String),
    "time": (sa.DateTime,),
    "names": (sa.JSON,),
    "urls": (sa.JSON,),
    "images": (sa.JSON,),
    "contributors": (sa.JSON,),
    "rules": (sa.JSON,),
    "bytes": (sa.LargeBinary,),
}


def test_the_table_names_every_field_of_extracted_and_only_those_as_extracted():
    extracted = {f.name for f in dataclasses.fields(Extracted)}
    assert {f.name for f in FIELDS if f.extracted} == extracted


def test_fields_taken_from_the_item_are_fields_of_article_item():
    item_fields_ = {f.name for f in dataclasses.fields(ArticleItem)}
    on_item = {f.name for f in FIELDS if f.on_item}
    assert on_item <= item_fields_
    assert on_item >= {"url", "site", "canonical_url", "page_urls", "fetched_at", "content_digest"}


def test_every_articles_column_is_a_stored_field_of_its_kind_and_back():
    columns = Article.__table__.columns
    stored = {f.name for f in FIELDS if f.stored == "column"}
    assert stored == set(columns.keys())
    for name in stored:
        kind = BY_NAME[name].kind
        underlying = getattr(columns[name].type, "impl", columns[name].type)
        assert isinstance(underlying, COLUMN_TYPES[kind]), f"{name}: {kind} stored as {columns[name].type!r}"


def test_relation_fields_are_relationships_of_the_article():
    relations = {f.name for f in FIELDS if f.stored == "relation"}
    assert relations == {"tags", "links"}
    assert relations <= set(sa.inspect(Article).relationships.keys())


def test_every_derived_list_comes_from_the_table():
    assert export_fields() == list(EXPORT_KEYS) == [f.name for f in FIELDS if f.exported]
    assert EXPECTED_KEYS == fixture_pages.EXPECTED_KEYS == FIXTURE_KEYS
    assert set(FIXTURE_KEYS) <= {f.name for f in FIELDS if f.extracted}
    assert set(VERSIONED_FIELDS) <= {f.name for f in SNAPSHOT}
    assert "links" not in VERSIONED_FIELDS  # they change with every new sibling article


def test_a_field_added_to_the_table_reaches_snapshot_export_and_fixture_keys():
    names = {f.name for f in FIELDS}
    assert "contributors" in names
    assert "contributors" in EXPORT_KEYS
    assert "contributors" in VERSIONED_FIELDS
    item = ArticleItem(
        site="s", url="http://a.cn/1.html", fetched_at=datetime(2015, 7, 7, tzinfo=UTC),
        extracted=Extracted(url="http://a.cn/1.html", contributors=[Contributor("郑雯", "correspondent")]),
    )
    assert item_fields(item)["contributors"] == [{"name": "郑雯", "role": "correspondent"}]
    assert set(expected_json(Extracted(url="u"))) == set(FIXTURE_KEYS)


def test_times_are_written_in_an_explicit_zone():
    at = datetime(2015, 7, 7, 2, 0, tzinfo=UTC)
    assert iso_time(at, READING_ZONE) == "2015-07-07T10:00:00+08:00"
    assert iso_time(at.astimezone(timezone(timedelta(hours=-5))), UTC) == "2015-07-07T02:00:00+00:00"
    assert iso_time(None, UTC) is None
    assert json_value(BY_NAME["published"], at) == "2015-07-07T10:00:00+08:00"  # the reading zone
    assert json_value(BY_NAME["withdrawn_at"], at) == "2015-07-07T10:00:00+08:00"
    assert json_value(BY_NAME["fetched_at"], at) == "2015-07-07T02:00:00+00:00"  # UTC
    assert json_value(BY_NAME["published"], at, UTC) == "2015-07-07T02:00:00+00:00"  # snapshots are stored in UTC


def test_records_become_plain_dicts_whatever_they_come_from():
    links = [Link("http://a.cn/t", "平安", "tag")]
    assert json_value(BY_NAME["links"], links) == [{"url": "http://a.cn/t", "text": "平安", "kind": "tag"}]
    assert json_value(BY_NAME["images"], [Image("http://a.cn/1.jpg")]) == [{"src": "http://a.cn/1.jpg", "caption": ""}]
    stored = [{"src": "http://a.cn/2.jpg", "caption": "现场"}]
    assert json_value(BY_NAME["images"], stored) == stored
    assert json_value(BY_NAME["tags"], ["平安", "社区", "平安"]) == ["平安", "社区"]


def test_text_rendering_joins_lists_and_writes_contributors_with_their_role():
    contributors = [{"name": "郑雯", "role": "correspondent"}, {"name": "李明", "role": "photographer"}]
    assert as_text(BY_NAME["contributors"], contributors, "; ") == "郑雯(correspondent); 李明(photographer)"
    assert as_text(BY_NAME["author"], ["张三", "李四"], ", ") == "张三, 李四"
    assert as_text(BY_NAME["links"], [], "; ") == ""
    assert as_text(BY_NAME["is_original"], False, "; ") == "false"
    assert as_text(None, {"a": 1}, "; ") == '{"a": 1}'
