"""The WARC 1.1 format of the archive's captures, with warcio: write them, read them back.

Export writes a `warcinfo` record, then for each capture a `request` and a `response` record (WARC-Date is the
capture's fetch time), or a `revisit` record (profile identical-payload-digest) when the same payload was
already written earlier in the file. Bodies are stored decoded of any Content-Encoding (that is how they were
received from Scrapy), so the HTTP headers written drop Content-Encoding/Transfer-Encoding and carry the real
Content-Length; the original values are kept as X-Archive-Orig-* headers. Archive-specific facts go in extension
fields that other tools ignore: `Newsarchive-Site`, `Newsarchive-Requested-URI` (before redirects),
`Newsarchive-Encoding` (the charset the page was decoded with), and for a capture of an article
`Newsarchive-Article` (its id in the exporting archive) and `Newsarchive-Page` (its page number), so an import
puts the pages of a multi-page article together again. Every capture is written: list pages, robots.txt,
sitemaps, feeds and errors too (crawler.page_captures keeps them), everything a replay walks through.

Reading gives back every response and revisit record (from any WARC, not only ours) as a capture; turning those
into articles is an offline job (crawler.offline.warc_import), not storage's.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from crawler.items import CaptureData
from storage.models import Capture

SOFTWARE = "newsarchive (warcio)"
_HOP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest convention: sha1, base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _warc_date(at: datetime) -> str:
    return datetime_to_iso_date(at.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def _http_headers(status: int, headers: dict[str, str], length: int) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    pairs = []
    for name, value in headers.items():
        if name.lower() in _HOP_HEADERS:
            if name.lower() != "content-length":
                pairs.append((f"X-Archive-Orig-{name}", value))
            continue
        pairs.append((name, value))
    pairs.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {reason}", pairs, protocol="HTTP/1.1")


def _request_headers(url: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)


def export_warc(
    session: Session,
    out: Path,
    *,
    site: str | None = None,
    since: datetime | None = None,
    progress: Callable[[Iterable[Capture]], Iterable[Capture]] = iter,
) -> tuple[int, int]:
    """Write the matching captures to a gzipped WARC 1.1 file; returns (responses, revisits). `progress` wraps the
    loop over the captures (the CLI's progress bar)."""
    stmt = select(Capture).order_by(Capture.fetched_at, Capture.id)
    if site:
        stmt = stmt.where(Capture.site == site)
    if since:
        stmt = stmt.where(Capture.fetched_at >= since)
    written: dict[str, tuple[str, str]] = {}  # sha256 -> (uri, WARC-Date) of the first response with it
    responses = revisits = 0
    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=str(out).endswith(".gz"), warc_version="1.1")
        info = {"software": SOFTWARE, "format": "WARC File Format 1.1", "description": "newsarchive captures"}
        if site:
            info["site"] = site
        writer.write_record(writer.create_warcinfo_record(out.name, info))
        for cap in progress(session.scalars(stmt).yield_per(200)):
            uri, date = cap.final_url, _warc_date(cap.fetched_at)
            extra = {"WARC-Date": date, "Newsarchive-Site": cap.site}
            if cap.url != cap.final_url:
                extra["Newsarchive-Requested-URI"] = cap.url
            if cap.encoding:
                extra["Newsarchive-Encoding"] = cap.encoding
            if cap.article_id is not None:
                extra["Newsarchive-Article"] = str(cap.article_id)
                extra["Newsarchive-Page"] = str(cap.page_no)
            body = cap.body
            http = _http_headers(cap.status, dict(cap.headers), len(body))
            if cap.digest in written:
                first_uri, first_date = written[cap.digest]
                record = writer.create_revisit_record(
                    uri, payload_digest(body), first_uri, first_date, http_headers=http, warc_headers_dict=extra
                )
                revisits += 1
            else:
                extra["WARC-Payload-Digest"] = payload_digest(body)
                record = writer.create_warc_record(
                    uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                    warc_headers_dict=extra,
                )
                written[cap.digest] = (uri, date)
                responses += 1
            request = writer.create_warc_record(
                uri, "request", http_headers=_request_headers(uri),
                warc_headers_dict={
                    "WARC-Date": date, "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")
                },
            )
            writer.write_record(record)
            writer.write_record(request)
    return responses, revisits


@dataclass(slots=True)
class WarcCapture:
    site: str | None
    capture: CaptureData
    #: the article (as the exporting archive numbered it) and page this capture was of, when it was one
    article: str | None = None
    page_no: int = 1


def read_captures(path: Path) -> Iterator[WarcCapture]:
    """Every response in a WARC file as a capture; revisits resolve to the earlier payload they refer to."""
    bodies: dict[str, bytes] = {}  # WARC-Payload-Digest -> body
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                continue
            h = record.rec_headers
            uri = h.get_header("WARC-Target-URI")
            if record.rec_type == "response":
                body = record.content_stream().read()
                digest = h.get_header("WARC-Payload-Digest") or payload_digest(body)
                bodies.setdefault(digest, body)
                bodies.setdefault(payload_digest(body), body)
            else:
                body = bodies.get(h.get_header("WARC-Payload-Digest") or "")
                if body is None:
                    continue  # refers to a record outside this file
            fetched_at = iso_date_to_datetime(h.get_header("WARC-Date")).replace(tzinfo=UTC)
            status = int(record.http_headers.get_statuscode() or 0)
            headers: dict[str, str] = {}
            for name, value in record.http_headers.headers:
                if name.lower() in _HOP_HEADERS:
                    continue
                if name.startswith("X-Archive-Orig-"):
                    continue
                headers[name] = value if name not in headers else f"{headers[name]}, {value}"
            yield WarcCapture(
                article=h.get_header("Newsarchive-Article"),
                page_no=int(h.get_header("Newsarchive-Page") or 1),
                site=h.get_header("Newsarchive-Site"),
                capture=CaptureData(
                    url=h.get_header("Newsarchive-Requested-URI") or uri,
                    final_url=uri,
                    status=status,
                    headers=headers,
                    body=body,
                    fetched_at=fetched_at,
                ),
            )
