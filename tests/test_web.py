"""The web view (`newsarchive serve`) through Starlette's test client, on SQLite and PostgreSQL: every page and
API route, the filters, exports, captures, escaping of hostile archived text, and read-only-ness."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError
from starlette.testclient import TestClient

from crawler.web import data
from crawler.web.app import create_app
from crawler.web.diff import text_diff
from crawler.web.params import FILTER_KINDS, BadRequest, parse
from crawler.web.text import segments, snippet
from storage.db import archive_for_writing, session_scope
from storage.models import Article, Story
from tests.web_archive import HOSTILE_CONTRIBUTOR, HOSTILE_SOURCE, HOSTILE_TITLE, T0, Ids, fill

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def archive(archive_url) -> tuple[str, Ids]:
    return archive_url, fill(archive_url)


@pytest.fixture
def client(archive) -> TestClient:
    url, _ids = archive
    app = create_app(url)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
    app.state.archive.dispose()


def ids_of(client: TestClient, **params: str) -> list[int]:
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["results"]]


# -- search ------------------------------------------------------------------------------------------------
def test_search_page_marks_the_words_found_in_titles_and_snippets(client, archive):
    _url, ids = archive
    page = client.get("/", params={"q": "应急响应"})
    assert page.status_code == 200
    assert "<mark>应急响应</mark>" in page.text
    assert f'href="/articles/{ids.original}?q=' in page.text
    assert "1–2 of 2 articles" in page.text


def test_search_facets_count_sites_sources_columns_and_months_over_all_matches(client):
    facets = client.get("/api/search", params={"q": "防汛", "per": "1"}).json()["facets"]
    assert dict(map(tuple, facets["site"])) == {"qinghe": 2, "songgang": 1}
    assert dict(map(tuple, facets["column"]))["本地"] == 1
    assert dict(map(tuple, facets["month"])) == {"2015-07": 3}
    assert sum(n for _, n in facets["source"]) == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"site": "songgang"}, ["copy"]),
        ({"source": "石门县融媒体中心"}, ["farm"]),
        ({"author": "王芳"}, ["copy"]),
        ({"contributor": "郑雯"}, ["original"]),
        ({"contributor": "赵刚", "site": "songgang"}, []),
        ({"author": "郑雯"}, []),
        ({"tag": "丰收"}, ["farm"]),
        ({"column": "三农"}, ["farm"]),
        ({"since": "2015-07-01", "until": "2015-07-07T12:00"}, ["original"]),
        ({"fetched_since": "2015-07-09"}, ["notice"]),
        ({"fetched_until": "2015-06-01"}, ["farm"]),
        ({"q": "丰收节 -石门县"}, []),
        ({"q": '"三级应急响应"', "site": "qinghe"}, ["original"]),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else "&".join(f"{k}={x}" for k, x in v.items()),
)
def test_every_filter_narrows_the_search(client, archive, params, expected):
    _url, ids = archive
    assert sorted(ids_of(client, **params)) == sorted(getattr(ids, name) for name in expected)


def test_a_date_range_is_half_open_in_china_time(client, archive):
    _url, ids = archive
    # T0 is 2015-07-07 10:00 China time: on the 7th, not before it
    assert ids.original in ids_of(client, since="2015-07-07", until="2015-07-08")
    assert ids.original not in ids_of(client, until="2015-07-07T10:00")


def test_one_row_per_story_says_how_many_copies_it_folded(client, archive):
    _url, ids = archive
    found = client.get("/api/search", params={"q": "防汛", "collapse": "1"}).json()
    rows = found["results"]
    assert found["total"] == 2  # stories: the syndicated one and the hostile article's own
    assert dict(map(tuple, found["facets"]["site"])) == {"qinghe": 2, "songgang": 1}
    story_rows = [r for r in rows if r["story_id"] == ids.story]
    assert len(story_rows) == 1
    assert story_rows[0]["id"] == ids.original
    assert story_rows[0]["folded_copies"] == 1
    page = client.get("/", params={"q": "防汛", "collapse": "1"})
    assert f'<a href="/stories/{ids.story}">folds 1 more copy of this story</a>' in page.text


def test_sort_by_relevance_and_paging(client, archive):
    _url, ids = archive
    newest = ids_of(client, q="防汛")
    assert newest[0] == ids.hostile  # published last
    assert ids_of(client, q="防汛", sort="relevance")[0] in (ids.original, ids.copy)
    pages = [ids_of(client, q="防汛", per="1", page=str(n)) for n in (1, 2, 3, 4)]
    assert [p[0] for p in pages[:3]] == newest
    assert pages[3] == []
    second = client.get("/", params={"q": "防汛", "per": "1", "page": "2"}).text
    assert 'rel="prev" href="/?q=%E9%98%B2%E6%B1%9B&amp;per=1&amp;page=1"' in second
    assert 'rel="next"' in second


def test_a_bounded_search_offers_no_page_past_the_results_it_can_reach(client, monkeypatch):
    """Facets count every match, but relevance ranks only its candidates: no "next" to an empty page."""
    import storage.query

    ranked = {"q": "防汛", "sort": "relevance", "per": "1"}
    assert 'rel="next"' in client.get("/", params={**ranked, "page": "2"}).text  # three matches, unbounded
    monkeypatch.setattr(storage.query, "RELEVANCE_CANDIDATES", 2)
    answer = client.get("/api/search", params={**ranked, "page": "2"}).json()
    assert (answer["total"], answer["reachable"], len(answer["results"])) == (3, 2, 1)
    assert any("relevance order ranks the newest 2" in note for note in answer["notes"])
    assert 'rel="next"' in client.get("/", params={**ranked, "page": "1"}).text
    assert 'rel="next"' not in client.get("/", params={**ranked, "page": "2"}).text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"unclosed'}, "unbalanced quote"),
        ({"since": "yesterday"}, "not a date"),
        ({"sort": "random"}, "sort must be one of"),
        ({"page": "0"}, "page must be between"),
    ],
)
def test_unreadable_search_parameters_get_a_400_with_the_reason(client, params, message):
    page = client.get("/", params=params)
    assert page.status_code == 400
    assert message in page.text
    api = client.get("/api/search", params=params)
    assert api.status_code == 400
    assert message in api.json()["error"]


def test_export_links_stream_the_current_search_in_every_format(client, archive):
    import pyarrow.parquet as pq

    _url, ids = archive
    page = client.get("/", params={"q": "防汛", "site": "qinghe"}).text
    assert 'href="/export.csv?q=%E9%98%B2%E6%B1%9B&amp;site=qinghe"' in page
    jsonl = client.get("/export.jsonl", params={"q": "防汛", "site": "qinghe"})
    assert jsonl.headers["content-disposition"] == 'attachment; filename="newsarchive-search.jsonl"'
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert sorted(r["id"] for r in rows) == sorted([ids.original, ids.hostile])
    assert rows[0]["body"]  # the full export shape, not the search row
    csv_bytes = client.get("/export.csv", params={"site": "songgang"}).content
    assert csv_bytes.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
    table = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert [r["title"] for r in table] == ["我市启动防汛三级应急响应"]
    parquet = client.get("/export.parquet", params={"q": "防汛"})
    assert parquet.status_code == 200
    assert sorted(pq.read_table(io.BytesIO(parquet.content)).column("id").to_pylist()) == sorted(
        [ids.original, ids.copy, ids.hostile]
    )
    assert client.get("/export.xml").status_code == 404


# -- article, story, capture, sites ------------------------------------------------------------------------
def test_article_page_shows_every_field_the_body_as_paragraphs_and_its_copies(client, archive):
    _url, ids = archive
    page = client.get(f"/articles/{ids.original}").text
    for value in ("青禾市启动防汛三级应急响应", "2015-07-07 10:00 +08:00", "青禾日报", "李明", "周编辑", "要闻", "防汛",
                  "http://news.qinghe.cn/a/1.html", "qinghe"):
        assert value in page
    assert page.count('<p><span') == 0
    assert "<p>7月6日，青禾市防汛指挥部启动三级应急响应" in page
    assert f'href="/articles/{ids.copy}"' in page  # the other copy of its story
    assert f'href="/stories/{ids.story}"' in page
    assert f'href="/articles/{ids.original}/warc"' in page


def test_contributors_show_with_their_roles_on_the_article_and_in_results_and_are_searchable(client, archive):
    _url, ids = archive
    page = client.get(f"/articles/{ids.original}").text
    link = '<a href="/?contributor=%E9%83%91%E9%9B%AF">郑雯</a>'
    assert f'{link} <span class="muted">(通讯员 correspondent)</span>' in page
    assert "赵刚</a> <span class=\"muted\">(摄影 photographer)</span>" in page
    assert "contributors 署名</dt><dd class=\"contributors\"><span class=\"muted\">none" in (
        client.get(f"/articles/{ids.copy}").text
    )
    api = client.get(f"/api/articles/{ids.original}").json()
    assert api["contributors"] == [{"name": "郑雯", "role": "correspondent"}, {"name": "赵刚", "role": "photographer"}]
    form = client.get("/").text
    assert '<input type="text" name="contributor" value="">' in form
    results = client.get("/", params={"contributor": "赵刚"}).text
    assert "1–1 of 1 articles" in results
    assert '<input type="text" name="contributor" value="赵刚">' in results
    assert "郑雯 <span class=\"muted\">(通讯员 correspondent)</span>" in results
    found = client.get("/api/search", params={"contributor": "赵刚"}).json()["results"]
    assert [row["contributors"][1]["name"] for row in found] == ["赵刚"]


def test_article_page_shows_versions_with_a_readable_diff(client, archive):
    _url, ids = archive
    page = client.get(f"/articles/{ids.notice}").text
    assert "<strong>v2</strong>" in page
    assert "recrawl" in page
    assert "<ins>，历时两小时&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</ins>" in page
    api = client.get(f"/api/articles/{ids.notice}").json()
    assert [v["version"] for v in api["versions"]] == [1, 2]
    assert api["versions"][1]["changed"] == ["body"]


def test_a_withdrawn_article_says_so(client, archive):
    _url, ids = archive
    page = client.get(f"/articles/{ids.farm}").text
    assert "Withdrawn: the page answered 404" in page


def test_story_page_puts_copies_on_a_timeline_original_first_with_diffs(client, archive):
    _url, ids = archive
    page = client.get(f"/stories/{ids.story}").text
    assert page.index(f'href="/articles/{ids.original}"') < page.index(f'href="/articles/{ids.copy}"')
    assert "first: the original" in page
    assert "+5 h" in page
    assert "<del>二</del><ins>三</ins>" in page
    assert '<svg class="chart"' in page
    api = client.get(f"/api/stories/{ids.story}").json()
    assert api["original_article_id"] == ids.original
    assert api["copied_from"] == {str(ids.original): None, str(ids.copy): ids.original}
    copy = next(c for c in api["copies"] if c["id"] == ids.copy)
    assert 0.9 < copy["similarity"] < 1
    assert ("insert", "三") in [tuple(seg) for row in copy["diff"]["rows"] for seg in row["segments"]]
    assert copy["after_original_seconds"] == 5 * 3600
    assert copy["changed_fields"] == ["title", "author", "contributors", "column", "tags"]
    assert api["first_published_id"] == ids.original
    assert f'Published first: <strong>qinghe</strong>, <a href="/articles/{ids.original}">' in page
    assert "title, author, contributors, column, tags" in page


def test_a_copy_published_before_the_original_is_named_first(client, archive):
    """The original is the story's choice (its clustering, or a reprint graph); who published first is the clock's."""
    url, ids = archive
    with session_scope(archive_for_writing(url)) as session:
        session.execute(update(Article).where(Article.id == ids.copy).values(published=T0 - timedelta(hours=1)))
    api = client.get(f"/api/stories/{ids.story}").json()
    assert api["original_article_id"] == ids.original
    assert api["first_published_id"] == ids.copy
    page = client.get(f"/stories/{ids.story}").text
    assert f'Published first: <strong>songgang</strong>, <a href="/articles/{ids.copy}">article {ids.copy}</a>' in page
    assert f'1 h before the original (qinghe, <a href="/articles/{ids.original}">' in page
    assert "−1 h <strong>(first)</strong>" in page


def test_capture_view_frames_the_raw_page_sandboxed_from_its_own_path(client, archive):
    _url, ids = archive
    page = client.get(f"/captures/{ids.hostile_capture}").text
    frame = f'<iframe class="capture" sandbox="" referrerpolicy="no-referrer" src="/raw/captures/{ids.hostile_capture}"'
    assert frame in page
    assert "Content-Type" in page
    assert "nginx" in page
    raw = client.get(f"/raw/captures/{ids.hostile_capture}")
    assert raw.headers["content-security-policy"].startswith("sandbox;")
    assert "script-src" not in raw.headers["content-security-policy"]  # default-src 'none' covers scripts
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    assert raw.content.startswith(b"<html><head><title>")  # byte-exact as archived
    download = client.get(f"/raw/captures/{ids.hostile_capture}", params={"download": "1"})
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content == raw.content
    capture_json = client.get(f"/api/captures/{ids.hostile_capture}").json()
    import hashlib

    assert capture_json["sha256"] == hashlib.sha256(raw.content).hexdigest()


def test_the_article_warc_holds_that_articles_captures_only(client, archive):
    from warcio.archiveiterator import ArchiveIterator

    _url, ids = archive
    response = client.get(f"/articles/{ids.hostile}/warc")
    assert response.status_code == 200
    records = list(ArchiveIterator(io.BytesIO(response.content)))
    uris = {r.rec_headers.get_header("WARC-Target-URI") for r in records if r.rec_type in ("response", "revisit")}
    assert uris == {"http://news.qinghe.cn/a/3.html"}
    assert client.get("/articles/99999/warc").status_code == 404


def test_sites_page_has_the_health_charts_warnings_and_crawl_runs(client):
    page = client.get("/sites").text
    assert page.count('<svg class="chart"') >= 4
    assert "articles per day, the 42 days to 2015-07-09" in page
    assert "short_body" in page
    assert "http404=3" in page
    api = client.get("/api/sites").json()
    qinghe = next(s for s in api["sites"] if s["site"] == "qinghe")
    assert qinghe["dropped"]["short_body"] == 2
    assert qinghe["coverage_by_week"][0]["shares"]["title"] == 1.0
    assert api["recent_runs"][0]["stats"]["pages_fetched"] == 12


def test_missing_things_are_404_pages_and_json_404s(client):
    assert client.get("/articles/99999").status_code == 404
    assert "no article 99999" in client.get("/articles/99999").text
    assert client.get("/api/stories/99999").json() == {"error": "no story 99999"}
    assert client.get("/captures/99999").status_code == 404


def test_assets_come_from_the_app_itself(client):
    page = client.get("/").text
    assert 'href="/static/style.css"' in page
    assert "http://" not in page.split("<main>")[0]
    assert "https://" not in page.split("<main>")[0]
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")


# -- safety ------------------------------------------------------------------------------------------------
def _pages(ids: Ids) -> list[str]:
    return ["/", "/?q=防汛", "/?q=演练&collapse=1", f"/articles/{ids.hostile}", f"/articles/{ids.hostile}?q=演练",
            f"/stories/{ids.story}", f"/captures/{ids.hostile_capture}", "/sites", f"/articles/{ids.original}",
            f"/articles/{ids.notice}"]


class _Elements(HTMLParser):
    """Every element and attribute of a page, as a browser's parser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def test_hostile_markup_in_archived_fields_is_escaped_on_every_page(client, archive):
    _url, ids = archive
    hostile_story = client.get(f"/api/articles/{ids.hostile}").json()["story_id"]
    for path in [*_pages(ids), f"/stories/{hostile_story}"]:
        page = client.get(path)
        assert page.status_code == 200, path
        elements = _Elements()
        elements.feed(page.text)
        assert "script" not in elements.tags, path
        assert "img" not in elements.tags, path
        assert not [name for name, _ in elements.attributes if name.startswith("on")], path
        assert not [v for name, v in elements.attributes if name in ("href", "src") and "javascript:" in v], path
    article = client.get(f"/articles/{ids.hostile}").text
    escaped = "防汛演练&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert escaped in article


def test_hostile_markup_reaches_the_api_as_data_never_as_markup(client, archive):
    _url, ids = archive
    for path in ("/api/search?q=演练", f"/api/articles/{ids.hostile}", f"/api/stories/{ids.story}", "/api/sites",
                 f"/api/captures/{ids.hostile_capture}"):
        response = client.get(path)
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"<" not in response.content, path
        assert b">" not in response.content, path
    article = client.get(f"/api/articles/{ids.hostile}").json()
    assert article["title"] == HOSTILE_TITLE
    assert article["source"] == HOSTILE_SOURCE
    assert article["contributors"] == [{"name": HOSTILE_CONTRIBUTOR, "role": "other"}]


def test_pages_forbid_scripts_and_foreign_resources(client):
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script" not in policy
    assert client.get("/").headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method_but_get_and_head_is_refused(client, method):
    for path in ("/", "/api/search", "/articles/1", "/nowhere"):
        response = client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == "GET, HEAD"


def test_head_answers_without_a_body(client):
    response = client.head("/sites")
    assert response.status_code == 200
    assert response.content == b""


def test_a_foreign_host_name_is_refused(client):
    """A page on another site that rebinds its name to 127.0.0.1 must not read the archive."""
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200


def test_the_apps_engine_cannot_write_to_the_archive(client):
    archive: data.Archive = client.app.state.archive
    with pytest.raises(DBAPIError), archive.engine.connect() as conn:
        conn.execute(insert(Story).values(source="写入"))
    with pytest.raises(DBAPIError), archive.engine.connect() as conn:
        conn.execute(text("UPDATE articles SET title = 'x'"))
    with archive.session() as session:
        session.add(Story(source="写入"))
        with pytest.raises(DBAPIError):
            session.flush()


def test_an_archive_that_goes_away_gives_a_503_with_one_line(tmp_path):
    db = tmp_path / "gone.db"
    fill(f"sqlite:///{db}")
    from storage.db import dispose_all

    dispose_all()
    app = create_app(f"sqlite:///{db}")
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        assert test_client.get("/").status_code == 200
        app.state.archive.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        page = test_client.get("/sites")
        assert page.status_code == 503
        assert "the archive cannot be read right now" in page.text
        assert "Traceback" not in page.text
        assert test_client.get("/api/sites").json()["error"].startswith("the archive cannot be read right now")
    app.state.archive.dispose()


# -- starting the server -----------------------------------------------------------------------------------
def newsarchive(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_serve_on_a_missing_archive_says_so_in_one_line(tmp_path):
    result = newsarchive("--db", f"sqlite:///{tmp_path / 'none.db'}", "serve", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no archive at" in result.stderr
    assert not (tmp_path / "none.db").exists(), "serving must not create an archive"


def test_serve_on_an_unmigrated_archive_names_the_upgrade_command(tmp_path):
    import sqlite3

    sqlite3.connect(tmp_path / "empty.db").close()
    result = newsarchive("--db", f"sqlite:///{tmp_path / 'empty.db'}", "serve", "--port", "0")
    assert result.returncode == 1
    assert "newsarchive db upgrade" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_an_unreachable_postgresql_says_so_in_one_line():
    result = newsarchive("--db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "serve", "--port", "0")
    assert result.returncode == 1
    assert "cannot open the archive" in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_serve_listens_on_loopback_by_default_and_answers(tmp_path):
    import urllib.request

    url = f"sqlite:///{tmp_path / 'a.db'}"
    fill(url)
    command = [sys.executable, "-m", "crawler.cli", "--db", url, "serve", "--port", "0"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            assert "read-only on http://127.0.0.1:" in line, line
            base = line.split(" on ", 1)[1].split()[0]
            with urllib.request.urlopen(base + "api/sites", timeout=10) as response:
                assert json.load(response)["sites"][0]["site"] == "qinghe"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


# -- the parts -------------------------------------------------------------------------------------------
def test_highlight_segments_keep_all_text_and_mark_terms_case_insensitively():
    parts = segments("The Flood 防汛抗旱 flood", ["flood", "防汛"])
    assert "".join(p for p, _ in parts) == "The Flood 防汛抗旱 flood"
    assert [p for p, hit in parts if hit] == ["Flood", "防汛", "flood"]
    assert segments("<b>", []) == [("<b>", False)]


def test_snippet_shows_the_text_around_the_first_match():
    body = "开头。" * 50 + "防汛抗旱形势严峻" + "结尾。" * 50
    cut = snippet(body, ["防汛抗旱"])
    assert "防汛抗旱形势严峻" in cut
    assert cut.startswith("…")
    assert cut.endswith("…")
    assert snippet("短文。", ["无"]) == "短文。"


def test_text_diff_marks_changed_characters_and_folds_unchanged_paragraphs():
    old = "\n".join(f"第{i}段没有变化。" for i in range(6)) + "\n转移群众一千二百余人。"
    new = "\n".join(f"第{i}段没有变化。" for i in range(6)) + "\n转移群众一千三百余人。"
    diff = text_diff(old, new)
    assert [r.op for r in diff.rows] == ["skip", "equal", "replace"]
    assert diff.rows[0].skipped == 5
    assert ("delete", "二") in diff.rows[-1].segments
    assert ("insert", "三") in diff.rows[-1].segments
    assert 0.9 < diff.similarity < 1
    assert not text_diff(old, old).changed


def test_filters_of_the_search_form_follow_the_archives_filters():
    from dataclasses import fields

    from storage.query import Filters

    names = {f.name for f in fields(Filters)} - {"text", "sort", "collapse"}
    assert set(FILTER_KINDS) == names
    assert FILTER_KINDS["since"] == "date"
    assert FILTER_KINDS["site"] == "text"
    request = parse({"q": "平安", "since": "2015-07-01", "collapse": "on", "page": "3", "per": "10"})
    assert request.filters.since is not None
    assert request.filters.since.utcoffset().total_seconds() == 8 * 3600
    assert request.offset == 20
    assert request.filters.collapse
    assert "page" not in request.query(site="demo")
    assert "site=demo" in request.query(site="demo")
    with pytest.raises(BadRequest):
        parse({"per": "1000"})


def test_only_the_data_module_reads_the_archive():
    """Every storage read of the web view is in crawler/web/data.py, so adapting to storage changes is one file."""
    allowed = {"data.py": None, "downloads.py": {"storage.export"}}  # downloads: the export *formats*, no reads
    for path in (ROOT / "crawler" / "web").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        storage = {m for m in modules if m.split(".")[0] in ("storage", "pipelines")}
        if path.name in allowed and allowed[path.name] is None:
            continue
        assert storage <= (allowed.get(path.name) or set()), (path.name, storage)


def test_charts_scale_bars_to_the_largest_value_and_keep_labels_as_text():
    from crawler.web import charts

    chart = charts.columns([("07-01", 0), ("07-02", 4), ("07-03", 2)], "per day")
    heights = [b.h for b in chart.bars]
    assert heights[0] == 0
    assert heights[1] == chart.height - charts.TOP - charts.BOTTOM
    assert heights[2] == heights[1] / 2
    bars = charts.hbars({"<b>short_body</b>": 3, "duplicate_url": 1}, "drops")
    assert [label.text for label in bars.labels if label.anchor == "end"] == ["<b>short_body</b>", "duplicate_url"]
    assert bars.bars[0].w == 3 * bars.bars[1].w
    assert charts.columns([], "nothing").empty
