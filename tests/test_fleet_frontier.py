"""The fleet's Redis side and its lease bookkeeping, without a crawl: real Redis, Scrapy objects in-process."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
import scrapy
from scrapy import signals
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.fleet.keys import RunKeys
from crawler.fleet.leases import LEASE_META, LeasedPriorityQueue, leased_urls
from crawler.fleet.politeness import SharedSlots
from crawler.fleet.runs import FleetRun
from crawler.fleet.tracking import ARCHIVE_PENDING, LeaseOutputMiddleware, LeaseTracker
from tests.fleet_harness import redis_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.redis


class _Spider(scrapy.Spider):
    name = "t"

    def parse(self, response):  # type: ignore[no-untyped-def]
        yield from ()

    def failed(self, failure):  # type: ignore[no-untyped-def]
        yield from ()


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:  # noqa: F811
    c = redis.Redis.from_url(redis_url)
    yield c
    c.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    p = f"newsarchive-unit-{uuid.uuid4().hex[:8]}"
    yield p
    for key in client.scan_iter(f"{p}:*"):
        client.delete(key)


def _run(client: redis.Redis, prefix: str, worker: str = "w1", ttl: float = 60, name: str | None = None) -> FleetRun:
    run = FleetRun(client, FleetRun.choose(client, prefix, "site", name), worker, ttl)
    assert run.join()
    return run


def _queue(client: redis.Redis, run: FleetRun) -> LeasedPriorityQueue:
    return LeasedPriorityQueue(client, _Spider(), run.keys)


def _req(path: str, **kw: object) -> scrapy.Request:
    return scrapy.Request(f"http://example.cn{path}", callback=_Spider().parse, **kw)  # type: ignore[arg-type]


# -- leases ------------------------------------------------------------------------------------------
def test_popped_request_stays_leased_until_acknowledged(client, prefix):
    run = _run(client, prefix)
    queue = _queue(client, run)
    assert queue.push_unseen(_req("/a"), "fp-a") == 1
    lease_id, request = queue.pop_lease("w1", 60)  # type: ignore[misc]
    assert request is not None
    assert request.url.endswith("/a")
    assert (len(queue), queue.leases_live()) == (0, 1), "popped means leased, not gone"
    assert list(leased_urls(client, run.keys).values()) == [("w1", "http://example.cn/a")]
    assert queue.ack(lease_id)
    assert (len(queue), queue.leases_live()) == (0, 0)
    assert queue.pop_lease("w1", 60) is None


def test_expired_lease_goes_back_to_the_queue_though_its_url_was_seen(client, prefix):
    run = _run(client, prefix)
    queue = _queue(client, run)
    queue.push_unseen(_req("/a"), "fp-a")
    assert queue.push_unseen(_req("/a"), "fp-a") == 0, "the seen-set refuses the same request"
    lease_id, _ = queue.pop_lease("dead-worker", 0.2)  # type: ignore[misc]
    time.sleep(0.3)
    assert queue.reclaim() == 1
    again = queue.pop_lease("w2", 60)
    assert again is not None
    assert again[1] is not None
    assert again[1].url.endswith("/a")
    assert not queue.ack(lease_id), "the dead worker's late acknowledgement changes nothing"


def test_a_renewed_lease_does_not_expire(client, prefix):
    run = _run(client, prefix)
    queue = _queue(client, run)
    queue.push_unseen(_req("/a"), "fp-a")
    lease_id, _ = queue.pop_lease("w1", 0.3)  # type: ignore[misc]
    queue.renew("w1", 5, [lease_id])
    time.sleep(0.4)
    assert queue.reclaim() == 0
    assert queue.leases_live() == 1


def test_lease_meta_is_not_stored_with_a_requeued_request(client, prefix):
    run = _run(client, prefix)
    queue = _queue(client, run)
    queue.push_unseen(_req("/a", meta={LEASE_META: "7", "hops": 2}), None)
    _, request = queue.pop_lease("w1", 60)  # type: ignore[misc]
    assert request is not None
    assert LEASE_META not in request.meta
    assert request.meta["hops"] == 2


# -- runs --------------------------------------------------------------------------------------------
def test_run_closes_only_when_drained_and_the_next_run_starts_fresh(client, prefix):
    run = _run(client, prefix)
    queue = _queue(client, run)
    queue.push_unseen(_req("/list"), "fp-list")
    assert not run.close_if_drained(), "requests queued"
    lease_id, _ = queue.pop_lease("w1", 60)  # type: ignore[misc]
    assert not run.close_if_drained(), "a request leased (another worker is fetching it)"
    queue.ack(lease_id)
    assert run.close_if_drained()
    assert queue.push_unseen(_req("/late"), "fp-late") == -1, "a closed run takes no more requests"
    assert not client.exists(run.keys.active)

    nxt = _run(client, prefix)
    assert nxt.keys.run != run.keys.run
    assert _queue(client, nxt).push_unseen(_req("/list"), "fp-list") == 1, "the new run's seen-set is empty"


def test_workers_starting_together_join_one_run(client, prefix):
    names: list[str] = []

    def start() -> None:
        names.append(FleetRun.choose(client, prefix, "site", None).run)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(names)) == 1


def test_joining_a_run_nobody_works_on_puts_its_leases_back_at_once(client, prefix):
    dead = _run(client, prefix, "dead", ttl=0.2)
    queue = _queue(client, dead)
    queue.push_unseen(_req("/a"), "fp-a")
    queue.pop_lease("dead", 60)  # a long lease: only the dead worker's missing heartbeat frees it
    time.sleep(0.3)
    back = FleetRun(client, dead.keys, "new", 60)
    assert back.join()
    assert (back.others_at_join, back.reclaimed_at_join) == (0, 1)
    assert len(queue) == 1


def test_joining_beside_a_live_worker_leaves_its_leases_alone(client, prefix):
    live = _run(client, prefix, "live", ttl=60)
    queue = _queue(client, live)
    queue.push_unseen(_req("/a"), "fp-a")
    queue.pop_lease("live", 60)
    other = FleetRun(client, live.keys, "other", 60)
    assert other.join()
    assert (other.others_at_join, other.reclaimed_at_join) == (1, 0)
    assert queue.leases_live() == 1


def test_a_named_run_is_resumed_and_a_finished_one_refused(client, prefix):
    first = _run(client, prefix, name="nightly")
    _queue(client, first).push_unseen(_req("/a"), "fp-a")
    resumed = FleetRun(client, FleetRun.choose(client, prefix, "site", "nightly"), "w2", 60)
    assert resumed.join()
    assert len(_queue(client, resumed)) == 1
    lease_id, _ = _queue(client, resumed).pop_lease("w2", 60)  # type: ignore[misc]
    _queue(client, resumed).ack(lease_id)
    assert resumed.close_if_drained()
    assert not FleetRun(client, RunKeys(prefix, "site", "nightly"), "w3", 60).join()


def test_workers_of_a_run_agree_on_a_decision(client, prefix):
    a = _run(client, prefix, "a")
    b = FleetRun(client, a.keys, "b", 60)
    assert a.agree("mode", "incremental") == "incremental"
    assert b.agree("mode", "resume") == "incremental"


# -- politeness --------------------------------------------------------------------------------------
def test_permits_cap_concurrency_for_every_worker_together(client, prefix):
    slots = SharedSlots(client, prefix)
    take = {"interval": 0.0, "limit": 2, "ttl": 60, "adaptive": False}
    assert slots.try_acquire("host", "w1-1", **take) == 0  # type: ignore[arg-type]
    assert slots.try_acquire("host", "w2-1", **take) == 0  # type: ignore[arg-type]
    assert slots.try_acquire("host", "w3-1", **take) == -1, "no third request in flight"  # type: ignore[arg-type]
    slots.release("host", "w1-1")
    assert slots.try_acquire("host", "w3-1", **take) == 0  # type: ignore[arg-type]


def test_a_dead_workers_permits_expire(client, prefix):
    slots = SharedSlots(client, prefix)
    take = {"interval": 0.0, "limit": 1, "ttl": 0.2, "adaptive": False}
    assert slots.try_acquire("host", "dead-1", **take) == 0  # type: ignore[arg-type]
    assert slots.try_acquire("host", "w-1", **take) == -1  # type: ignore[arg-type]
    time.sleep(0.3)
    assert slots.try_acquire("host", "w-1", **take) == 0  # type: ignore[arg-type]


def test_the_interval_spaces_request_starts_across_workers(client, prefix):
    slots = SharedSlots(client, prefix)
    take = {"interval": 0.5, "limit": 10, "ttl": 60}
    assert slots.try_acquire("host", "w1-1", adaptive=False, **take) == 0  # type: ignore[arg-type]
    wait = slots.try_acquire("host", "w2-1", adaptive=False, **take)  # type: ignore[arg-type]
    assert 0.4 < wait <= 0.5
    slots.set_delay("host", 2.0)  # AutoThrottle's shared delay, larger than DOWNLOAD_DELAY, counts when adaptive
    time.sleep(wait)
    assert slots.try_acquire("host", "w2-1", adaptive=True, **take) == 0  # type: ignore[arg-type]
    assert slots.try_acquire("host", "w1-2", adaptive=True, **take) > 1.5  # type: ignore[arg-type]


# -- when a lease is done ----------------------------------------------------------------------------
@pytest.fixture
def tracked() -> tuple[LeaseTracker, list[str], object]:
    crawler = get_crawler(_Spider)
    tracker = LeaseTracker.of(crawler)
    acked: list[str] = []
    tracker.bind(acked.append)
    return tracker, acked, crawler


def _leased_response(tracked: tuple, path: str) -> HtmlResponse:
    """A request leased as lease "1" and its response, received."""
    tracker, _, crawler = tracked
    request = _req(path)
    tracker.leased("1", request)
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    crawler.signals.send_catch_log(signals.response_received, response=response, request=request, spider=None)
    return response


def test_multipage_lease_is_done_when_the_next_page_request_is_queued(tracked):
    tracker, acked, _crawler = tracked
    response = _leased_response(tracked, "/888.html")
    page2 = _req("/888_2.html", cb_kwargs={"item": {"title": "page 1's item"}}, dont_filter=True)
    out = list(LeaseOutputMiddleware(tracker).process_spider_output(response, [page2]))
    assert out == [page2]
    assert acked == [], "the callback is done, but page 2's request is not queued yet"
    parent, replaced = tracker.arrived(page2)
    assert (parent, replaced) == ("1", None)
    tracker.queued(parent, replaced)
    assert acked == ["1"]


def test_lease_waits_for_its_items_to_be_stored_or_dropped(tracked):
    tracker, acked, crawler = tracked
    response = _leased_response(tracked, "/a.html")
    items = [{"n": 1}, {"n": 2}]
    list(LeaseOutputMiddleware(tracker).process_spider_output(response, items))
    crawler.signals.send_catch_log(signals.item_scraped, item=items[0], response=response, spider=None)
    assert acked == []
    crawler.signals.send_catch_log(signals.item_dropped, item=items[1], response=response, exception=None, spider=None)
    assert acked == ["1"]


def test_item_kept_for_a_down_archive_keeps_the_lease(tracked):
    tracker, acked, crawler = tracked
    response = _leased_response(tracked, "/a.html")

    class Item:
        def __init__(self) -> None:
            self.extra = {ARCHIVE_PENDING: True}

    list(LeaseOutputMiddleware(tracker).process_spider_output(response, [Item()]))
    crawler.signals.send_catch_log(signals.item_scraped, item=Item(), response=response, spider=None)
    assert tracker.idle() == 0
    assert acked == []
    assert tracker.open_leases() == ["1"], "it goes back to the queue at close"


def test_download_failure_without_errback_finishes_the_lease(tracked):
    tracker, acked, _ = tracked
    request = _req("/gone.html")
    tracker.leased("1", request)
    failure = Failure(ConnectionRefusedError())
    assert request.errback(failure) is failure, "as with no errback, Scrapy logs the failure"  # type: ignore[misc]
    assert acked == ["1"]


def test_errback_output_after_a_download_failure_is_counted(tracked):
    tracker, acked, crawler = tracked
    item = {"title": "what the first pages had"}
    request = scrapy.Request("http://example.cn/page_2.html", errback=lambda failure: [item])
    tracker.leased("1", request)
    failure = Failure(TimeoutError())
    failure.request = request  # type: ignore[attr-defined]  # as Scrapy's scraper sets it before the errback
    output = request.errback(failure)  # type: ignore[misc]
    assert list(output) == [item]
    assert acked == [], "the item is not stored yet"
    crawler.signals.send_catch_log(signals.item_scraped, item=item, response=failure, spider=None)
    assert acked == ["1"]


def test_a_retry_replaces_the_lease_once_it_is_queued(tracked):
    tracker, acked, _ = tracked
    request = _req("/flaky.html")
    tracker.leased("1", request)
    retry = request.replace(dont_filter=True)  # RetryMiddleware's copy keeps the meta, lease id included
    parent, replaced = tracker.arrived(retry)
    assert (parent, replaced) == (None, "1")
    assert retry.errback is None, "the spider's own errback is restored before the request is stored"
    tracker.queued(parent, replaced)
    assert acked == ["1"]


def test_a_crawl_stopping_mid_output_leaves_the_lease_open(tracked):
    tracker, acked, _crawler = tracked
    response = _leased_response(tracked, "/list.html")
    out = LeaseOutputMiddleware(tracker).process_spider_output(response, [_req("/x"), _req("/y")])
    next(out)
    out.close()  # GeneratorExit: the engine is shutting down
    assert acked == []
    assert tracker.open_leases() == ["1"]


# -- no Redis ----------------------------------------------------------------------------------------
def test_worker_without_redis_stops_with_one_line(tmp_path):
    import socket
    import subprocess

    from tests.test_crawl import ROOT, crawl_cmd

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = crawl_cmd(
        "http://127.0.0.1:9", f"sqlite:///{tmp_path / 'a.db'}", NEWSARCHIVE_REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1  # nothing was crawled: cron hears of it (issue 15, item 6)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert f"fleet: cannot reach Redis at redis://127.0.0.1:{port}/0" in proc.stderr
    assert "'finish_reason': 'redis_unavailable'" in proc.stderr


def test_resuming_a_finished_run_by_name_stops_with_one_line(tmp_path, client, prefix, redis_url):  # noqa: F811
    import subprocess

    from tests.test_crawl import ROOT, crawl_cmd

    site = "http://127.0.0.1:9"
    done = FleetRun(client, FleetRun.choose(client, prefix, "127.0.0.1:9", "monday"), "w", 60)
    assert done.join()
    assert done.close_if_drained()
    cmd = crawl_cmd(site, f"sqlite:///{tmp_path / 'a.db'}", "run=monday", NEWSARCHIVE_REDIS_URL=redis_url)
    cmd += ["-s", f"NEWSARCHIVE_REDIS_PREFIX={prefix}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "fleet: run monday of site 127.0.0.1:9 is finished" in proc.stderr
    assert "'finish_reason': 'run_finished'" in proc.stderr
