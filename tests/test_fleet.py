"""Crawl workers sharing a frontier in Redis and one PostgreSQL archive, each failure of issue 12 reproduced:
subprocess workers (`scrapy crawl news`) against a loopback site whose server logs every fetch."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis

from crawler import settings as crawl_settings
from crawler.demo import build_site
from crawler.fleet.keys import RunKeys
from crawler.fleet.leases import leased_urls
from tests.fleet_harness import (
    PER_WORKER,
    Recorder,
    assert_finished,
    fresh_pg_database,
    pg_archive,  # noqa: F401  (fixture)
    recorded_site,
    redis_prefix,  # noqa: F401  (fixture)
    redis_url,  # noqa: F401  (fixture)
    retried_paths,
    start_worker,
    stories,
    twice,
    wait_all,
    wait_for,
)
from tests.test_crawl import snapshot

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

#: the kill tests' site: large enough that both workers are busy when one is killed
KILL_SITE = {"per_column": 20}
#: a fleet-wide pace slow enough to kill a worker mid-crawl, fast enough for CI
KILL_DELAY = "0.03"
#: the held request must not time out before the kill
KILL_SETTINGS = {"DOWNLOAD_DELAY": KILL_DELAY, "DOWNLOAD_TIMEOUT": "300"}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _active_run(client: redis.Redis, prefix: str, base_url: str) -> RunKeys:
    site = urlsplit(base_url).netloc  # a start_url crawl's site id
    name = client.get(RunKeys(prefix, site, "").active)
    assert name, "the workers' run is active"
    return RunKeys(prefix, site, name.decode())


def test_scheduled_rerun_with_redis_finds_the_new_articles(tmp_path, redis_url, redis_prefix, pg_archive):  # noqa: F811
    """The first run's seen-set used to outlive it: a re-run after 20 new articles fetched 3 pages, stored 0."""
    fleet = {"redis": redis_url, "NEWSARCHIVE_REDIS_PREFIX": redis_prefix}
    with recorded_site() as (server, recorder):
        base = server.base_url  # type: ignore[attr-defined]
        first = [start_worker(tmp_path, base, pg_archive, f"first-{i}", **fleet) for i in range(2)]
        wait_all(first)
        for w in first:
            assert_finished(w)
        assert set(snapshot(pg_archive)) == server.site.articles  # type: ignore[attr-defined]
        recorder.take()

        server.site = newer = build_site(base, "crawl", extra=20)  # type: ignore[attr-defined]
        new = newer.articles - set(snapshot(pg_archive))
        assert len(new) == 20
        second = [start_worker(tmp_path, base, pg_archive, f"second-{i}", **fleet) for i in range(2)]
        wait_all(second)
        for w in second:
            assert_finished(w)
        fetched = [f.path for f in recorder.take()]

    assert set(snapshot(pg_archive)) == newer.articles, "the re-run stored every new article"
    assert sorted(p for p in fetched if base + p in new) == sorted(_path(u) for u in new), "each new one fetched once"
    old = {_path(u) for u in newer.articles - new} - retried_paths(newer)
    assert not [p for p in fetched if p in old], "no archived article was fetched again"


@pytest.fixture(scope="module")
def kill_site() -> Iterator[tuple[object, str, dict[str, tuple], set[frozenset[str]]]]:
    """The kill tests' site, served for the module, and a single worker's crawl of it (no Redis): the reference."""
    import tempfile
    from pathlib import Path

    with recorded_site(**KILL_SITE) as (server, _), fresh_pg_database() as db, tempfile.TemporaryDirectory() as tmp:
        base = server.base_url  # type: ignore[attr-defined]
        alone = start_worker(Path(tmp), base, db, "reference", **KILL_SETTINGS)
        alone.wait()
        assert_finished(alone)
        yield server, base, snapshot(db), stories(db)


def _first_article(server: object) -> Callable[[str, str, int], bool]:
    site = server.site  # type: ignore[attr-defined]
    return lambda path, agent, n: agent == "victim" and site.base_url + path in site.articles


def _mid_crawl(server: object) -> Callable[[str, str, int], bool]:
    return lambda path, agent, n: agent == "victim" and n == 40


def _multipage_chain(server: object) -> Callable[[str, str, int], bool]:
    """Page 2 or 3 of a multi-page article: the request carries page 1's item in its cb_kwargs."""
    site = server.site  # type: ignore[attr-defined]
    return lambda path, agent, n: agent == "victim" and site.base_url + path in site.continuation


def attempts(site: object, path: str) -> int:
    """How often one crawl fetches a page: once, or once per try of a page the site answers with an error first
    (RetryMiddleware's RETRY_TIMES)."""
    page = site.pages.get(path)  # type: ignore[attr-defined]
    if page is None:
        return 1
    if page.status in crawl_settings.RETRY_HTTP_CODES:
        return 1 + crawl_settings.RETRY_TIMES
    return 1 + min(page.fail_first, crawl_settings.RETRY_TIMES)


def _retried_page(server: object) -> Callable[[str, str, int], bool]:
    """The second try of a page the site answers with an error: the victim holds a retry."""
    site = server.site  # type: ignore[attr-defined]
    tries: Counter[str] = Counter()

    def hold(path: str, agent: str, n: int) -> bool:
        page = site.pages.get(path)
        if agent != "victim" or page is None or page.status not in crawl_settings.RETRY_HTTP_CODES:
            return False
        tries[path] += 1
        return tries[path] == 2

    return hold


@pytest.mark.parametrize(
    "point",
    [_first_article, _mid_crawl, _multipage_chain, _retried_page],
    ids=["first-article", "mid", "chain", "retried-page"],
)
def test_sigkilled_worker_loses_nothing_and_nothing_is_fetched_twice(
    tmp_path,
    kill_site,
    point,
    redis_url,  # noqa: F811
    redis_prefix,  # noqa: F811
    pg_archive,  # noqa: F811
):
    """Used to: 18 articles lost for good (10 fetched not stored, 8 popped never fetched), even for a backfill."""
    server, base, reference, reference_stories = kill_site
    recorder = Recorder(hold_if=point(server))
    server.recorder = recorder  # type: ignore[attr-defined]
    fleet = {"redis": redis_url, "NEWSARCHIVE_REDIS_PREFIX": redis_prefix, **KILL_SETTINGS}
    client = redis.Redis.from_url(redis_url)

    victim = start_worker(tmp_path, base, pg_archive, "victim", **fleet)
    wait_for(recorder.held.is_set, 120, "the victim to reach the kill point")
    survivor = start_worker(tmp_path, base, pg_archive, "survivor", **fleet)
    wait_for(lambda: "fleet: site" in survivor.text(), 60, "the survivor to join the run")
    victim.kill()  # SIGKILL, with the held request (and others) in flight
    keys = _active_run(client, redis_prefix, base)
    held = {_path(url) for owner, url in leased_urls(client, keys).values() if f":{victim.proc.pid}:" in owner}
    recorder.release.set()
    survivor.wait()
    assert_finished(survivor)
    run = recorder.take()
    assert not client.exists(keys.active), "the survivor finished the run and closed it"

    rerun = start_worker(tmp_path, base, pg_archive, "rerun", **fleet)
    rerun.wait()
    assert_finished(rerun)
    client.close()

    assert recorder.held_path in held, "the victim died holding the request it was fetching"
    assert snapshot(pg_archive) == reference, "the archive equals a single worker's crawl, row for row"
    assert stories(pg_archive) == reference_stories
    allowed = held | PER_WORKER | retried_paths(server.site)  # type: ignore[attr-defined]
    assert not twice(run, allowed), "only the killed worker's leased pages were fetched again"
    # a page the victim held is fetched again once: one more try than a crawl of its own makes (a page retried for
    # its 500s was held with its count of tries, and the survivor goes on from there)
    counts = Counter(f.path for f in run)
    again = {p: n for p, n in counts.items() if p in held and n > attempts(server.site, p) + 1}  # type: ignore[attr-defined]
    assert not again, f"a leased page is fetched again once: {again}"


def test_workers_started_together_stay_until_the_frontier_is_drained(tmp_path, redis_url, redis_prefix, pg_archive):  # noqa: F811
    """Used to: 3 of 9 simultaneous starts 'finished' after 3-4 requests while another worker held the only pages."""
    fleet = {"redis": redis_url, "NEWSARCHIVE_REDIS_PREFIX": redis_prefix}
    with recorded_site() as (server, recorder):
        base = server.base_url  # type: ignore[attr-defined]
        # The home page, the start of everything, answers slowly: the other workers have nothing while it is held.
        recorder.hold_if = lambda path, agent, n: path == "/"
        workers = [start_worker(tmp_path, base, pg_archive, f"w{i}", **fleet) for i in range(3)]
        wait_for(recorder.held.is_set, 60, "the home page to be requested")
        wait_for(lambda: all("fleet: site" in w.text() for w in workers), 60, "every worker to join the run")
        time.sleep(2)  # every other worker is idle now, with the only page of the run in flight elsewhere
        recorder.release.set()
        wait_all(workers)
        fetches = recorder.take()
        articles = server.site.articles  # type: ignore[attr-defined]
    for w in workers:
        assert_finished(w)
    last = max(f.end for f in fetches)
    exits = sorted(w.exited_at for w in workers)  # type: ignore[type-var]
    assert exits[0] > last, "no worker finished before the run's last page was fetched"
    assert exits[-1] - exits[0] < 10, "the workers close together once the frontier is drained"
    assert set(snapshot(pg_archive)) == articles
    assert not twice(fetches, PER_WORKER | retried_paths(server.site)), "nothing fetched twice"  # type: ignore[attr-defined]
