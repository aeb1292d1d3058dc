"""The run's request queue, where a popped request is leased until its work is done, not removed.

scrapy-redis's PriorityQueue pops with ZRANGE + ZREMRANGEBYRANK: once popped, a request lives only in the
worker's memory, so a SIGKILL loses it (the issue measured 8 articles popped and never fetched). Here `pop_lease`
moves the request atomically into a lease — a deadline in a sorted set, the encoded request in a hash — and
`ack` deletes the lease once the request's work is stored. A live worker `renew`s its deadlines; `reclaim`
puts expired leases back into the queue, past the seen-set (they were seen, but never done).

Deadlines are the Redis server's clock (TIME inside the scripts), so workers whose clocks disagree still agree
on them. Nothing here blocks: the parent's `pop` ignores its timeout (measured: SCHEDULER_IDLE_BEFORE_CLOSE had
no effect with it), and a blocking pop would stall the Twisted reactor anyway, so waiting for work is the
scheduler's idle hook's job.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy_redis import picklecompat
from scrapy_redis.queue import PriorityQueue

from crawler.fleet.keys import RunKeys

logger = logging.getLogger(__name__)

#: a lease outlives its worker's last renewal by this long: long enough for a stalled reactor (a slow archive
#: query) not to lose it, short enough that a killed worker's pages are fetched again within a minute
DEFAULT_LEASE_SECONDS = 60.0

#: request.meta key holding the lease id of a request popped from the run's queue (never stored in Redis)
LEASE_META = "fleet_lease"

# Lua snippets: `now` (server time, seconds with microseconds) and `requeue(id)`, shared by the scripts below.
LUA_NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"
LUA_REQUEUE = """
local function requeue(queue, leases, leased, id)
  local data = redis.call('HGET', leased, id)
  if data then
    local score = redis.call('HGET', leased, id .. ':s') or '0'
    redis.call('ZADD', queue, score, data)
  end
  redis.call('ZREM', leases, id)
  redis.call('HDEL', leased, id, id .. ':s', id .. ':o')
  return data and 1 or 0
end
"""

# KEYS: queue seen state; ARGV: data score fingerprint ('' = no seen check). 1 queued, 0 seen, -1 run closed.
_PUSH = """
if redis.call('HEXISTS', KEYS[3], 'closed') == 1 then return -1 end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
"""

# KEYS: queue leases leased lease_ids; ARGV: ttl owner. {id, data} or nil.
_POP = (
    LUA_NOW
    + """
local got = redis.call('ZPOPMIN', KEYS[1])
if #got == 0 then return false end
local id = tostring(redis.call('INCR', KEYS[4]))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
redis.call('HSET', KEYS[3], id, got[1], id .. ':s', got[2], id .. ':o', ARGV[2])
return {id, got[1]}
"""
)

# KEYS: leases leased; ARGV: id. 1 acknowledged, 0 the lease had expired (and was put back) already.
_ACK = """
local n = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. ':s', ARGV[1] .. ':o')
return n
"""

# KEYS: leases workers; ARGV: ttl owner id... — a live worker moves its deadlines (and its heartbeat) forward.
_RENEW = (
    LUA_NOW
    + """
local deadline = now + tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], deadline, ARGV[2])
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i]) end
return #ARGV - 2
"""
)

# KEYS: queue leases leased; ARGV: 'expired' or 'all'. Number of requests put back.
_RECLAIM = (
    LUA_NOW
    + LUA_REQUEUE
    + """
local cutoff = now
if ARGV[1] == 'all' then cutoff = '+inf' end
local n = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff)) do
  n = n + requeue(KEYS[1], KEYS[2], KEYS[3], id)
end
return n
"""
)

# KEYS: queue leases leased; ARGV: id... — a worker stopping early hands its unfinished leases back at once.
_RELEASE = (
    LUA_REQUEUE
    + """
local n = 0
for i = 1, #ARGV do n = n + requeue(KEYS[1], KEYS[2], KEYS[3], ARGV[i]) end
return n
"""
)


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue of one run, with leases instead of a destructive pop."""

    def __init__(self, server: Any, spider: Any, keys: RunKeys, serializer: Any = None) -> None:
        # the parent formats the key with the spider name: escape a literal % in a site id
        super().__init__(server, spider, keys.queue.replace("%", "%%"), serializer)
        self.keys = keys
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._ack = server.register_script(_ACK)
        self._renew = server.register_script(_RENEW)
        self._reclaim = server.register_script(_RECLAIM)
        self._release = server.register_script(_RELEASE)

    def _encode_request(self, request: Request) -> Any:
        """The request as scrapy-redis stores it, without this worker's lease id."""
        obj = request.to_dict(spider=self.spider)
        if LEASE_META in obj["meta"]:
            obj["meta"] = {k: v for k, v in obj["meta"].items() if k != LEASE_META}
        return self.serializer.dumps(obj)

    def push_unseen(self, request: Request, fingerprint: str | None) -> int:
        """Queue the request unless its fingerprint is in the run's seen-set (None: no check), in one step.

        1 queued, 0 already seen, -1 the run is closed. The check and the push are one script, so no worker
        can find the seen-set holding a request that is not queued yet (and take the run for drained).
        """
        k = self.keys
        score = -request.priority  # scrapy-redis's PriorityQueue order
        return int(
            self._push(keys=[k.queue, k.seen, k.state], args=[self._encode_request(request), score, fingerprint or ""])
        )

    def push(self, request: Request) -> None:
        self.push_unseen(request, None)

    def pop_lease(self, owner: str, ttl: float) -> tuple[str, Request | None] | None:
        """(lease id, request) of the best queued request, now leased by `owner` for `ttl` seconds.

        The request is None when it cannot be decoded (a callback renamed since it was queued): the caller
        acknowledges that lease, so a poisoned entry is dropped once instead of failing every worker.
        """
        k = self.keys
        got = self._pop(keys=[k.queue, k.leases, k.leased, k.lease_ids], args=[ttl, owner])
        if not got:
            return None
        lease_id = got[0].decode() if isinstance(got[0], bytes) else str(got[0])
        try:
            return lease_id, self._decode_request(got[1])
        except (ValueError, AttributeError, ImportError) as exc:
            logger.error("cannot decode a queued request (%s); it is dropped", exc)
            return lease_id, None

    def pop(self, timeout: int = 0) -> Request | None:
        raise TypeError("a run's queue is only popped with a lease (pop_lease)")

    def ack(self, lease_id: str) -> bool:
        """Delete a finished lease; False when it had expired and its request was queued again meanwhile."""
        return bool(self._ack(keys=[self.keys.leases, self.keys.leased], args=[lease_id]))

    def renew(self, owner: str, ttl: float, lease_ids: list[str]) -> None:
        self._renew(keys=[self.keys.leases, self.keys.workers], args=[ttl, owner, *lease_ids])

    def reclaim(self, *, everything: bool = False) -> int:
        """Queue the requests of expired leases again (every lease when `everything`); how many."""
        k = self.keys
        return int(self._reclaim(keys=[k.queue, k.leases, k.leased], args=["all" if everything else "expired"]))

    def release(self, lease_ids: list[str]) -> int:
        if not lease_ids:
            return 0
        k = self.keys
        return int(self._release(keys=[k.queue, k.leases, k.leased], args=lease_ids))

    def leases_live(self) -> int:
        return int(self.server.zcard(self.keys.leases))


def leased_urls(server: Any, keys: RunKeys, serializer: Any = picklecompat) -> dict[str, tuple[str, str]]:
    """lease id -> (worker, URL) of every lease of a run (what a stopped worker was holding)."""
    raw = {(k.decode() if isinstance(k, bytes) else k): v for k, v in server.hgetall(keys.leased).items()}
    out: dict[str, tuple[str, str]] = {}
    for name, value in raw.items():
        if ":" not in name:
            owner = raw.get(f"{name}:o", b"")
            out[name] = (owner.decode() if isinstance(owner, bytes) else str(owner), serializer.loads(value)["url"])
    return out
