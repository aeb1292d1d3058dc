"""Fleet benchmark: 1 vs 2 crawl workers on one frontier, fleet-wide politeness, and the capacity plan's figures.

    python benchmarks/fleet.py [--articles-per-column 150] [--urls 1000000] [--skip-memory]

Needs Redis (ARCHIVE_TEST_REDIS_URL, e.g. redis://127.0.0.1:6379/2) and PostgreSQL (ARCHIVE_TEST_PG_URL). Sites are
the crawl tests' generated site (crawler.demo), served on 127.0.0.1 with every fetch logged; workers are
`scrapy crawl news`
subprocesses. Everything is measured in this one run, so the ratios compare like with like:

1. throughput — politeness lifted (delay 0, 16 per site), the site not the bottleneck: pages/s of 1 and 2 workers;
2. politeness — the per-site request rate and most concurrent requests the site saw, with 1, 2 and 3 workers, for
   the project's defaults (AutoThrottle, DOWNLOAD_DELAY 0.5, 4 per site), a delay-bound and a concurrency-bound
   case, each against one plain (no Redis) worker;
3. capacity — Redis MEMORY USAGE of a run's seen-set and queue after N fingerprints / requests, requests per
   incremental site run (20 new articles), PostgreSQL bytes per stored article (pg_total_relation_size), a
   worker's peak RSS; then the plan for 1,000 sites refreshed every 2 hours.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from crawler.demo import build_site  # noqa: E402
from storage.models import Article, Capture, Payload  # noqa: E402
from tests.fleet_harness import (  # noqa: E402
    crawl_and_measure,
    fresh_pg_database,
    recorded_site,
    start_worker,
    wait_all,
)

REDIS_ENV = "ARCHIVE_TEST_REDIS_URL"
THROUGHPUT = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}
#: the project's own politeness (crawler/settings.py), only the loopback test settings undone
DEFAULTS = {"AUTOTHROTTLE_ENABLED": "1", "DOWNLOAD_DELAY": "0.5", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"}
DELAY_BOUND = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0.2", "CONCURRENT_REQUESTS_PER_DOMAIN": "4"}
CONCURRENCY_BOUND = {"AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "3"}
#: the concurrency-bound case's server answers each request this much later
SLOW_SECONDS = 0.3


def crawl(
    workers: int, redis_url: str | None, db: str, settings: dict[str, str], slow: float = 0.0, **site: Any
) -> dict:
    """One crawl of a fresh site by `workers` workers (a fleet when redis_url): what the site saw."""
    with tempfile.TemporaryDirectory() as tmp:
        load = crawl_and_measure(Path(tmp), workers, db, settings, redis=redis_url, slow=slow, **site)
    return {
        "fetches": load.fetches,
        "wall_s": load.wall,
        "site_rate": load.rate,
        "max_concurrency": load.max_concurrency,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _cleanup(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in [*client.scan_iter("newsarchive-bench-*"), *client.scan_iter("newsarchive-load-*")]:
        client.delete(key)
    client.close()


def throughput(redis_url: str, per_column: int) -> dict[int, dict]:
    out = {}
    for n in (1, 2):
        with fresh_pg_database() as db:
            out[n] = crawl(n, redis_url, db, THROUGHPUT, per_column=per_column)
            out[n]["archive"] = archive_bytes(db)
    return out


def politeness(redis_url: str) -> dict[str, dict[str, dict]]:
    cases = {
        "defaults (AutoThrottle, 0.5 s, 4/site)": (DEFAULTS, 0.0, {"per_column": 4}),
        "delay-bound (0.2 s, 4/site)": (DELAY_BOUND, 0.0, {"per_column": 6}),
        f"concurrency-bound (3/site, {SLOW_SECONDS} s pages)": (CONCURRENCY_BOUND, SLOW_SECONDS, {"per_column": 6}),
    }
    out: dict[str, dict[str, dict]] = {}
    for name, (settings, slow, site) in cases.items():
        out[name] = {}
        for label, n, fleet in (
            ("plain 1", 1, None),
            ("fleet 1", 1, redis_url),
            ("fleet 2", 2, redis_url),
            ("fleet 3", 3, redis_url),
        ):
            with fresh_pg_database() as db:
                out[name][label] = crawl(n, fleet, db, settings, slow=slow, **site)
    return out


def archive_bytes(db: str) -> dict[str, float]:
    """An archive's size per stored article: every table and index, and the raw pages' (payloads') part of it."""
    engine = create_engine(db)
    with engine.connect() as conn:
        total = conn.execute(
            text("select sum(pg_total_relation_size(relid)) from pg_catalog.pg_statio_user_tables")
        ).scalar_one()
        articles = conn.execute(select(func.count()).select_from(Article)).scalar_one()
        captures = conn.execute(select(func.count()).select_from(Capture)).scalar_one()
        payloads, raw, stored = conn.execute(
            select(func.count(), func.sum(Payload.size), func.sum(func.pg_column_size(Payload.data)))
        ).one()
    engine.dispose()
    n = max(1, articles)
    return {
        "per_article": float(total) / n,
        "captures_per_article": captures / n,
        "raw_page": float(raw or 0) / max(1, payloads),
        "body_stored_per_article": float(stored or 0) / n,
        "compression": float(stored or 0) / float(raw or 1),
    }


def requests_per_incremental_run(redis_url: str, new: int = 20) -> int:
    """Requests one site run makes after `new` articles appeared (the site already archived)."""
    prefix = f"newsarchive-bench-{uuid.uuid4().hex[:8]}"
    fleet = {"redis": redis_url, "NEWSARCHIVE_REDIS_PREFIX": prefix}
    with fresh_pg_database() as db, recorded_site() as (server, recorder), tempfile.TemporaryDirectory() as tmp:
        base = server.base_url  # type: ignore[attr-defined]
        for w in [start_worker(Path(tmp), base, db, "first", **fleet, **THROUGHPUT)]:  # type: ignore[arg-type]
            wait_all([w])
        recorder.take()
        server.site = build_site(base, "crawl", extra=new)  # type: ignore[attr-defined]
        w = start_worker(Path(tmp), base, db, "incremental", **fleet, **THROUGHPUT)  # type: ignore[arg-type]
        wait_all([w])
        return len(recorder.take())


def redis_memory(redis_url: str, n: int) -> tuple[float, float]:
    """MEMORY USAGE per entry of a run's seen-set after n fingerprints and its queue after n requests."""
    import redis
    import scrapy
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawler.fleet.keys import RunKeys
    from crawler.fleet.leases import LeasedPriorityQueue

    class Spider(scrapy.Spider):
        name = "news"

        def parse(self, response):  # type: ignore[no-untyped-def]
            yield from ()

    client = redis.Redis.from_url(redis_url)
    keys = RunKeys(f"newsarchive-bench-{uuid.uuid4().hex[:8]}", "www.example-city.gov.cn", "memory")
    spider = Spider()
    df = RFPDupeFilter(client, keys.seen)
    queue = LeasedPriorityQueue(client, spider, keys)
    batch = 10_000
    try:
        for start in range(0, n, batch):
            pipe = client.pipeline(transaction=False)
            for i in range(start, min(n, start + batch)):
                # a typical article link: dated path, numeric id, as the spider yields it (meta: hops)
                req = scrapy.Request(
                    f"http://www.example-city.gov.cn/xwzx/2015{i % 12 + 1:02d}/t20150{i % 9 + 1}01_{1000000 + i}.html",
                    callback=spider.parse,
                    meta={"hops": 2},
                )
                pipe.sadd(keys.seen, df.request_fingerprint(req))
                pipe.zadd(keys.queue, {queue._encode_request(req): -req.priority})
            pipe.execute()
        seen = client.memory_usage(keys.seen, samples=0) or 0
        queued = client.memory_usage(keys.queue, samples=0) or 0
    finally:
        client.delete(keys.seen, keys.queue)
        client.close()
    return seen / n, queued / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles-per-column", type=int, default=150, help="throughput site: 6 columns of this many")
    parser.add_argument("--urls", type=int, default=1_000_000, help="fingerprints/requests for the Redis figure")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    redis_url = os.environ.get(REDIS_ENV)
    if not redis_url or not os.environ.get("ARCHIVE_TEST_PG_URL"):
        raise SystemExit(f"set {REDIS_ENV} and ARCHIVE_TEST_PG_URL")
    try:
        report(args, redis_url)
    finally:
        _cleanup(redis_url)


#: mean size of the 61 real regional news pages in shared/eval (measured once: 90,590 bytes), for the growth estimate
REAL_PAGE_BYTES = 90_590
#: capacity-plan assumptions: sites, refresh period, new articles per site per day
SITES, EVERY_S, NEW_PER_SITE_PER_DAY = 1000, 2 * 3600, 30
#: a crawl process's start-up and close (Scrapy, archive connection, the fleet's idle check) in seconds
PROCESS_OVERHEAD_S = 8


def report(args: argparse.Namespace, redis_url: str) -> None:
    print(f"== 1. throughput: politeness lifted, {6 * args.articles_per_column}+ articles")
    tp = throughput(redis_url, args.articles_per_column)
    for n, r in tp.items():
        print(
            f"  {n} worker(s): {r['fetches']} fetches, {r['site_rate']:.1f} pages/s (= the site's request rate), "
            f"wall {r['wall_s']:.1f}s, peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    print(f"  ratio 2 workers / 1: {tp[2]['site_rate'] / tp[1]['site_rate']:.2f}x (2 cores, shared with the site)")

    print("== 2. politeness: the site's request rate and most concurrent requests")
    pol = politeness(redis_url)
    for case, rows in pol.items():
        base = rows["plain 1"]["site_rate"]
        print(f"  {case}")
        for label, r in rows.items():
            print(
                f"    {label}: {r['site_rate']:.2f} req/s ({r['site_rate'] / base:.0%} of one plain worker), "
                f"max {r['max_concurrency']} at once, {r['fetches']} fetches"
            )

    print("== 3. capacity")
    per_run = requests_per_incremental_run(redis_url)
    print(f"  requests per incremental site run (20 new articles, 6 columns, robots/sitemaps/feeds): {per_run}")
    a = tp[1]["archive"]
    print(
        f"  PostgreSQL: {a['per_article'] / 1024:.1f} KiB per stored article (all tables and indexes), "
        f"{a['captures_per_article']:.2f} captures of {a['raw_page'] / 1024:.1f} KiB raw each, stored at "
        f"{a['compression']:.0%} of their size"
    )
    if not args.skip_memory:
        seen, queued = redis_memory(redis_url, args.urls)
        print(
            f"  Redis per {args.urls:,} URLs: seen-set {seen * 1e6 / 2**20:.0f} MiB ({seen:.0f} B/URL), "
            f"queue {queued * 1e6 / 2**20:.0f} MiB ({queued:.0f} B/request)"
        )
    default_rate = pol[next(iter(pol))]["fleet 1"]["site_rate"]
    run_s = PROCESS_OVERHEAD_S + per_run / default_rate
    real = (
        a["per_article"] - a["body_stored_per_article"] + a["captures_per_article"] * REAL_PAGE_BYTES * a["compression"]
    )
    print(
        f"  plan, {SITES} sites every {EVERY_S // 3600} h: {SITES * per_run / EVERY_S:.1f} requests/s in all; "
        f"a site run at the default pace ({default_rate:.2f} req/s) lasts ~{run_s:.0f}s, "
        f"so ~{SITES * run_s / EVERY_S:.1f} crawl processes at any time; "
        f"{NEW_PER_SITE_PER_DAY} new articles/site/day of real-size pages "
        f"(~{real / 1024:.0f} KiB each stored) -> {SITES * NEW_PER_SITE_PER_DAY * real / 2**30:.1f} GiB/day"
    )


if __name__ == "__main__":
    main()
