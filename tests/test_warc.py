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


def _articles(db: str) -> dict[str, dict]:
    """Every article's export shape by URL, without what numbers rows (ids differ from archive to archive)."""
    from storage.query import Filters, article_json, iter_articles

    with session_scope(shared_archive(db)) as session:
        rows = [article_json(a) for a in iter_articles(session, Filters())]
    return {r["url"]: {k: v for k, v in r.items() if k not in ("id", "story_id")} for r in rows}


def test_a_crawl_exported_as_warc_replays_into_an_empty_archive_with_the_same_articles(tmp_path, capsys):
    """crawl → `warc export` → `scrapy crawl … -s REPLAY_FROM=file.warc.gz` into an empty archive → same export."""
    from crawler.demo import serve
    from tests.test_crawl import crawl, crawl_cmd

    crawled, replayed, imported = (f"sqlite:///{tmp_path / name}.db" for name in ("crawled", "replayed", "imported"))
    with serve("demo") as server:
        base = server.base_url
        crawl(base, crawled)
    warc = tmp_path / "demo.warc.gz"
    assert cli(["--db", crawled, "warc", "export", "-o", str(warc)]) == 0
    # the site is gone: the replay has only the file (list pages, robots.txt, sitemaps and feeds included)
    proc = subprocess.run(crawl_cmd(base, replayed, REPLAY_FROM=str(warc)), capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    want = _articles(crawled)
    assert len(want) >= 30
    assert _articles(replayed) == want
    assert any(len(a["page_urls"]) > 1 for a in want.values()), "the demo has a multi-page article"

    capsys.readouterr()
    assert cli(["--db", imported, "warc", "import", str(warc)]) == 0  # multi-page articles put together again
    assert _articles(imported).keys() == want.keys()
    for url, article in _articles(imported).items():
        assert article["page_urls"] == want[url]["page_urls"]
        assert article["body"] == want[url]["body"]
    with session_scope(shared_archive(imported)) as session:
        counts = (session.scalar(select(func.count()).select_from(Article)),
                  session.scalar(select(func.count()).select_from(Capture)))
    capsys.readouterr()
    assert cli(["--db", imported, "warc", "import", str(warc)]) == 0  # twice: nothing added
    assert "0 new articles" in capsys.readouterr().err
    with session_scope(shared_archive(imported)) as session:
        assert (session.scalar(select(func.count()).select_from(Article)),
                session.scalar(select(func.count()).select_from(Capture))) == counts


def test_a_replay_that_finds_nothing_to_replay_says_so_and_exits_non_zero(archive_url, tmp_path):
    from tests.test_crawl import crawl_cmd

    archive_with_captures(archive_url)
    warc = tmp_path / "other-site.warc.gz"
    assert cli(["--db", archive_url, "warc", "export", "-o", str(warc)]) == 0
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    proc = subprocess.run(crawl_cmd("http://127.0.0.1:9", empty, REPLAY_FROM=str(warc)), capture_output=True,
                          text=True, timeout=180, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "nothing to replay" in proc.stderr
