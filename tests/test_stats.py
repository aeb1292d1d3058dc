"""`newsarchive stats`: per-day counts, field coverage and its drift, run counters, and the offline HTML report."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from crawler.cli import main
from crawler.cli.stats import render_html, sparkline
from storage.db import session_scope
from storage.db import shared_archive as open_archive
from storage.models import CrawlRun
from storage.stats import archive_health
from tests.test_query import new_article

NOW = datetime(2024, 6, 30, 4, 0, tzinfo=UTC)  # 12:00 in China


@pytest.fixture
def archive(archive_url):
    """Site "good": 40 complete articles over 40 days. Site "changed": complete until 5 days ago, then
    no author and short bodies (a template change). Plus crawl runs with drops and HTTP errors."""
    sessions = open_archive(archive_url)
    n = 0
    with session_scope(sessions) as session:
        for day in range(40):
            n += 1
            at = NOW - timedelta(days=day, hours=1)
            session.add(
                new_article(
                    n, site="good", published=at, fetched_at=at, source="日报", author=["张三"], body="正文" * 100
                )
            )
        for day in range(30):
            for k in range(2):
                n += 1
                at = NOW - timedelta(days=day, hours=2 + k)
                changed = day < 5
                session.add(
                    new_article(
                        n,
                        site="changed",
                        published=None if changed and k else at,
                        fetched_at=at,
                        source="晚报",
                        author=[] if changed else ["李四"],
                        body="短" if changed else "正文" * 100,
                    )
                )
        for i, stats in enumerate(
            [
                {"pages_fetched": 10, "articles_new": 3, "dropped": {"not_article": 2}, "http_errors": {"404": 1}},
                {"pages_fetched": 20, "articles_new": 5, "dropped": {"not_article": 1, "no_body": 4}},
                {"pages_fetched": "junk", "dropped": None, "http_errors": {"500": 2, "404": 1}},
                {"pages_fetched": 1000, "articles_new": 1000},  # older than the last 3: not counted
            ]
        ):
            session.add(
                CrawlRun(
                    spider="news",
                    site="changed",
                    started_at=NOW - timedelta(days=i),
                    finished_at=NOW - timedelta(days=i) + timedelta(minutes=5),
                    finish_reason="finished",
                    stats=stats,
                )
            )
        session.add(CrawlRun(spider="news", site="<script>alert(1)</script>", started_at=NOW, stats={}))
    return archive_url


def test_articles_per_day_coverage_and_runs(archive):
    with session_scope(open_archive(archive)) as session:
        health = archive_health(session, days=14, recent_days=7, runs=3, now=NOW)
    sites = {s.site: s for s in health.sites}
    assert set(sites) == {"good", "changed", "<script>alert(1)</script>"}
    good, changed = sites["good"], sites["changed"]
    assert good.articles == 40
    assert changed.articles == 60
    assert [d for d, _ in good.per_day] == [date(2024, 6, 17) + timedelta(days=i) for i in range(14)]
    assert [n for _, n in good.per_day] == [1] * 14
    # the last 5 days, only one of the two daily articles of "changed" has a published date
    assert [n for _, n in changed.per_day] == [2] * 9 + [1] * 5
    assert good.recent.articles == 7
    assert good.history.articles == 33
    assert good.recent.shares == {"title": 1.0, "published": 1.0, "source": 1.0, "author": 1.0, "body": 1.0}
    assert changed.recent.articles == 14
    assert changed.recent.shares["author"] == pytest.approx(4 / 14)
    assert changed.recent.shares["published"] == pytest.approx(9 / 14)
    assert changed.history.shares["author"] == 1.0
    assert changed.recent.mean_body_length == pytest.approx((10 * 1 + 4 * 200) / 14)
    assert good.warnings == []
    assert any(w.startswith("author filled in 29%") for w in changed.warnings)
    assert any(w.startswith("published filled in 64%") for w in changed.warnings)
    assert any("bodies average" in w for w in changed.warnings)
    assert changed.runs == 3
    assert changed.pages_fetched == 30
    assert changed.articles_new == 8
    assert changed.dropped == {"no_body": 4, "not_article": 3}
    assert changed.http_errors == {"404": 2, "500": 2}
    assert changed.last_finish_reason == "finished"


def test_stats_for_one_site_and_json(archive, capsys):
    assert main(["--db", archive, "stats", "--site", "good", "--json", "--days", "7"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["site"] for s in data["sites"]] == ["good"]
    assert len(data["sites"][0]["per_day"]) == 7


def test_stats_table_and_warnings(archive, capsys):
    assert main(["--db", archive, "stats"]) == 0
    out, err = capsys.readouterr()
    assert "good" in out
    assert "changed" in out
    # the warnings are relative to the current date: the fixture's data is in the past, so "no articles"
    assert "warning" in err


def test_html_report_is_one_offline_file(archive, tmp_path):
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "report.html"
    assert main(["--db", archive, "stats", "--html", str(path)]) == 0
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]
    with session_scope(open_archive(archive)) as session:
        page = render_html(archive_health(session, now=NOW))
    for html in (path.read_text(encoding="utf-8"), page):
        assert html.startswith("<!DOCTYPE html>")
        assert "<svg" in html
        lowered = html.lower()
        for external in ("http:", "https:", "//", "src=", "href=", "url(", "@import", "<script", "<link"):
            assert external not in lowered, external
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a template change?" in page
    assert len(re.findall(r"<rect ", page)) >= 28


def test_sparkline():
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([0, 4, 8]) == "▁▅█"


def test_a_body_counts_as_filled_when_it_holds_more_than_spaces(archive_url):
    sessions = open_archive(archive_url)
    bodies = ["", " ", "   ", " 正文", "正文", "正文  ", "\n"]
    with session_scope(sessions) as session:
        for n, body in enumerate(bodies, 1):
            session.add(new_article(n, site="spaces", body=body, fetched_at=NOW - timedelta(days=30)))
    with session_scope(sessions) as session:
        health = archive_health(session, now=NOW)
    (site,) = health.sites
    # trim() removes spaces only: a newline is text, as the count has always had it
    assert site.history.shares["body"] == pytest.approx(4 / 7)
