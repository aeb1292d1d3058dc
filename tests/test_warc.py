"""WARC 1.1 export (warcinfo, request, response, revisit) readable by warcio, and import with no network."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator

from crawler.cli import main as cli
from crawler.extract.types import Extracted
from crawler.offline import warc_import
from storage.db import session_scope, shared_archive
from storage.models import Article, Capture, Payload
from storage.repository import save_item
from tests.test_archive_store import OTHER, STORY, T0, item

PAGE = "<html><head><meta charset='gbk'></head><body><h1>青禾防汛</h1>堃</body></html>".encode("gbk")


def archive_with_captures(url: str) -> None:
    sessions = shared_archive(url)
    first = item("http://news.qh.cn/a/1.html", raw=PAGE)
    first.captures[0].url = "http://news.qh.cn/a/1"  # redirected
    save_item(sessions, first)
    save_item(sessions, item("http://news.qh.cn/a/1.html", raw=PAGE, fetched_at=T0 + timedelta(days=1)))  # same bytes
    save_item(sessions, item("http://news.qh.cn/a/2.html", OTHER, title="丰收节", raw=PAGE + b"<p>2</p>"))
    save_item(sessions, item("http://other.cn/9.html", OTHER + "\n另", raw=b"<html>other</html>", site="other"))


def records(path):  # type: ignore[no-untyped-def]
    with open(path, "rb") as fh:
        return [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.content_stream().read() if r.rec_type == "response" else None,
                r.rec_headers,
            )
            for r in ArchiveIterator(fh)
        ]


def test_export_writes_standard_warc_with_revisits_for_identical_payloads(archive_url, tmp_path):
    archive_with_captures(archive_url)
    out = tmp_path / "out.warc.gz"
    assert cli(["--db", archive_url, "warc", "export", "--site", "qinghe", "-o", str(out)]) == 0
    recs = records(out)
    assert [r[0] for r in recs] == ["warcinfo", "response", "request", "response", "request", "revisit", "request"]
    assert all(r[3].protocol == "WARC/1.1" for r in recs)
    _, uri, body, headers = recs[1]
    assert uri == "http://news.qh.cn/a/1.html"
    assert body == PAGE  # byte-exact GBK
    assert headers.get_header("WARC-Date") == "2015-07-07T02:00:00Z"
    assert headers.get_header("Newsarchive-Requested-URI") == "http://news.qh.cn/a/1"
    revisit = recs[5][3]
    assert revisit.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert revisit.get_header("WARC-Refers-To-Target-URI") == "http://news.qh.cn/a/1.html"
    assert revisit.get_header("WARC-Payload-Digest") == headers.get_header("WARC-Payload-Digest")
    assert recs[2][3].get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
    # another WARC tool's check: warcio verifies every block and payload digest
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(out)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_export_since_keeps_only_later_captures(archive_url, tmp_path):
    archive_with_captures(archive_url)
    out = tmp_path / "later.warc.gz"
    assert cli(["--db", archive_url, "warc", "export", "--since", "2015-07-08", "-o", str(out)]) == 0
    assert [r[0] for r in records(out)] == ["warcinfo", "response", "request"]


def fake_extract(html, url, fetched_at, profile=None):  # type: ignore[no-untyped-def]
    return Extracted(url=url, title="青禾防汛", body=STORY if "a/1" in url else OTHER + url, published=T0)


def test_import_loads_captures_and_extracts_articles_without_network(archive_url, sqlite_url, tmp_path, monkeypatch):
    archive_with_captures(sqlite_url if archive_url != sqlite_url else archive_url + ".src")
    source = sqlite_url if archive_url != sqlite_url else archive_url + ".src"
    out = tmp_path / "all.warc.gz"
    assert cli(["--db", source, "warc", "export", "-o", str(out)]) == 0
    monkeypatch.setattr(warc_import, "extract_article", fake_extract)
    monkeypatch.setattr(warc_import, "page_kind", lambda sel, url: "article")

    assert cli(["--db", archive_url, "warc", "import", str(out)]) == 0

    with session_scope(shared_archive(archive_url)) as session:
        captures = session.scalars(select(Capture).order_by(Capture.fetched_at, Capture.id)).all()
        assert len(captures) == 4
        assert captures[0].body == PAGE
        assert captures[0].url == "http://news.qh.cn/a/1"  # the requested URL survives the round trip
        assert captures[0].final_url == "http://news.qh.cn/a/1.html"
        assert captures[0].fetched_at == T0
        assert {c.site for c in captures} == {"qinghe", "other"}
        assert session.scalar(select(func.count()).select_from(Payload)) == 3
        articles = session.scalars(select(Article).order_by(Article.id)).all()
        assert len(articles) == 3  # the revisit of a/1.html is the same article, unchanged
        assert articles[0].fetched_at == T0
