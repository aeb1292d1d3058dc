"""A site's runs on the shared frontier: which run a worker joins, resuming one by name, closing a drained one.

A run is one pass over a site by any number of workers; its queue, seen-set and leases are its own keys, so a
new run starts from an empty seen-set (with one seen-set for every run, a scheduled re-run found its list pages
"seen" and fetched nothing new). `<prefix>:<site>:run` names the site's active run: a worker started without a
run name joins it, or starts a new one when there is none. A run is closed by the first worker that finds its
queue empty and no lease live — the state every worker reaches together, since a request's children are queued
before its lease is acknowledged — and closing clears the active name, so the next scheduled invocation starts
fresh. A run whose workers were all killed stays active: the next worker to start joins it and, finding no
other live worker, puts every lease back into the queue at once (nobody is left to finish them).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from crawler.fleet.keys import RunKeys
from crawler.fleet.leases import LUA_NOW, LUA_REQUEUE

#: how long a closed run's state is kept, so `-a run=NAME` of a finished run says so instead of crawling again
CLOSED_STATE_SECONDS = 30 * 24 * 3600

# KEYS: state workers leases leased queue; ARGV: worker ttl.
# {'closed'} | {'joined', other live workers, leases put back because nobody else is alive}
_JOIN = (
    LUA_NOW
    + LUA_REQUEUE
    + """
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return {'closed', 0, 0} end
redis.call('HSETNX', KEYS[1], 'started', tostring(now))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local others = redis.call('ZCARD', KEYS[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
local back = 0
if others == 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do back = back + requeue(KEYS[5], KEYS[3], KEYS[4], id) end
end
return {'joined', others, back}
"""
)

# KEYS: state active queue leases <frontier keys...>; ARGV: run keep. 1 closed (now or before), 0 not drained.
_CLOSE_IF_DRAINED = (
    LUA_NOW
    + """
if redis.call('HEXISTS', KEYS[1], 'closed') == 1 then return 1 end
if redis.call('ZCARD', KEYS[3]) > 0 or redis.call('ZCARD', KEYS[4]) > 0 then return 0 end
redis.call('HSET', KEYS[1], 'closed', tostring(now))
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
for i = 5, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""
)


def new_run_name() -> str:
    """A run name that sorts by start time and does not collide between machines starting together."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


@dataclass(slots=True)
class RunStatus:
    queued: int
    leased: int
    closed: bool


class FleetRun:
    """One worker's membership of one run of one site."""

    def __init__(self, server: Any, keys: RunKeys, worker: str, ttl: float) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker
        self.ttl = ttl
        #: other workers alive when this one joined (0: it started or restarted the run)
        self.others_at_join = 0
        #: leases handed back to the queue when this worker joined a run nobody else was working on
        self.reclaimed_at_join = 0
        self._join = server.register_script(_JOIN)
        self._close = server.register_script(_CLOSE_IF_DRAINED)

    @classmethod
    def choose(cls, server: Any, prefix: str, site: str, requested: str | None) -> RunKeys:
        """The keys of the run to work on: the one named, else the site's active run, else a new one."""
        if requested:
            keys = RunKeys(prefix, site, requested)
            server.set(keys.active, requested, nx=True)
            return keys
        active = RunKeys(prefix, site, "").active
        server.set(active, new_run_name(), nx=True)  # only the first of several workers starting together wins
        name = server.get(active)
        return RunKeys(prefix, site, name.decode() if isinstance(name, bytes) else str(name))

    def join(self) -> bool:
        """Register this worker in the run; False when the run is closed already."""
        k = self.keys
        status, others, back = self._join(
            keys=[k.state, k.workers, k.leases, k.leased, k.queue], args=[self.worker, self.ttl]
        )
        if (status.decode() if isinstance(status, bytes) else status) == "closed":
            return False
        self.others_at_join, self.reclaimed_at_join = int(others), int(back)
        return True

    def leave(self) -> None:
        self.server.zrem(self.keys.workers, self.worker)

    def close_if_drained(self) -> bool:
        """Close the run when its queue is empty and no lease is live; True when it is closed (by anyone)."""
        k = self.keys
        keys = [k.state, k.active, k.queue, k.leases, *k.frontier()]
        return bool(self._close(keys=keys, args=[k.run, CLOSED_STATE_SECONDS]))

    def agree(self, name: str, value: str) -> str:
        """The run's one value of `name`: `value` if this worker is the first to say, else the first one's.

        For decisions every worker of a run must share, e.g. the spider's crawl mode (incremental or full).
        """
        field = f"agreed:{name}"
        self.server.hsetnx(self.keys.state, field, value)
        got = self.server.hget(self.keys.state, field)
        return got.decode() if isinstance(got, bytes) else str(got)

    def status(self) -> RunStatus:
        k = self.keys
        with self.server.pipeline(transaction=False) as pipe:
            pipe.zcard(k.queue).zcard(k.leases).hexists(k.state, "closed")
            queued, leased, closed = pipe.execute()
        return RunStatus(int(queued), int(leased), bool(closed))
