"""Stored captures become byte-exact fixtures; live pages are recorded the same way; crawls replay offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from scrapy.http import Request

from crawler.cli import main as cli
from crawler.offline.fixtures import EXPECTED_KEYS
from crawler.replay import ReplayMiddleware, ReplaySource
from storage.db import session_scope, shared_archive
from storage.repository import save_item
from tests.fixture_pages import PAGES_DIR, load_case
from tests.test_archive_store import T0, item

ROOT = Path(__file__).resolve().parent.parent
GBK_PAGE = (
    "<html><head><title>青禾市启动防汛应急响应</title></head><body><h1>青禾市启动防汛应急响应</h1>"
    "<p>发布时间：昨天 10:20 来源：青禾日报</p><p>记者王堃报道。全市转移群众一千二百余人。</p></body></html>"
).encode("gbk")


def _stored_multipage_article(archive_url: str) -> tuple[int, list[str]]:
    """A 3-page article of the demo site, stored as a crawl stores it (one capture per page)."""
    from urllib.parse import urlsplit

    from crawler.demo.site import build_site
    from crawler.items import CaptureData
    from crawler.offline.reextract import item_from_captures

    site = build_site("http://127.0.0.1:8000")
    truth = next(a for a in site.expected_articles if len(a["page_urls"]) == 3 and a["charset"] == "utf-8")
    captures = []
    for url in truth["page_urls"]:
        page = site.pages[urlsplit(url).path]
        captures.append(CaptureData(url, url, 200, dict(page.headers), page.body, T0, "utf-8", "utf-8"))
    stored = item_from_captures("demo", captures)
    stored.captures = captures
    return save_item(shared_archive(archive_url), stored).article_id, truth["page_urls"]


def _fixture_check(case) -> None:  # type: ignore[no-untyped-def]
    """The checks tests/test_fixture_pages.py runs on every corpus case, run on one saved case."""
    from crawler.extract import extract_article
    from crawler.extract.encoding import decode_html, header_charset
    from tests import test_fixture_pages as corpus

    corpus.test_expected_json_is_complete_and_well_typed(case)
    corpus.test_expected_text_occurs_in_page(case)
    text, _encoding = decode_html(case.body, header_charset(case.headers))
    got = extract_article(text, case.url, case.fetched_at).to_json()
    for key in EXPECTED_KEYS:
        assert corpus.normalised(key, got[key]) == corpus.normalised(key, case.expected[key]), key


def test_fixture_save_writes_every_page_of_a_stored_article_as_cases_the_fixture_tests_accept(archive_url, tmp_path):
    article_id, page_urls = _stored_multipage_article(archive_url)
    out = tmp_path / "pages" / "demo" / "three-pages"
    assert cli(["--db", archive_url, "fixture", "save", str(article_id), str(out)]) == 0
    dirs = [out, out.with_name("three-pages-p2"), out.with_name("three-pages-p3")]
    cases = [load_case(d, tmp_path / "pages") for d in dirs]
    assert [c.url for c in cases] == page_urls
    assert cases[0].expected["next_pages"] == page_urls[1:]
    for case in cases:
        _fixture_check(case)


def test_fixture_save_refuses_to_overwrite_a_saved_fixture_without_force(archive_url, tmp_path, capsys):
    stored = save_item(shared_archive(archive_url), item("http://news.qh.cn/a/1.html", raw=GBK_PAGE))
    out = tmp_path / "case"
    assert cli(["--db", archive_url, "fixture", "save", str(stored.article_id), str(out)]) == 0
    (out / "expected.json").write_text('{"reviewed": true}', "utf-8")
    capsys.readouterr()
    assert cli(["--db", archive_url, "fixture", "save", str(stored.article_id), str(out)]) == 1
    assert "--force" in capsys.readouterr().err
    assert json.loads((out / "expected.json").read_text("utf-8")) == {"reviewed": True}  # the review is kept
    assert cli(["--db", archive_url, "fixture", "save", str(stored.article_id), str(out), "--force"]) == 0
    assert tuple(json.loads((out / "expected.json").read_text("utf-8"))) == EXPECTED_KEYS


def test_fixture_save_writes_a_stored_capture_byte_exact_with_fetch_time_and_expected(archive_url, tmp_path):
    stored = save_item(shared_archive(archive_url), item("http://news.qh.cn/a/1.html", raw=GBK_PAGE))
    for ref, name in ((str(stored.article_id), "by-id"), ("http://news.qh.cn/a/1.html", "by-url"), ("capture:1", "c")):
        out = tmp_path / "pages" / "qinghe" / name
        assert cli(["--db", archive_url, "fixture", "save", ref, str(out)]) == 0
        assert (out / "body.bin").read_bytes() == GBK_PAGE  # GBK stays GBK
        meta = json.loads((out / "meta.json").read_text("utf-8"))
        assert meta == {"url": "http://news.qh.cn/a/1.html", "fetched_at": "2015-07-07T02:00:00+00:00", "status": 200}
        assert json.loads((out / "headers.json").read_text("utf-8")) == {"Content-Type": "text/html; charset=gbk"}
        expected = json.loads((out / "expected.json").read_text("utf-8"))
        assert tuple(expected) == EXPECTED_KEYS
        case = load_case(out, tmp_path / "pages")  # the fixture-page loader reads it as any other case
        assert case.fetched_at == T0
    assert cli(["--db", archive_url, "fixture", "save", "http://nowhere.cn/x.html", str(tmp_path / "x")]) == 1


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/a/1.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=gb2312")
        self.send_header("Content-Length", str(len(GBK_PAGE)))
        self.end_headers()
        self.wfile.write(GBK_PAGE)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def live_page():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/a/1.html"
    server.shutdown()
    server.server_close()


def test_scrapy_record_fixture_saves_a_live_page_the_same_way(live_page, tmp_path):
    out = tmp_path / "rec"
    before = datetime.now(UTC)
    env = {**os.environ, "ARCHIVE_DB_URL": f"sqlite:///{tmp_path / 'unused.db'}"}
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "record-fixture", live_page, str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / "body.bin").read_bytes() == GBK_PAGE
    meta = json.loads((out / "meta.json").read_text("utf-8"))
    assert meta["url"] == live_page
    assert meta["status"] == 200
    assert datetime.fromisoformat(meta["fetched_at"]) >= before.replace(microsecond=0)
    assert json.loads((out / "headers.json").read_text("utf-8"))["Content-Type"] == "text/html; charset=gb2312"
    assert tuple(json.loads((out / "expected.json").read_text("utf-8"))) == EXPECTED_KEYS


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str) -> None:
        self.values[key] = self.values.get(key, 0) + 1


def test_replay_answers_from_fixtures_with_their_fetch_time_and_404_for_the_rest():
    source = ReplaySource.load(PAGES_DIR)
    mw = ReplayMiddleware(source, _Stats())
    case = load_case(PAGES_DIR / "dedecms" / "gbk-no-charset")
    request = Request(case.url.replace("http://", "https://") + "?spm=1.2")  # folded like the archive folds URLs
    response = mw.process_request(request)
    assert response.status == 200
    assert response.body == case.body
    assert response.meta["fetched_at"] == case.fetched_at
    assert "replay" in response.flags
    missing = mw.process_request(Request("http://www.haining-demo.cn/robots.txt"))
    assert missing.status == 404
    assert mw.stats.values == {"replay/responses": 1, "replay/missing": 1}


def test_replay_from_warc_redirects_like_the_live_fetch(archive_url, tmp_path):
    first = item("http://news.qh.cn/a/1.html", raw=GBK_PAGE)
    first.captures[0].url = "http://news.qh.cn/a?id=1"
    save_item(shared_archive(archive_url), first)
    out = tmp_path / "c.warc.gz"
    assert cli(["--db", archive_url, "warc", "export", "-o", str(out)]) == 0
    mw = ReplayMiddleware(ReplaySource.load(out), _Stats())
    redirect = mw.process_request(Request("http://news.qh.cn/a?id=1"))
    assert (redirect.status, redirect.headers[b"Location"]) == (302, b"http://news.qh.cn/a/1.html")
    page = mw.process_request(Request("http://news.qh.cn/a/1.html"))
    assert page.body == GBK_PAGE
    assert page.meta["fetched_at"] == T0


def replay_site(root: Path) -> tuple[str, list[str]]:
    """A list page plus two saved article pages of one site, as a fixture directory."""
    cases = [load_case(PAGES_DIR / "misc" / name) for name in ("relative-yesterday", "relative-minutes")]
    for case in cases:
        shutil.copytree(case.dir, root / case.id.replace("/", "-"))
    links = "".join(f'<li><a href="{c.url}">{c.expected["title"]}</a></li>' for c in cases)
    home = root / "home"
    home.mkdir()
    (home / "body.bin").write_bytes(f"<html><body><ul>{links}</ul></body></html>".encode())
    (home / "headers.json").write_text('{"Content-Type": "text/html; charset=utf-8"}')
    (home / "meta.json").write_text(
        json.dumps({"url": "http://www.jxzx-demo.cn/pingan/", "fetched_at": "2015-07-06T17:30:00+00:00", "status": 200})
    )
    return "http://www.jxzx-demo.cn/pingan/", [c.url for c in cases]


@pytest.mark.slow
def test_a_whole_crawl_replays_offline_through_the_real_spider_and_pipelines(tmp_path):
    start, article_urls = replay_site(tmp_path / "site")
    db = f"sqlite:///{tmp_path / 'replayed.db'}"
    proc = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_url={start}",
            "-s", f"REPLAY_FROM={tmp_path / 'site'}", "-s", f"ARCHIVE_DB_URL={db}", "-s", "DOWNLOAD_DELAY=0",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "'replay/responses'" in proc.stderr
    from storage.models import Capture

    with session_scope(shared_archive(db)) as session:
        captured = {c.final_url: c for c in session.query(Capture)}
    assert set(article_urls) <= set(captured)
    for url in article_urls:
        assert captured[url].body == load_case(
            PAGES_DIR / "misc" / ("relative-yesterday" if url.endswith("301723.html") else "relative-minutes")
        ).body
