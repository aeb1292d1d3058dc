"""Write articles (the `article_json` shape) as JSON lines, CSV or Parquet, streaming.

Rows arrive one at a time (from storage.query.iter_articles) and are written in batches, so exporting a
million articles holds one batch in memory, never the archive.

- jsonl: one JSON object per line, UTF-8, exactly `article_json`.
- csv: UTF-8 with a BOM (so Excel reads Chinese correctly), one column per key, in `article_json` order.
  Lists of plain strings (author, editor, tags, page_urls) are joined with "; "; structured values (links,
  images, any dict) are JSON strings; null is an empty cell.
- parquet: one column per key. Known keys have fixed types (lists of strings stay lists, links/images are
  lists of structs); keys others add to `article_json` take the type of the articles column of that name
  (bool, int, float, else string), or else of their first value in the first batch; values that do not fit
  a string column (lists, dicts) are stored as JSON strings.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

FORMATS = ("jsonl", "csv", "parquet")
LIST_SEPARATOR = "; "


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str], fields: list[str] | None = None) -> int:
    """CSV with a header; the columns are `fields`, else the keys of the first row."""
    writer = None
    count = 0
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=fields or list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
        count += 1
    if writer is None and fields:
        csv.DictWriter(out, fieldnames=fields).writeheader()
    return count


def _parquet_known_types() -> dict[str, Any]:
    import pyarrow as pa

    strings = pa.list_(pa.string())
    return {
        "id": pa.int64(),
        "author": strings,
        "editor": strings,
        "tags": strings,
        "page_urls": strings,
        "links": pa.list_(pa.struct([("url", pa.string()), ("text", pa.string()), ("kind", pa.string())])),
        "images": pa.list_(pa.struct([("src", pa.string()), ("caption", pa.string())])),
    }


def _guess_type(key: str, values: list[Any]) -> Any:
    import pyarrow as pa

    from storage.models import Article

    column = Article.__table__.c.get(key)
    if column is not None:  # a column of articles: its type, whatever the first batch holds
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            python_type = None
        if python_type is bool:
            return pa.bool_()
        if python_type is int:
            return pa.int64()
        if python_type is float:
            return pa.float64()
        return pa.string()
    first = next((v for v in values if v is not None), None)
    if isinstance(first, bool):
        return pa.bool_()
    if isinstance(first, int):
        return pa.int64()
    if isinstance(first, float):
        return pa.float64()
    return pa.string()


def _coerce(value: Any, type_: Any) -> Any:
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_string(type_) and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if pa.types.is_list(type_) and pa.types.is_struct(type_.value_type):
        names = [f.name for f in type_.value_type]
        return [{n: (item or {}).get(n) for n in names} for item in value]
    return value


def write_parquet(rows: Iterable[dict[str, Any]], path: str, batch_size: int = 2000) -> int:
    """A Parquet file with one row group per batch; the schema is fixed by the first batch (see module doc)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    schema = None
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer, schema
        if not batch:
            return
        if schema is None:
            known = _parquet_known_types()
            fields = []
            for key in batch[0]:
                fields.append(pa.field(key, known.get(key) or _guess_type(key, [r.get(key) for r in batch])))
            schema = pa.schema(fields)
            writer = pq.ParquetWriter(path, schema, compression="zstd")
        columns = {f.name: [_coerce(r.get(f.name), f.type) for r in batch] for f in schema}
        writer.write_table(pa.Table.from_pydict(columns, schema=schema))  # type: ignore[union-attr]
        batch.clear()

    try:
        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) >= batch_size:
                flush()
        flush()
        if writer is None:  # nothing matched: still write a valid (empty) file
            pq.write_table(pa.table({}), path)
    finally:
        if writer is not None:
            writer.close()
    return count
