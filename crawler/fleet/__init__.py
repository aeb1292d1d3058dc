"""Several crawl workers, one frontier in Redis, one archive: runs, leases, fleet-wide politeness.

Built on scrapy-redis (its Scheduler, PriorityQueue and RFPDupeFilter) and plain Redis commands; every
multi-key step is one Lua script, so workers on several machines never see half of a change.

* `keys`        — the Redis key names of a site's runs and of a host's politeness slot.
* `runs`        — a site's run: which run a worker joins, resuming one by name, closing it once drained.
* `leases`      — the run's queue, where a popped request is leased (with a deadline), not removed.
* `tracking`    — when a leased request's work is done: its callback ran out, its items were stored or
                  dropped and the requests it produced are queued; then the lease is acknowledged.
* `scheduler`   — FleetScheduler, the Scrapy scheduler tying these together, with the idle hook that keeps a
                  worker up while any worker of the run still holds requests.
* `politeness`  — one download slot per host for the whole fleet: a minimum interval and a concurrency
                  semaphore in Redis, and AutoThrottle adapting that shared interval.
"""
