"""Politeness holds for the fleet: three workers keep one worker's request rate and concurrency to a site.

The issue measured 1.68 requests/s with one worker and 3.28 with two. Here the site's own request log is the
judge; benchmarks/fleet.py measures the same for 1, 2 and 3 workers and the project's defaults (within 10%);
these assertions are coarser, for a shared CI machine.
"""

from __future__ import annotations

import pytest

from tests.fleet_harness import (
    crawl_and_measure,
    pg_archive,  # noqa: F401  (fixture)
    redis_prefix,  # noqa: F401  (fixture)
    redis_url,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

SMALL_SITE = {"per_column": 4}
#: how far apart the rates of 1 and 3 workers may be on a busy 2-core machine (the benchmark's target is 10%)
TOLERANCE = 0.25


def test_three_workers_keep_one_workers_request_rate(tmp_path, redis_url, redis_prefix, pg_archive):  # noqa: F811
    settings = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0.2", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"}
    one = crawl_and_measure(tmp_path, 1, pg_archive, settings, redis=redis_url, prefix=redis_prefix, **SMALL_SITE)
    three = crawl_and_measure(tmp_path, 3, pg_archive, settings, redis=redis_url, prefix=redis_prefix, **SMALL_SITE)
    assert one.rate <= 1 / 0.2 * (1 + TOLERANCE), one
    assert three.rate <= one.rate * (1 + TOLERANCE), f"3 workers: {three.rate:.2f} req/s, 1 worker: {one.rate:.2f}"
    assert three.rate >= one.rate * (1 - TOLERANCE), "the shared slot does not starve the fleet"


def test_three_workers_never_exceed_one_workers_concurrency(tmp_path, redis_url, redis_prefix, pg_archive):  # noqa: F811
    settings = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    slow = {"slow": 0.3, "redis": redis_url, "prefix": redis_prefix}
    one = crawl_and_measure(tmp_path, 1, pg_archive, settings, **slow, **SMALL_SITE)  # type: ignore[arg-type]
    three = crawl_and_measure(tmp_path, 3, pg_archive, settings, **slow, **SMALL_SITE)  # type: ignore[arg-type]
    assert one.max_concurrency == 2, one
    assert three.max_concurrency == 2, f"at most 2 requests at once for the fleet: {three}"
    assert three.rate <= one.rate * (1 + TOLERANCE), f"3 workers: {three.rate:.2f} req/s, 1 worker: {one.rate:.2f}"
