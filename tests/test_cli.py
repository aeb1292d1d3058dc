"""The `newsarchive` command as a user runs it: demo, extract, search, show, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.cli import main
from crawler.demo import build_site
from tests.fixture_pages import load_cases

ROOT = Path(__file__).resolve().parent.parent


def newsarchive(*args: str, db: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env_db = ["--db", db] if db else []
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *env_db, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_extract_prints_the_json_of_one_saved_gbk_page(tmp_path, capsys):
    case = next(c for c in load_cases() if c.id == "dedecms/gbk-no-charset")
    page = tmp_path / "page.html"
    page.write_bytes(case.body)
    assert main(["extract", str(page), "--url", case.url, "--fetched-at", case.fetched_at.isoformat()]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == case.expected["title"]
    assert data["published"] == case.expected["published"]
    assert data["url"] == case.url


def test_extract_manifest_writes_one_prediction_per_line_with_its_id(tmp_path):
    cases = load_cases()[:3]
    manifest = tmp_path / "manifest.jsonl"
    with manifest.open("w", encoding="utf-8") as fh:
        for n, case in enumerate(cases):
            (tmp_path / f"{n}.html").write_bytes(case.body)
            fh.write(json.dumps({"id": f"case-{n}", "html_path": f"{n}.html", "url": case.url}) + "\n")
    out = tmp_path / "preds.jsonl"
    assert main(["extract", "--manifest", str(manifest), "--out", str(out)]) == 0
    preds = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in preds] == ["case-0", "case-1", "case-2"]
    assert [p["title"] for p in preds] == [c.expected["title"] for c in cases]


def test_show_names_a_missing_article_without_a_traceback(sqlite_url, capsys):
    assert main(["--db", sqlite_url, "show", "http://nowhere.example.cn/1.html"]) == 1
    assert "no article" in capsys.readouterr().err


def test_unreachable_database_gives_a_clear_message(tmp_path):
    result = newsarchive("search", "平安", db=f"sqlite:///{tmp_path}/missing-dir/archive.db")
    assert result.returncode == 1
    assert "cannot use the archive" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_crawls_the_bundled_site_into_a_fresh_archive_and_is_queryable(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    result = newsarchive("demo", db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "new articles" in result.stdout

    exported = newsarchive("export", "--format", "jsonl", db=db, cwd=tmp_path)
    articles = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(articles) >= 36
    assert len({a["canonical_url"] for a in articles}) == len(articles)
    gbk = [a for a in articles if "/a/" in a["url"]]
    assert gbk, "the GBK DedeCMS section was archived"
    assert all("\ufffd" not in a["body"] for a in articles), "no mojibake in any body"
    assert all(a["published"] and a["published"].endswith("+08:00") for a in articles)

    site = build_site("http://127.0.0.1:8000")  # the demo's own site; its port is another, so compare paths
    truth = {frozenset(urlsplit(u).path for u in story["members"]) for story in site.stories}
    groups: dict[int, set[str]] = {}
    for a in articles:
        groups.setdefault(a["story_id"], set()).add(urlsplit(a["url"]).path)
    reprinted = {frozenset(g) for g in groups.values() if len(g) > 1}
    assert reprinted == {g for g in truth if len(g) > 1}, "the demo's reprints are its stories of several copies"
    assert reprinted, "the demo has stories of more than one copy to show"
    listed = newsarchive("stories", "list", "--json", db=db, cwd=tmp_path).stdout.splitlines()
    assert len(listed) == len(reprinted)

    again = newsarchive("demo", db=db, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    recount = newsarchive("export", db=db, cwd=tmp_path).stdout.splitlines()
    assert len(recount) == len(articles), "a second crawl stores nothing twice"


def test_a_db_path_instead_of_a_url_is_one_line_saying_how_to_write_it(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "archive.db"), "search", "平安"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not an archive URL: write sqlite:///path/to/archive.db" in err
    assert not (tmp_path / "archive.db").exists()


def test_the_demo_counts_pages_and_stored_articles_from_the_crawl_signals() -> None:
    from scrapy import signals
    from scrapy.utils.test import get_crawler

    from crawler.cli.demo import CrawlCounter

    shown: list[str] = []
    counter = CrawlCounter(shown.append)
    crawler = get_crawler()
    counter.watch(crawler)
    for _ in range(3):
        crawler.signals.send_catch_log(signals.response_received, response=None, request=None, spider=None)
    crawler.signals.send_catch_log(signals.item_scraped, item={}, response=None, spider=None)
    assert shown[-1] == "crawling the demo site: 3 pages, 1 articles stored"
    assert len(shown) == 4


def test_the_demo_shows_no_progress_line_when_stderr_is_not_a_terminal(capsys) -> None:
    from crawler.cli.demo import crawl_progress

    with crawl_progress() as watch:
        assert watch is None
    assert capsys.readouterr().err == ""
