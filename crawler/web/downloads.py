"""Files: the current search as CSV/JSONL (streamed) or Parquet, a capture's raw bytes, an article's WARC.

Exports reuse storage.export's writers exactly as `newsarchive export` does: a worker thread runs the writer
into a bounded queue and the response sends what it produces, so a big export holds a few chunks in memory,
never the result set, and stops when the client goes away.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from crawler.web import data
from crawler.web.data import QuerySyntaxError
from crawler.web.params import BadRequest, parse
from storage.export import FORMATS as EXPORT_FORMATS
from storage.export import write_csv, write_jsonl, write_parquet

#: bytes gathered before a chunk goes out
CHUNK_BYTES = 64 * 1024
#: chunks the writer may run ahead of the client
QUEUE_CHUNKS = 16
#: a client that takes nothing for this long has gone; the writer stops (s)
STALL_SECONDS = 120.0
#: a raw capture is shown sandboxed: no scripts, no plugins, no forms, no requests to the news site or anywhere
RAW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
_CHARSET = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


class _Gone(Exception):
    """The client stopped reading: the writer thread ends."""


class _QueueSink:
    """A text file whose writes go, encoded and in chunks, into a queue."""

    def __init__(self, chunks: queue.Queue[Any], stop: threading.Event, encoding: str) -> None:
        self.chunks, self.stop, self.encoding = chunks, stop, encoding
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, text: str) -> int:
        part = text.encode(self.encoding)
        self.parts.append(part)
        self.size += len(part)
        if self.size >= CHUNK_BYTES:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.put(b"".join(self.parts))
            self.parts, self.size = [], 0

    def put(self, item: Any) -> None:
        waited = 0.0
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                waited += 0.5
                if waited >= STALL_SECONDS:
                    break
        raise _Gone


_DONE = object()


def stream_text(write: Callable[[IO[str]], Any], encoding: str = "utf-8") -> Iterator[bytes]:
    """Run `write(file)` in a thread and yield the bytes it writes, as they come."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    sink = _QueueSink(chunks, stop, encoding)

    def run() -> None:
        try:
            write(cast(IO[str], sink))
            sink.flush()
            sink.put(_DONE)
        except _Gone:
            pass
        except BaseException as exc:  # handed to the response, which ends the download
            with contextlib.suppress(_Gone):
                sink.put(exc)

    threading.Thread(target=run, name="newsarchive-export", daemon=True).start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _temp_file(produce: Callable[[Path], Any], filename: str, media_type: str) -> Response:
    """Write a file with `produce(path)` (formats that need a seekable file) and send it, deleting it after."""
    fd, name = tempfile.mkstemp(prefix="newsarchive-", suffix="-" + filename)
    os.close(fd)
    path = Path(name)
    try:
        produce(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=media_type, filename=filename,
                        background=BackgroundTask(path.unlink, missing_ok=True))


def export(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(404, f"no export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    try:
        filters = parse(dict(request.query_params)).filters
        data.search_terms(filters.text)  # an unreadable query is refused before the download starts
    except (BadRequest, QuerySyntaxError) as exc:
        raise HTTPException(400, str(exc)) from exc
    archive: data.Archive = request.app.state.archive
    filename = f"newsarchive-search.{fmt}"

    if fmt == "parquet":
        def parquet(path: Path) -> None:
            with archive.session() as session:
                write_parquet(data.export_rows(session, filters), str(path))

        return _temp_file(parquet, filename, "application/vnd.apache.parquet")

    def text(out: IO[str]) -> None:
        with archive.session() as session:
            rows = data.export_rows(session, filters)
            if fmt == "csv":
                write_csv(rows, out, data.export_fields())
            else:
                write_jsonl(rows, out)

    # CSV carries a BOM so Excel reads the Chinese, as `newsarchive export --format csv` writes it
    body = stream_text(text, "utf-8-sig" if fmt == "csv" else "utf-8")
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def raw_capture(request: Request) -> Response:
    """The page as archived: byte-exact, sandboxed (shown in an iframe), or as a download with ?download=1."""
    capture_id = int(request.path_params["id"])
    archive: data.Archive = request.app.state.archive
    with archive.session() as session:
        raw = data.capture_body(session, capture_id)
    if raw is None:
        raise HTTPException(404, f"no capture {capture_id} in this archive")
    if request.query_params.get("download"):
        return Response(raw.body, media_type="application/octet-stream", headers={
            "Content-Disposition": f'attachment; filename="capture-{capture_id}.html"',
            "Content-Security-Policy": RAW_CSP,
        })
    charset = raw.encoding if raw.encoding and _CHARSET.match(raw.encoding) else None
    kind = "text/html" if "html" in raw.content_type.lower() or not raw.content_type else "text/plain"
    return Response(raw.body, headers={
        "Content-Type": kind + (f"; charset={charset}" if charset else ""),
        "Content-Security-Policy": RAW_CSP,
    })


def article_warc(request: Request) -> Response:
    article_id = int(request.path_params["id"])
    archive: data.Archive = request.app.state.archive
    with archive.session() as session:
        if not data.article_exists(session, article_id):
            raise HTTPException(404, f"no article {article_id} in this archive")

    def warc(path: Path) -> None:
        with archive.session() as session:
            data.article_warc(session, article_id, path)

    return _temp_file(warc, f"article-{article_id}.warc.gz", "application/warc")
