"""FleetScheduler: scrapy-redis's Scheduler on a run's own keys, with leases and a fleet-wide idle rule.

What a worker does (settings: SCHEDULER = "crawler.fleet.scheduler.FleetScheduler"):
* at open it joins the site's active run (or the run named by `-a run=NAME` / NEWSARCHIVE_RUN, to resume it;
  a closed run is refused with one line), or starts a new one (crawler.fleet.runs);
* a request it is asked to queue goes into the run's queue unless the run's seen-set holds its fingerprint,
  in one script (crawler.fleet.leases). dont_filter requests skip the seen-set as in Scrapy, except start
  requests: every worker's spider yields the same ones, and the run needs them once;
* `next_request` leases the best request; the lease is acknowledged when its work is stored
  (crawler.fleet.tracking), renewed every NEWSARCHIVE_LEASE_SECONDS / 3 while the worker lives, and put back
  into the queue by any worker once it expires — so a SIGKILLed worker's requests are fetched again, and only
  those. A worker stopped early (Ctrl-C, CloseSpider) hands its unfinished leases back at once;
* `spider_idle` keeps the worker up (DontCloseSpider) while the run's queue has requests or any worker holds a
  lease: a worker that starts while another fetches the only page in flight waits for that page's links instead
  of finishing. The first worker to find the run drained closes it; the others see it closed at their next
  idle check (Scrapy re-checks every 5 s), so all workers finish within seconds of each other.

scrapy-redis's own blocking pop is not used: its PriorityQueue ignores the timeout (SCHEDULER_IDLE_BEFORE_CLOSE
does nothing with it), and blocking would stall the reactor; the idle hook replaces it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from crawler.fleet.errors import is_lost, redis_lost
from crawler.fleet.keys import DEFAULT_PREFIX
from crawler.fleet.leases import DEFAULT_LEASE_SECONDS, LeasedPriorityQueue
from crawler.fleet.runs import FleetRun
from crawler.fleet.tracking import LeaseTracker

logger = logging.getLogger(__name__)


class FleetScheduler(Scheduler):
    """scrapy-redis's Scheduler for one run of one site, shared by every worker of that run."""

    crawler: Any
    tracker: LeaseTracker
    prefix: str
    lease_seconds: float
    queue: LeasedPriorityQueue
    run: FleetRun
    worker: str
    #: (close reason, one-line message) when this worker must not crawl; it stops at spider_opened
    refusal: tuple[str, str] | None = None
    _heartbeat_loop: LoopingCall
    _refused_closed: bool

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetScheduler:
        try:
            scheduler: FleetScheduler = super().from_crawler(crawler)  # pings Redis
        except RedisError as exc:  # raised here it would be a traceback: the worker stops at spider_opened
            scheduler = cls(server=None)
            scheduler.refusal = (
                "redis_unavailable",
                f"cannot reach Redis at {crawler.settings.get('REDIS_URL')}: {exc}",
            )
        crawler.signals.connect(scheduler._refuse, signal=signals.spider_opened)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.prefix = settings.get("NEWSARCHIVE_REDIS_PREFIX") or DEFAULT_PREFIX
        scheduler.lease_seconds = settings.getfloat("NEWSARCHIVE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
        scheduler.tracker = LeaseTracker.of(crawler)
        scheduler.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        scheduler._heartbeat_loop = LoopingCall(scheduler._heartbeat)
        scheduler._refused_closed = False
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # -- open / close -----------------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        self.spider = spider
        if self.refusal:
            return
        site = getattr(spider, "site_id", None) or spider.name
        requested = getattr(spider, "run", None) or self.crawler.settings.get("NEWSARCHIVE_RUN") or None
        run = self._join(site, requested)
        if run is None:
            return
        self.run = run
        self.queue = LeasedPriorityQueue(self.server, spider, run.keys, self.serializer)
        self.df = RFPDupeFilter(self.server, key=run.keys.seen, debug=self.crawler.settings.getbool("DUPEFILTER_DEBUG"))
        self.tracker.bind(self._ack)
        spider.fleet_run = run
        self.crawler.stats.set_value("fleet/run", run.keys.run)
        status = run.status()
        logger.info(
            "fleet: site %s, run %s (%s): %d queued, %d leased%s",
            site,
            run.keys.run,
            f"joined {run.others_at_join} live worker(s)" if run.others_at_join else "no other live worker",
            status.queued,
            status.leased,
            f", {run.reclaimed_at_join} requests of stopped workers queued again" if run.reclaimed_at_join else "",
        )
        self._heartbeat_loop.start(self.lease_seconds / 3, now=False)

    def _join(self, site: str, requested: str | None) -> FleetRun | None:
        # An implicit join can meet a run closing between choosing and joining it: then a new run is chosen.
        for _ in range(3):
            keys = FleetRun.choose(self.server, self.prefix, site, requested)
            run = FleetRun(self.server, keys, self.worker, self.lease_seconds)
            if run.join():
                return run
            if requested:
                self.refusal = ("run_finished", f"run {requested} of site {site} is finished; start one without run=")
                return None
        self.refusal = ("run_closing", f"the runs of site {site} kept closing while this worker joined them")
        return None

    def _refuse(self) -> None:
        # CloseSpider from spider_opened stops the crawl cleanly (raised from open() it ends in a traceback)
        if self.refusal:
            logger.error("fleet: %s", self.refusal[1])
            raise CloseSpider(self.refusal[0])

    def close(self, reason: str) -> None:
        if self._heartbeat_loop.running:
            self._heartbeat_loop.stop()
        if self.refusal:
            return
        try:
            unfinished = self.tracker.open_leases()
            if unfinished:
                back = self.queue.release(unfinished)
                logger.info("fleet: %d unfinished requests handed back to run %s", back, self.run.keys.run)
            self.run.leave()
        except RedisError as exc:
            logger.error("fleet: cannot reach Redis to leave the run (leases expire by themselves): %s", exc)

    # -- queue ------------------------------------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        if self.refusal:
            return False
        parent, replaced = self.tracker.arrived(request)
        fresh = parent is None and replaced is None
        check = not request.dont_filter or (fresh and bool(request.meta.get("is_start_request")))
        try:
            outcome = self.queue.push_unseen(request, self.df.request_fingerprint(request) if check else None)
        except RedisError as exc:  # not queued: the leases it came from must not be acknowledged
            self.tracker.not_queued(parent, replaced)
            redis_lost(self.crawler, exc)
            return False
        self.tracker.queued(parent, replaced)
        if outcome == 0:
            self.df.log(request, self.spider)
            return False
        if outcome < 0:
            if not self._refused_closed:
                logger.info("fleet: run %s is closed; no more requests are queued in it", self.run.keys.run)
                self._refused_closed = True
            return False
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def has_pending_requests(self) -> bool:
        return not self.refusal and super().has_pending_requests()

    def __len__(self) -> int:
        return 0 if self.refusal else len(self.queue)

    def next_request(self) -> Request | None:
        if self.refusal or is_lost(self.crawler):
            return None
        try:
            got = self.queue.pop_lease(self.worker, self.lease_seconds)
        except RedisError as exc:
            redis_lost(self.crawler, exc)
            return None
        if got is None:
            return None
        lease_id, request = got
        if request is None:
            self.queue.ack(lease_id)
            return None
        self.tracker.leased(lease_id, request)
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _ack(self, lease_id: str) -> None:
        if is_lost(self.crawler):  # stopping without Redis: what is not done for sure stays leased
            return
        try:
            acked = self.queue.ack(lease_id)
        except RedisError as exc:
            redis_lost(self.crawler, exc)
            return
        if acked:
            self.crawler.stats.inc_value("fleet/acked")
        else:  # the lease expired (a stalled worker) and its request was queued again: fetched twice, not lost
            self.crawler.stats.inc_value("fleet/acked_late")

    # -- liveness ---------------------------------------------------------------------------------------
    def _heartbeat(self) -> None:
        try:
            self.queue.renew(self.worker, self.lease_seconds, self.tracker.open_leases())
            back = self.queue.reclaim()
        except RedisError as exc:  # keep crawling what is in flight; the next beat tries again
            logger.error("fleet: cannot renew leases in Redis: %s", exc)
            return
        if back:
            logger.info("fleet: %d expired leases (a stopped worker's requests) queued again", back)
            self.crawler.stats.inc_value("fleet/reclaimed", back)

    def spider_idle(self) -> None:
        """Keep the worker up while the run has requests queued or leased anywhere; close a drained run."""
        if self.refusal:
            return
        stray = self.tracker.idle()
        if stray:
            logger.warning("fleet: %d leases were still open with nothing in flight; acknowledged", stray)
            self.crawler.stats.inc_value("fleet/acked_at_idle", stray)
        try:
            back = self.queue.reclaim()
            if back:
                self.crawler.stats.inc_value("fleet/reclaimed", back)
            if self.run.close_if_drained():
                logger.info("fleet: run %s drained and closed", self.run.keys.run)
                return
        except RedisError as exc:
            redis_lost(self.crawler, exc)
            return
        raise DontCloseSpider
