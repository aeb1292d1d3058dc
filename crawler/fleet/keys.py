"""The Redis key names: `<prefix>:<site>:<run>:…` for a run's frontier, `<prefix>:slot:<host>…` for politeness."""

from __future__ import annotations

from dataclasses import dataclass

#: the default first part of every key (NEWSARCHIVE_REDIS_PREFIX), so one Redis can hold other data too
DEFAULT_PREFIX = "newsarchive"


@dataclass(frozen=True, slots=True)
class RunKeys:
    """Every key of one run of one site; `active` (which run workers of the site join) is per site."""

    prefix: str
    site: str
    run: str

    @property
    def active(self) -> str:
        return f"{self.prefix}:{self.site}:run"

    def _key(self, part: str) -> str:
        return f"{self.prefix}:{self.site}:{self.run}:{part}"

    @property
    def state(self) -> str:
        """Hash: `started`, and `closed` once the run's frontier was drained."""
        return self._key("state")

    @property
    def queue(self) -> str:
        """Sorted set of encoded requests by priority (scrapy-redis's PriorityQueue layout)."""
        return self._key("queue")

    @property
    def seen(self) -> str:
        """Set of request fingerprints (scrapy-redis's RFPDupeFilter layout)."""
        return self._key("seen")

    @property
    def leases(self) -> str:
        """Sorted set of lease ids by deadline (Redis server time, seconds)."""
        return self._key("leases")

    @property
    def leased(self) -> str:
        """Hash: lease id -> encoded request, `<id>:s` -> its queue score, `<id>:o` -> the worker holding it."""
        return self._key("leased")

    @property
    def lease_ids(self) -> str:
        return self._key("lease-ids")

    @property
    def workers(self) -> str:
        """Sorted set of the run's worker ids by heartbeat deadline."""
        return self._key("workers")

    def frontier(self) -> list[str]:
        """The keys deleted when the run closes (the state hash stays a while, to answer `run=NAME`)."""
        return [self.queue, self.seen, self.leases, self.leased, self.lease_ids, self.workers]


@dataclass(frozen=True, slots=True)
class SlotKeys:
    """The politeness slot of one download host, shared by every worker and every run."""

    prefix: str
    host: str

    @property
    def slot(self) -> str:
        """Hash: `next` (earliest time the next request may start), `delay` (AutoThrottle's shared delay)."""
        return f"{self.prefix}:slot:{self.host}"

    @property
    def inflight(self) -> str:
        """Sorted set of concurrency permits by expiry."""
        return f"{self.prefix}:slot:{self.host}:inflight"
