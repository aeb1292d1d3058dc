"""A crawl's log says things in one short line each: no item repr (page bodies), no WARNING for what is normal."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from crawler.demo import serve
from tests.test_crawl import ROOT, crawl


@pytest.mark.slow
def test_dropped_items_are_one_line_with_reason_and_url_and_nothing_normal_is_a_warning(tmp_path) -> None:
    with serve("crawl") as server:
        log = crawl(server.base_url, f"sqlite:///{tmp_path / 'archive.db'}", NEWSARCHIVE_PROGRESS_SECONDS="0.5")
    progress = [line for line in log.splitlines() if "INFO: progress: " in line]
    assert progress  # one line every NEWSARCHIVE_PROGRESS_SECONDS, with our counters
    assert re.search(r"progress: \d+ pages \(\d+/min\), \d+ new articles, \d+ updated, \d+ dropped, \d+ errors$",
                     progress[-1]), progress[-1]
    assert "Crawled " not in log  # Scrapy's LogStats line, replaced by ours
    assert int(re.search(r"(\d+) dropped", progress[-1]).group(1)) > 0  # pages were dropped (list pages) …
    assert "Dropped" not in log  # … and said nothing at INFO: they are DEBUG lines (crawler.logformat)
    assert "ArticleItem(" not in log
    assert "extracted=" not in log
    assert "body=b'" not in log
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not [w for w in warnings if "Disabled" in w]
    assert len(log) < 200_000  # 86 articles; the item reprs alone were megabytes


def test_record_fixture_says_saved_in_one_line_and_logs_no_warning(tmp_path) -> None:
    with serve("crawl") as server:
        url = f"{server.base_url}/2015/0710/888.html"
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "record-fixture", url, str(tmp_path / "case")],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"saved {url} to {tmp_path / 'case'}"
    assert "WARNING" not in proc.stderr
