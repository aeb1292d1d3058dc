"""Write articles (the `article_json` shape) as JSON lines, CSV or Parquet, streaming.

Rows arrive one at a time (from storage.query.iter_articles) and are written in batches, so exporting a
million articles holds one batch in memory, never the archive. Columns and their types come from the field
table (crawler.fields), by each field's kind:

- jsonl: one JSON object per line, UTF-8, exactly `article_json`.
- csv: UTF-8 with a BOM (so Excel reads Chinese correctly), one column per key, in `article_json` order.
  Lists of names and URLs (author, editor, tags, page_urls) are joined with "; "; contributors are written
  `name(role); name(role)`; other structured values (links, images) are JSON strings; null is an empty cell.
- parquet: one column per key. Lists of names and URLs stay lists of strings; links, images and contributors
  are lists of structs; ids and counters are int64, flags bool, text strings, times timestamp[us, tz=UTC]
  (pandas reads them as tz-aware datetimes; the JSON/CSV ISO offset is a display zone only). A key that
  is not a field takes the type of its first value in the first batch; values that do not fit a string column
  (lists, dicts) are stored as JSON strings.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from crawler.fields import BY_NAME, RECORD_PARTS, as_text

FORMATS = ("jsonl", "csv", "parquet")
LIST_SEPARATOR = "; "


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


#: a cell starting with one of these is a formula to Excel/LibreOffice: it gets a leading ' (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any, key: str | None = None) -> str:
    """One CSV cell: a field's value rendered by its kind (see the module doc), any other value by its type; text
    that a spreadsheet would run as a formula is neutralised with a leading '."""
    text = as_text(BY_NAME.get(key or ""), value, LIST_SEPARATOR)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str], fields: list[str] | None = None) -> int:
    """CSV with a header; the columns are `fields`, else the keys of the first row."""
    writer = None
    count = 0
    for row in rows:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=fields or list(row), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: csv_cell(v, k) for k, v in row.items()})
        count += 1
    if writer is None and fields:
        csv.DictWriter(out, fieldnames=fields).writeheader()
    return count


def _parquet_type(key: str, values: list[Any]) -> Any:
    """The Parquet type of a column: by the field's kind, else by the first value (see the module doc)."""
    import pyarrow as pa

    field = BY_NAME.get(key)
    if field is not None:
        if field.kind in ("names", "urls"):
            return pa.list_(pa.string())
        if field.kind in RECORD_PARTS:
            return pa.list_(pa.struct([(part, pa.string()) for part in RECORD_PARTS[field.kind]]))
        # a time is an instant: microseconds, UTC (the archive stores UTC)
        scalar = {"int": pa.int64(), "bool": pa.bool_(), "time": pa.timestamp("us", tz="UTC")}
        return scalar.get(field.kind, pa.string())
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
    if pa.types.is_timestamp(type_):
        return datetime.fromisoformat(value) if isinstance(value, str) else value
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

    writer: pq.ParquetWriter | None = None
    schema = None
    count = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal writer, schema
        if not batch:
            return
        if schema is None:
            schema = pa.schema([pa.field(k, _parquet_type(k, [r.get(k) for r in batch])) for k in batch[0]])
            writer = pq.ParquetWriter(path, schema, compression="zstd")
        columns = {f.name: [_coerce(r.get(f.name), f.type) for r in batch] for f in schema}
        writer.write_table(pa.Table.from_pydict(columns, schema=schema))
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
