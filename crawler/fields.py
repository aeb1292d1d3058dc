"""The one definition of an article's fields: what each holds, where its value comes from and where it goes.

Everything that lists the article's fields derives the list from `FIELDS`: the row mapping and the version
snapshots (storage.repository), the export shape and its CSV/Parquet columns and types (storage.query.article_json,
storage.export), `newsarchive show`, and the keys of a saved-page fixture (crawler.offline.fixtures and
tests/fixture_pages.py). tests/test_fields.py checks the table against `Extracted`, `ArticleItem` and the
`Article` model, so a field added in one place and not the others fails there.

Times carry an explicit zone wherever they are written out: `published` and `withdrawn_at` in the archive's
reading zone (China time, where the sites publish and researchers read), `fetched_at` and every stored snapshot in
UTC (the archive stores UTC). `iso_time` is the one formatter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo

from crawler.extract.types import Contributor, Image, Link

#: the zone researchers read the archive in: the sites' own (China has had no DST since 1991)
READING_ZONE = ZoneInfo("Asia/Shanghai")
#: the zone of everything the archive stores, version snapshots included
STORED_ZONE = UTC

#: how a value is held and written out:
#: int, bool, text; time (aware datetime); names (unique strings: author, editor, tags); urls (strings in order);
#: images, links, contributors (lists of records); rules (a mapping of strings); bytes (never written out)
Kind = Literal["int", "bool", "text", "time", "names", "urls", "images", "links", "contributors", "rules", "bytes"]
#: the parts of each kind of record, in the order exports write them (the extraction dataclasses' fields)
RECORD_PARTS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclass_fields(cls))
    for kind, cls in (("images", Image), ("links", Link), ("contributors", Contributor))
}
#: how the archive keeps a field: a column of `articles`, a relationship of its own table, or not at all
Stored = Literal["column", "relation", None]


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    #: `Extracted` has it: the extractor yields it (and a fixture may label it)
    extracted: bool = False
    #: `ArticleItem` has its own value under this name (set by the spider or the pipelines): that one is stored
    on_item: bool = False
    stored: Stored = "column"
    #: copied from the item onto the article row whenever the article is stored or re-stored
    content: bool = False
    #: kept in every version's snapshot (article_versions.fields)
    snapshot: bool = False
    #: a change of it makes a new version
    versioned: bool = False
    #: a key of the export shape (search --json, show --json, export in every format)
    exported: bool = False
    #: a key of a saved-page fixture's expected.json
    fixture: bool = False
    #: its place among `newsarchive show`'s "key: value" lines (0: not one of them)
    show_line: int = 0
    #: the zone a time is written out in
    zone: tzinfo = STORED_ZONE


def _content(
    name: str,
    kind: Kind,
    *,
    versioned: bool = True,
    fixture: bool = True,
    stored: Stored = "column",
    show_line: int = 0,
    zone: tzinfo = STORED_ZONE,
) -> Field:
    """A field of the article's content: extracted, kept on the row and in snapshots, exported, labelled."""
    return Field(
        name, kind, extracted=True, stored=stored, content=True, snapshot=True, versioned=versioned, exported=True,
        fixture=fixture, show_line=show_line, zone=zone,
    )


FIELDS: tuple[Field, ...] = (
    Field("id", "int", exported=True),
    Field("url", "text", extracted=True, on_item=True, exported=True, show_line=9),
    # the page's rel=canonical as extracted; the archive's canonical URL (normalised, same host) as stored
    Field("canonical_url", "text", extracted=True, on_item=True, exported=True, fixture=True),
    Field("site", "text", on_item=True, exported=True, show_line=8),
    _content("title", "text"),
    _content("subtitle", "text", show_line=1),
    _content("published", "time", show_line=2, zone=READING_ZONE),
    _content("source", "text", show_line=3),
    _content("author", "names", show_line=4),
    _content("editor", "names", show_line=5),
    # labelled in fixtures once the corpus carries the key (issue 10's fixtures): then fixture=True
    _content("contributors", "contributors", show_line=6),
    _content("column", "text", show_line=7),
    _content("body", "text"),
    _content("images", "images", fixture=False),
    _content("tags", "names", stored="relation"),
    # links change with every new sibling article, so they do not make a version
    _content("links", "links", versioned=False, stored="relation"),
    Field("page_urls", "urls", on_item=True, content=True, snapshot=True, exported=True),
    Field("next_pages", "urls", extracted=True, stored=None, fixture=True),
    Field("rules", "rules", extracted=True, content=True),
    Field("content_digest", "text", on_item=True),
    # one row per publication (storage.repository.publication_key): unique in the archive
    Field("publication_key", "text"),
    Field("fetched_at", "time", on_item=True, exported=True, show_line=10),
    # flags (migration 0006): a multi-page article stored with a later page missing, and how its pages decoded
    # ("clean", "mixed": a page in two encodings, "lossy": bytes no codec reads; None: stored before 0006)
    Field("partial", "bool", on_item=True, content=True, exported=True, show_line=11),
    Field("decoding", "text", on_item=True, content=True, exported=True, show_line=12),
    Field("extractor_version", "text", exported=True),
    Field("story_id", "int", exported=True),
    Field("is_original", "bool", exported=True),
    Field("version", "int", exported=True),
    Field("withdrawn_at", "time", exported=True, zone=READING_ZONE),
    Field("withdrawn_status", "int"),
    Field("created_at", "time"),
    Field("updated_at", "time"),
    Field("signature", "bytes"),
)
BY_NAME = {f.name: f for f in FIELDS}

CONTENT = tuple(f for f in FIELDS if f.content)
SNAPSHOT = tuple(f for f in FIELDS if f.snapshot)
EXPORTED = tuple(f for f in FIELDS if f.exported)
SHOWN = tuple(sorted((f for f in FIELDS if f.show_line), key=lambda f: f.show_line))
VERSIONED_FIELDS = tuple(f.name for f in FIELDS if f.versioned)
EXPORT_KEYS = tuple(f.name for f in EXPORTED)
FIXTURE_KEYS = tuple(f.name for f in FIELDS if f.fixture)
#: the link kinds a saved-page fixture labels (`fixture save` writes only these, the fixture tests accept only
#: these); breadcrumb `column` links and the like are the page's furniture, not the article's
FIXTURE_LINK_KINDS = frozenset({"tag", "prev", "next", "related", "pager"})


def iso_time(value: datetime | None, zone: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset (`2015-07-07T12:18:38+08:00`), or None; the zone is always the caller's."""
    return value.astimezone(zone).isoformat() if value is not None else None


def item_value(item: Any, field: Field) -> Any:
    """A field's value on an ArticleItem: its own when it has one, else what the extractor yielded."""
    return getattr(item if field.on_item else item.extracted, field.name)


def plain(field: Field, value: Any) -> Any:
    """A field's value as plain data (lists, dicts, strings, numbers), as rows and JSON hold it; times stay datetimes.

    Records come from the extraction dataclasses, from ORM rows (by attribute) or from stored dicts (kept as they
    are); names are made unique in order (a name or tag is credited once).
    """
    if field.kind == "names":
        return list(dict.fromkeys(value or []))
    if field.kind == "urls":
        return list(value or [])
    if field.kind in RECORD_PARTS:
        return [_record(v, RECORD_PARTS[field.kind]) for v in value or []]
    if field.kind == "rules":
        return dict(value or {})
    if field.kind == "bool":
        return bool(value)
    return value


def json_value(field: Field, value: Any, zone: tzinfo | None = None) -> Any:
    """A field's value as JSON: plain data, times as ISO 8601 in `zone` (default: the field's own)."""
    if field.kind == "time":
        return iso_time(value, zone or field.zone)
    return plain(field, value)


def as_text(field: Field | None, value: Any, separator: str) -> str:
    """A JSON value as one line of text: lists of names or URLs joined by `separator`, contributors as
    `name(role)`, flags as true/false, other lists and dicts as JSON, null and an empty list as "". A value that is
    no field's (`field` None) is rendered by its type: a list of strings is joined."""
    if value is None or value == []:
        return ""
    kind = field.kind if field is not None else None
    if kind == "contributors":
        return separator.join(f"{c['name']}({c['role']})" for c in value)
    strings = isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind in ("names", "urls") or (kind is None and strings):
        return separator.join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _record(value: Any, parts: tuple[str, ...]) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    return {part: getattr(value, part) for part in parts}
