"""Politeness per site for the whole fleet: one download slot per host in Redis, shared by every worker.

Scrapy keeps DOWNLOAD_DELAY, CONCURRENT_REQUESTS_PER_DOMAIN and AutoThrottle's delay in each process's
downloader slots, so N workers send N times the rate (measured: 1.68 requests/s with one worker, 3.28 with two)
and "at most 4 concurrent requests per site" becomes 4 × N. FleetPolitenessMiddleware keeps both limits in one
Redis slot per download host (Scrapy's slot key, the hostname) for every worker and every run:

* an interval: a request may start only once the slot's `next` time has passed, and starting sets it to
  now + interval — the site's DOWNLOAD_DELAY (a profile's `download_delay`), or AutoThrottle's shared delay
  when that is larger. Times are the Redis server's clock, so skewed machines agree;
* a semaphore: a request holds one of CONCURRENT_REQUESTS_PER_DOMAIN permits (a profile's `concurrency`) from
  the moment it goes to the downloader until its response or error comes back. Like a lease, a permit has a
  deadline NEWSARCHIVE_LEASE_SECONDS ahead that its worker renews while it lives, so a killed worker's permits
  come back by themselves within that time.

A request waits, holding nothing, until both allow it: until `next` for the interval; for a permit, until this
worker releases one or PERMIT_POLL_SECONDS pass (another worker's release is only seen by polling).

How it meets Scrapy's own per-process throttling (decided, so the delay is applied once, fleet-wide):
* the process's downloader slot for a governed host gets delay 0. Keeping the per-process delay as well would
  make the interval the sum of two waits that do not line up, and no longer DOWNLOAD_DELAY. So
  RANDOMIZE_DOWNLOAD_DELAY's jitter does not apply in fleet mode: the interval is exact.
* CONCURRENT_REQUESTS_PER_DOMAIN stays the per-process limit as well: harmless, a process never holds more
  permits than the fleet has.
* AutoThrottle: the settings replace its extension by FleetAutoThrottle, which runs AutoThrottle's own
  adjustment (same settings: target concurrency, start and max delay, DOWNLOAD_DELAY as the floor) on the
  host's shared delay in Redis, fed by every worker's latencies, instead of on the process's slot.
The middleware is the last before the downloader (960): cached or replayed responses (HttpCache 900, replay
950) are not throttled; robots.txt fetches are.
"""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.connection import get_redis_from_settings
from twisted.internet import defer
from twisted.internet.task import LoopingCall

from crawler.fleet.errors import redis_lost
from crawler.fleet.keys import DEFAULT_PREFIX, SlotKeys
from crawler.fleet.leases import DEFAULT_LEASE_SECONDS, LUA_NOW

logger = logging.getLogger(__name__)

#: request.meta key of the (host, permit) a request holds while it is downloaded
PERMIT_META = "fleet_permit"
#: how often a request waiting for a permit asks Redis again: another worker's release is only seen this way
PERMIT_POLL_SECONDS = 0.1
#: a host's slot is forgotten after a day unused
SLOT_KEEP_SECONDS = 86400

# KEYS: slot inflight; ARGV: interval limit permit_ttl permit use_shared_delay.
# '0' = go (the permit is taken), '-1' = no permit free, else seconds to wait for the interval.
_ACQUIRE = (
    LUA_NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return '-1' end
local interval = tonumber(ARGV[1])
if ARGV[5] == '1' then
  local shared = tonumber(redis.call('HGET', KEYS[1], 'delay') or '0')
  if shared > interval then interval = shared end
end
local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if nxt > now then return tostring(nxt - now) end
redis.call('HSET', KEYS[1], 'next', tostring(now + interval))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
return '0'
"""
)

# KEYS: inflight; ARGV: ttl permit...
_RENEW = (
    LUA_NOW
    + """
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
"""
)


def redis_configured(settings: Any) -> bool:
    return bool(settings.get("REDIS_URL") or settings.get("REDIS_HOST"))


class SharedSlots:
    """The hosts' politeness slots in Redis."""

    def __init__(self, server: Any, prefix: str) -> None:
        self.server = server
        self.prefix = prefix
        self._acquire = server.register_script(_ACQUIRE)
        self._renew = server.register_script(_RENEW)

    @classmethod
    def from_settings(cls, settings: Any) -> SharedSlots:
        if not redis_configured(settings):
            raise NotConfigured("no Redis: politeness stays per process")
        return cls(get_redis_from_settings(settings), settings.get("NEWSARCHIVE_REDIS_PREFIX") or DEFAULT_PREFIX)

    def keys(self, host: str) -> SlotKeys:
        return SlotKeys(self.prefix, host)

    def try_acquire(self, host: str, permit: str, *, interval: float, limit: int, ttl: float, adaptive: bool) -> float:
        """0: the request may start now (the permit is held); > 0: seconds until the interval allows; -1: no permit."""
        k = self.keys(host)
        args = [interval, limit, ttl, permit, "1" if adaptive else "", SLOT_KEEP_SECONDS]
        return float(self._acquire(keys=[k.slot, k.inflight], args=args))

    def release(self, host: str, permit: str) -> None:
        self.server.zrem(self.keys(host).inflight, permit)

    def renew(self, host: str, permits: list[str], ttl: float) -> None:
        """Move the deadlines of a live worker's permits forward."""
        self._renew(keys=[self.keys(host).inflight], args=[ttl, *permits])

    def delay(self, host: str) -> float:
        value = self.server.hget(self.keys(host).slot, "delay")
        return float(value) if value is not None else 0.0

    def set_delay(self, host: str, value: float, *, only_if_unset: bool = False) -> None:
        slot = self.keys(host).slot
        if only_if_unset:
            self.server.hsetnx(slot, "delay", value)
        else:
            self.server.hset(slot, "delay", value)


class FleetPolitenessMiddleware:
    """Downloader middleware: each request waits for the host's shared interval and a shared permit."""

    def __init__(self, crawler: Any, slots: SharedSlots) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.slots = slots
        self.interval = settings.getfloat("DOWNLOAD_DELAY")
        self.limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.permit_ttl = settings.getfloat("NEWSARCHIVE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS)
        self.adaptive = settings.getbool("AUTOTHROTTLE_ENABLED")
        self._ids = itertools.count()
        self._me = f"{os.getpid()}-{id(self):x}"
        self._waiters: list[defer.Deferred[None]] = []
        #: permit -> host of every permit this worker holds, renewed by `_renew_loop`
        self._held: dict[str, str] = {}
        self._renew_loop = LoopingCall(self._renew)

    @classmethod
    def from_crawler(cls, crawler: Any) -> FleetPolitenessMiddleware:
        mw = cls(crawler, SharedSlots.from_settings(crawler.settings))
        crawler.signals.connect(mw._opened, signal=signals.spider_opened)
        crawler.signals.connect(mw._closed, signal=signals.spider_closed)
        return mw

    def _opened(self) -> None:
        self._renew_loop.start(self.permit_ttl / 3, now=False)

    def _closed(self) -> None:
        if self._renew_loop.running:
            self._renew_loop.stop()

    def _renew(self) -> None:
        by_host: dict[str, list[str]] = {}
        for permit, host in self._held.items():
            by_host.setdefault(host, []).append(permit)
        try:
            for host, permits in by_host.items():
                self.slots.renew(host, permits, self.permit_ttl)
        except RedisError as exc:
            logger.error("fleet: cannot renew download permits in Redis: %s", exc)

    async def process_request(self, request: Request) -> None:
        downloader = self.crawler.engine.downloader
        host = downloader.get_slot_key(request)
        permit = f"{self._me}-{next(self._ids)}"
        waited = 0.0
        while True:
            try:
                wait = self.slots.try_acquire(
                    host, permit, interval=self.interval, limit=self.limit, ttl=self.permit_ttl, adaptive=self.adaptive
                )
            except RedisError as exc:  # no shared slot, no fetch: politeness is never given up
                redis_lost(self.crawler, exc)
                raise IgnoreRequest("fleet politeness slot unavailable") from exc
            if wait == 0:
                break
            pause = wait if wait > 0 else PERMIT_POLL_SECONDS
            waited += pause
            await self._sleep(pause)
        request.meta[PERMIT_META] = (host, permit)
        self._held[permit] = host
        if waited:
            self.crawler.stats.inc_value("fleet/politeness_wait_seconds", waited)
        local = downloader.slots.get(host)
        if local is not None:  # the interval was kept fleet-wide: the process's slot must not wait again
            local.delay = 0.0

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(PERMIT_META, None)  # popped: a retry copies the meta, not the permit
        if held is None:
            return
        host, permit = held
        self._held.pop(permit, None)
        try:
            self.slots.release(host, permit)
        except RedisError as exc:  # the permit expires by itself
            redis_lost(self.crawler, exc)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:  # this worker's own waiters need not wait for their next poll
            _wake(waiter)

    async def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less when this worker releases a permit meanwhile."""
        waiter: defer.Deferred[None] = defer.Deferred()
        timer = call_later(seconds, _wake, waiter)
        self._waiters.append(waiter)
        await maybe_deferred_to_future(waiter)
        timer.cancel()


def _wake(waiter: defer.Deferred[None]) -> None:
    if not waiter.called:
        waiter.callback(None)


class _SharedDelay:
    """AutoThrottle's view of a host's slot in fleet mode: the delay it reads and sets is the fleet's."""

    def __init__(self, slots: SharedSlots, host: str, local: Any) -> None:
        self._slots = slots
        self._host = host
        self._local = local

    @property
    def delay(self) -> float:
        return self._slots.delay(self._host)

    @delay.setter
    def delay(self, value: float) -> None:
        self._slots.set_delay(self._host, value)
        self._local.delay = 0.0

    @property
    def transferring(self) -> Any:  # read by AutoThrottle's debug log
        return self._local.transferring


class FleetAutoThrottle(AutoThrottle):
    """AutoThrottle adapting each host's shared delay (FleetPolitenessMiddleware's interval) from every worker."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)  # NotConfigured unless AUTOTHROTTLE_ENABLED
        self.slots = SharedSlots.from_settings(crawler.settings)
        self._shared_start = 0.0
        self._seeded: set[str] = set()
        crawler.signals.connect(self._seed_slot, signal=signals.request_reached_downloader)

    def _spider_opened(self, spider: Any) -> None:
        super()._spider_opened(spider)
        self._shared_start = AutoThrottle._start_delay(self)

    def _start_delay(self) -> float:
        return 0.0  # new per-process slots never wait: the shared slot does

    def _seed_slot(self, request: Request, **_: Any) -> None:
        """A host's shared delay starts at AutoThrottle's start delay (unless a worker set it already)."""
        host = request.meta.get("download_slot")
        if host and host not in self._seeded:
            self._seeded.add(host)
            self.slots.set_delay(host, self._shared_start, only_if_unset=True)

    def _get_slot(self, request: Request, spider: Any) -> tuple[str | None, Any]:
        key, slot = super()._get_slot(request, spider)
        if key is None or slot is None:
            return key, slot
        return key, _SharedDelay(self.slots, key, slot)
