"""End to end: the real `scrapy crawl news` (in a subprocess) against generated sites served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from crawler.demo import build_site, serve
from storage.models import Article, Capture, CrawlRun

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_BACKOFF_BASE": "0",
    "LOG_LEVEL": "INFO",
}


def crawl_cmd(base_url: str, db_url: str, *args: str, **settings: str) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start_url={base_url}/"]
    for arg in args:
        cmd += ["-a", arg]
    for key, value in {**LOOPBACK, "ARCHIVE_DB_URL": db_url, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl(base_url: str, db_url: str, *args: str, **settings: str) -> str:
    """Run one crawl to its end; returns its log."""
    proc = subprocess.run(
        crawl_cmd(base_url, db_url, *args, **settings), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stderr.rstrip().splitlines()[-1].startswith("crawl finished: "), proc.stderr[-500:]  # the summary
    return proc.stderr


def snapshot(db_url: str) -> dict[str, tuple]:
    """canonical URL -> (title, body, page URLs, number of captures) of every stored article."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Article.id, Article.url, Article.title, Article.body, Article.page_urls)).all()
        caps = dict(conn.execute(select(Capture.article_id, func.count()).group_by(Capture.article_id)).all())
    engine.dispose()
    urls = [r.url for r in rows]
    assert len(urls) == len(set(urls)), "an article stored twice"
    return {r.url: (r.title, r.body, tuple(r.page_urls), caps.get(r.id, 0)) for r in rows}


def runs(db_url: str) -> list[CrawlRun]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = list(conn.execute(select(CrawlRun).order_by(CrawlRun.id)).all())
    engine.dispose()
    return out


def article_hits(server, paths: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p in paths if server.base_url + p in server.site.articles | server.site.continuation]


@pytest.mark.slow
def test_site_crawled_completely_then_incrementally(tmp_path, capsys) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve("crawl") as server:
        site = server.site
        # Run 1: every article exactly once, from every discovery path.
        crawl(server.base_url, db_url)
        hits = server.take_hits()
        stored = snapshot(db_url)
        assert set(stored) == site.articles
        for never in site.never | site.continuation:
            assert never not in stored
        assert "/private/secret.html" not in hits  # robots.txt obeyed
        for trap in ("/search.php", "/login.php", "/calendar/", "/print.php", "/news/?page=2&sort"):
            assert not [h for h in hits if h.startswith(trap)], trap
        assert len([h for h in hits if h.startswith("/archive/day/")]) <= 12  # an endless chain, bounded
        assert {"/sitemap_index.xml", "/sitemap_1.xml", "/sitemap_2.xml", "/rss.xml", "/atom.xml"} <= set(hits)

        # The multi-page articles are one article each, merged in page order, with every page's capture.
        base = server.base_url
        _title, body, pages, captures = stored[f"{base}/2015/0710/888.html"]
        assert pages == (f"{base}/2015/0710/888.html", f"{base}/2015/0710/888_2.html", f"{base}/2015/0710/888_3.html")
        assert captures == 3
        assert body.index("特写第1页") < body.index("特写第2页") < body.index("特写第3页")
        _title, body, pages, captures = stored[f"{base}/zt/detail.aspx?id=800"]
        assert captures == 2
        assert body.index("回眸第1页") < body.index("回眸第2页")

        # Encodings: gzipped GBK without an HTTP charset, and GBK bytes labelled utf-8, both read right.
        assert stored[f"{base}/a/nongye/20150714/501.html"][0] == "三农：王喆的猕猴桃合作社"
        assert stored[f"{base}/a/nongye/20150714/502.html"][0] == "三农：李堃家的稻田养鱼"
        engine = create_engine(db_url)
        with engine.connect() as conn:
            enc = conn.execute(text("select encoding from captures where url like '%/20150714/501.html'")).scalar()
        engine.dispose()
        assert enc == "gb18030"

        first = runs(db_url)[-1]
        assert first.finish_reason == "finished"
        s = first.stats
        assert s["articles_new"] == len(site.articles)
        assert s["pages_fetched"] >= len(site.articles)
        assert s["challenges"] == 2
        assert s["soft_404"] == 1
        assert {"404", "500", "521"} <= set(s["http_errors"])

        # Run 2: the archive answers "already archived?": no article page is fetched again, nothing stored.
        crawl(server.base_url, db_url)
        hits = server.take_hits()
        assert article_hits(server, hits) == []
        assert snapshot(db_url) == stored
        second = runs(db_url)[-1]
        assert second.stats["mode"] == "incremental"
        assert second.stats["articles_new"] == 0
        assert second.stats["pagination_stopped"] >= 5
        # (the 三农 list's first page links to a dead page, which counts as new until fetched: one page more)
        assert not [h for h in hits if h.endswith(("list_3_3.html", "index_1.shtml", "node_12_2.htm", "pn=2"))]

        # Run 3: two new articles on top of the first column: only they are fetched; its page 2 is walked
        # (page 1 had news) but page 3 is not (page 2 had none).
        server.site = build_site(server.base_url, "crawl", extra=2)
        crawl(server.base_url, db_url)
        hits = server.take_hits()
        new = server.site.articles - site.articles
        assert len(new) == 2
        assert sorted(base + h for h in article_hits(server, hits)) == sorted(new)
        assert set(snapshot(db_url)) == server.site.articles
        assert "/xxgk/index_1.shtml" in hits
        assert "/xxgk/index_2.shtml" not in hits
        assert runs(db_url)[-1].stats["articles_new"] == 2

    from crawler.cli import main

    assert main(["--db", db_url, "runs"]) == 0
    assert "crawl runs" in capsys.readouterr().out
    assert main(["--db", db_url, "runs", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["stats"]["mode"] for r in listed] == ["incremental", "incremental", "full"]
    assert all(r["finish_reason"] == "finished" for r in listed)


@pytest.mark.slow
def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path) -> None:
    reference_db = f"sqlite:///{tmp_path / 'reference.db'}"
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    jobdir = tmp_path / "job"
    with serve("crawl") as server:
        crawl(server.base_url, reference_db)
        reference = snapshot(reference_db)
        assert set(reference) == server.site.articles

        # Slow the crawl down so the kill lands mid-way, then SIGKILL it once some articles are stored.
        slow = {"CONCURRENT_REQUESTS_PER_DOMAIN": "2", "DOWNLOAD_DELAY": "0.05", "JOBDIR": str(jobdir)}
        proc = subprocess.Popen(
            crawl_cmd(server.base_url, db_url, **slow), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 180  # a loaded machine crawls slowly: wait on the archive, not the clock
        try:
            while time.monotonic() < deadline and proc.poll() is None and article_count(db_url) < 25:
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        # counted after the kill: articles stored between the last look and the kill belong to the killed run
        # (counting before it made the resumed run's articles_new look wrong whenever the crawl was quick)
        stored = article_count(db_url)
        assert proc.returncode == -signal.SIGKILL, f"the crawl ended by itself (rc {proc.returncode}, {stored} stored)"
        assert 25 <= stored < len(reference), "the crawl was not killed mid-way"
        assert runs(db_url)[-1].finished_at is None  # the killed run's record says so

        crawl(server.base_url, db_url, JOBDIR=str(jobdir))
        assert snapshot(db_url) == reference
        last = runs(db_url)[-1]
        assert last.stats["mode"] == "resume"
        assert last.stats["articles_new"] == len(reference) - stored


def article_count(db_url: str) -> int:
    """Articles stored so far, read while a crawl may be writing (0 before the schema exists)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("select count(*) from articles")).scalar() or 0
    except Exception:
        return 0
    finally:
        engine.dispose()
