"""Past one machine: two crawl workers share one frontier in Redis (scrapy-redis) and one archive."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid

import pytest

from crawler.demo import serve
from tests.fleet_harness import redis_url  # noqa: F401  (fixture)
from tests.test_crawl import ROOT, crawl_cmd, snapshot


@pytest.mark.slow
@pytest.mark.redis
def test_two_workers_sharing_a_redis_frontier_store_every_article_once(tmp_path, redis_url):  # noqa: F811
    import redis

    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    prefix = f"newsarchive-test-{uuid.uuid4().hex[:8]}"
    keys = {
        "NEWSARCHIVE_REDIS_PREFIX": prefix,
        # a slower crawl, so the second worker finds the shared queue still full
        "DOWNLOAD_DELAY": "0.05",
    }
    env = {**os.environ, "NEWSARCHIVE_REDIS_URL": redis_url}
    client = redis.Redis.from_url(redis_url)
    try:
        with serve("crawl") as server:

            def worker() -> subprocess.Popen[str]:
                cmd = crawl_cmd(server.base_url, db_url, **keys)
                return subprocess.Popen(
                    cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
                )

            # The second worker joins a crawl in progress, as a worker on another machine would.
            workers = [worker()]
            deadline = time.monotonic() + 60
            while len(server.hits) < 10 and time.monotonic() < deadline and workers[0].poll() is None:
                time.sleep(0.05)
            workers.append(worker())
            logs = [w.communicate(timeout=180)[1] for w in workers]
            hits = server.take_hits()
            site = server.site
        assert [w.returncode for w in workers] == [0, 0], [log[-2000:] for log in logs]
        assert all("crawler.fleet.scheduler.FleetScheduler" in log for log in logs), (
            "both workers used the Redis scheduler"
        )
        received = [int(m.group(1)) for log in logs for m in [re.search(r"'response_received_count': (\d+)", log)] if m]
        assert len(received) == 2, "both workers reported their stats"
        assert all(n > 0 for n in received), f"both workers fetched pages from the shared frontier: {received}"
        stored = snapshot(db_url)
        assert set(stored) == site.articles, "every article stored exactly once by the pair"
        fetched_articles = [h for h in hits if server.base_url + h in site.articles]
        retried = {path for path, page in site.pages.items() if getattr(page, "fail_first", 0)}  # a 500, then a retry
        twice = sorted({h for h in fetched_articles if fetched_articles.count(h) > 1} - retried)
        assert not twice, f"the shared dupefilter let these be fetched twice: {twice}"
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
