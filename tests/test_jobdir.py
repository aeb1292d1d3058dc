"""Stop a real `scrapy crawl news -s JOBDIR=…` (Ctrl-C, SIGKILL, a queue file cut short) and resume it as the README
says: nothing archived is lost, nothing is stored twice, and no article page is fetched twice.

A Ctrl-C (SIGINT once) lets Scrapy save its queue and the frontier's decisions (crawler.frontier.Frontier.keep_in):
the resumed run takes up the queue and fetches no page of the first run again. A SIGKILL leaves a queue that cannot be
trusted (crawler.extensions.JobDirGuard sets it aside): the resumed run walks the list pages again and fetches no
article the archive holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from crawler.demo import build_site, serve
from tests.test_crawl import ROOT, article_count, crawl, crawl_cmd, runs, snapshot

#: slow enough that a signal lands mid-crawl, whatever the machine's load
SLOW = {"CONCURRENT_REQUESTS_PER_DOMAIN": "2", "DOWNLOAD_DELAY": "0.05"}


def interrupted(base_url: str, db_url: str, sig: signal.Signals, after: int, **settings: str) -> int:
    """Start a crawl, send it `sig` once `after` articles are stored, wait for it; the number stored when it ended."""
    proc = subprocess.Popen(
        crawl_cmd(base_url, db_url, **SLOW, **settings), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None and article_count(db_url) < after:
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(sig)
        _out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err[-3000:]
    stored = article_count(db_url)
    assert after <= stored, f"the crawl ended by itself with {stored} stored (rc {proc.returncode})"
    return stored


def article_fetches(server, hits: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """The article pages among the hits, without those the site fails once on purpose (their retry is not a
    second fetch of a page the crawl had)."""
    retried = {a.path for a in server.site.model.articles if a.fail_first}
    pages = server.site.articles | server.site.continuation
    return [h for h in hits if server.base_url + h in pages and h not in retried]


@pytest.mark.slow
def test_ctrl_c_then_resume_with_jobdir_fetches_no_page_twice_and_loses_nothing(tmp_path: Path) -> None:
    db_url, job = f"sqlite:///{tmp_path / 'archive.db'}", str(tmp_path / "job")
    with serve("crawl") as server:
        stored = interrupted(server.base_url, db_url, signal.SIGINT, 25, JOBDIR=job)
        first = server.take_hits()
        assert runs(db_url)[-1].finish_reason == "shutdown"
        assert stored < len(server.site.articles), "the Ctrl-C came too late to test anything"

        log = crawl(server.base_url, db_url, JOBDIR=job)
        second = server.take_hits()
        assert set(snapshot(db_url)) == server.site.articles
        twice = set(article_fetches(server, first)) & set(article_fetches(server, second))
        assert twice == set()
        assert "/" not in second  # the queue was taken up: the start page is not walked again
        assert "killed before" not in log
        last = runs(db_url)[-1]
        assert last.finish_reason == "finished"
        assert last.stats["articles_new"] == len(server.site.articles) - stored


@pytest.mark.slow
def test_sigkill_then_resume_with_jobdir_sets_the_queue_aside_and_resumes_from_the_archive(tmp_path: Path) -> None:
    db_url, job = f"sqlite:///{tmp_path / 'archive.db'}", tmp_path / "job"
    with serve("crawl") as server:
        interrupted(server.base_url, db_url, signal.SIGKILL, 25, JOBDIR=str(job))
        killed_with = set(snapshot(db_url))
        server.take_hits()

        log = crawl(server.base_url, db_url, JOBDIR=str(job))
        second = server.take_hits()
        assert set(snapshot(db_url)) == server.site.articles  # snapshot() also asserts no article stored twice
        assert "was killed before it could save its queue" in log
        assert (job / "requests.queue.stale").exists()
        refetched = {server.base_url + h for h in article_fetches(server, second)} & killed_with
        assert refetched == set()  # what the killed run stored is never fetched again
        last = runs(db_url)[-1]
        assert (last.finish_reason, last.stats["mode"]) == ("finished", "resume")

        # The next run over the same JOBDIR, after a finished one, is a new job: it finds the site's new articles
        # (taking up the finished job's decisions would find every URL "already scheduled").
        server.site = build_site(server.base_url, "crawl", extra=2)
        crawl(server.base_url, db_url, JOBDIR=str(job))
        assert set(snapshot(db_url)) == server.site.articles
        assert runs(db_url)[-1].stats["articles_new"] == 2


@pytest.mark.slow
def test_a_queue_cut_short_after_a_clean_stop_is_not_trusted_and_nothing_is_lost(tmp_path: Path) -> None:
    db_url, job = f"sqlite:///{tmp_path / 'archive.db'}", tmp_path / "job"
    with serve("crawl") as server:
        interrupted(server.base_url, db_url, signal.SIGINT, 25, JOBDIR=str(job))
        files = [p for p in (job / "requests.queue").rglob("*") if p.is_file() and p.name != "active.json"]
        assert files
        for file in files:
            os.truncate(file, 0)  # what a kill before queuelib wrote its header leaves: a 0-byte queue file
        log = crawl(server.base_url, db_url, JOBDIR=str(job))
        assert "its queue cannot be read back" in log
        assert set(snapshot(db_url)) == server.site.articles
        assert runs(db_url)[-1].finish_reason == "finished"


def test_a_crawl_whose_articles_could_not_be_stored_exits_1_with_one_line_and_a_rerun_stores_them(tmp_path) -> None:
    """SQLite locked by another writer for the whole crawl: every store waits NEWSARCHIVE_SQLITE_BUSY_SECONDS and
    fails, the articles are kept and retried at the end, still fail: exit 1 and one line that says so; once the
    lock is gone the documented re-run stores every article."""
    import sqlite3

    path = tmp_path / "archive.db"
    db_url = f"sqlite:///{path}"
    with serve("crawl") as server:
        crawl(server.base_url, db_url)  # the archive exists, with the site's articles
        server.site = build_site(server.base_url, "crawl", extra=5)  # and the site has 5 new ones
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        try:
            proc = subprocess.run(
                crawl_cmd(server.base_url, db_url, NEWSARCHIVE_SQLITE_BUSY_SECONDS="0.2"), cwd=ROOT,
                capture_output=True, text=True, timeout=300,
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        last = proc.stderr.rstrip().splitlines()[-1]
        assert "articles NOT stored" in last, last
        crawl(server.base_url, db_url)
        assert set(snapshot(db_url)) == server.site.articles
