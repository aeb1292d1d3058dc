"""When the work of a leased request is done, so that its lease can be acknowledged — never earlier.

A request's work is done when (1) its callback (or errback) ran to its end, (2) every item it produced was
stored or dropped by the pipelines (item_scraped / item_dropped / item_error), and (3) every request it produced
is in the run's queue. Until then a SIGKILL must leave the lease in Redis, to be fetched again. (3) is what makes
multi-page articles safe: page 1's callback yields the request for page 2 carrying the page-1 item in its
cb_kwargs; page 1 is acknowledged only once that request — item included — is stored in the queue, and page 2's
lease then holds the item until it is stored.

Outputs are counted where nothing can drop them any more on their way to the scraper: `LeaseOutputMiddleware`
is the outermost spider middleware (every response's callback output, and an errback's output when a response
arrived, e.g. an HTTP error), and the errback wrapper installed at pop counts the errback's output after a
download failure (which Scrapy hands to the scraper without spider middlewares). A request the downloader
middlewares replace (a retry, a redirect) reaches the scheduler again with the old lease id in its meta: once
the replacement is queued, the old lease is done. When the engine is idle nothing of this worker is in flight,
so any lease still open is done too (`idle`), a last guard against a stuck run.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from scrapy import Request, signals
from scrapy.utils.spider import iterate_spider_output

from crawler.fleet.leases import LEASE_META

logger = logging.getLogger(__name__)

#: item.extra key the store pipeline sets on an item it keeps in memory because the archive is down
ARCHIVE_PENDING = "archive_pending"


def lease_of(source: Any) -> str | None:
    """The lease id of a request, or of the request behind a response or a download failure."""
    request = source if isinstance(source, Request) else getattr(source, "request", None)
    if not isinstance(request, Request):
        return None
    lease = request.meta.get(LEASE_META)
    return lease if isinstance(lease, str) else None


@dataclass(slots=True)
class _Work:
    """What is still outstanding for one leased request."""

    #: a response arrived (so the spider middlewares, not the errback wrapper, see the output)
    responded: bool = False
    #: the callback or errback ran to its end (or raised)
    finished: bool = False
    #: outputs handed on but not settled yet: items not stored or dropped, requests not queued
    pending: int = 0
    #: never done in this process: an item waits in the store pipeline for the archive to come back, or a
    #: request it produced could not be queued; the lease goes back to the queue (at close, or on expiry)
    parked: bool = False


class LeaseTracker:
    """The open leases of one crawler, and the signals that settle them."""

    _trackers: ClassVar[weakref.WeakKeyDictionary[Any, LeaseTracker]] = weakref.WeakKeyDictionary()

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.work: dict[str, _Work] = {}
        self._children: weakref.WeakKeyDictionary[Request, str] = weakref.WeakKeyDictionary()
        self._ack: Callable[[str], None] = lambda lease_id: None
        crawler.signals.connect(self._response_received, signal=signals.response_received)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._item_settled, signal=signal)
        crawler.signals.connect(self._spider_error, signal=signals.spider_error)

    @classmethod
    def of(cls, crawler: Any) -> LeaseTracker:
        """The crawler's tracker (the scheduler and the spider middleware share it)."""
        tracker = cls._trackers.get(crawler)
        if tracker is None:
            tracker = cls._trackers[crawler] = cls(crawler)
        return tracker

    def bind(self, ack: Callable[[str], None]) -> None:
        """Where finished leases go (the run's queue)."""
        self._ack = ack

    # -- the scheduler's side ------------------------------------------------------------------------
    def leased(self, lease_id: str, request: Request) -> None:
        """A request just popped under this lease: mark it, and wrap its errback to see download failures."""
        request.meta[LEASE_META] = lease_id
        request.errback = _LeaseErrback(self, lease_id, request.errback)
        self.work[lease_id] = _Work()

    def arrived(self, request: Request) -> tuple[str | None, str | None]:
        """(parent, replaced) for a request the scheduler is asked to queue, and restore its own errback.

        parent: the lease whose callback produced it; replaced: the lease of the request it replaces (a retry
        or a redirect returned by a downloader middleware, which copied the meta).
        """
        if isinstance(request.errback, _LeaseErrback):
            request.errback = request.errback.original
        parent = self._children.pop(request, None)
        if parent is not None:
            return parent, None
        lease = lease_of(request)
        return None, lease if lease in self.work else None

    def queued(self, parent: str | None, replaced: str | None) -> None:
        """The request `arrived` described is in the run's queue (or was refused as seen)."""
        if parent is not None:
            self._settle(parent)
        if replaced is not None:
            self.finished(replaced)

    def not_queued(self, parent: str | None, replaced: str | None) -> None:
        """The request `arrived` described could not be queued: its leases are not done in this process."""
        for lease_id in (parent, replaced):
            if lease_id in self.work:
                self.work[lease_id].parked = True

    def open_leases(self) -> list[str]:
        return list(self.work)

    def idle(self) -> int:
        """The engine is idle, so every lease still open is done: acknowledge them; how many there were.

        Parked leases stay: their items are not in the archive yet (they go back to the queue at close).
        """
        open_ = [lease_id for lease_id, work in self.work.items() if not work.parked]
        for lease_id in open_:
            del self.work[lease_id]
            self._ack(lease_id)
        return len(open_)

    # -- outputs -------------------------------------------------------------------------------------
    def track(self, lease_id: str, outputs: Iterable[Any]) -> Iterator[Any]:
        """Pass the outputs on, counting each; the lease's callback is finished when they run out."""
        with self._until_end(lease_id):
            for obj in outputs:
                self._output(lease_id, obj)
                yield obj

    async def track_async(self, lease_id: str, outputs: AsyncIterator[Any]) -> AsyncIterator[Any]:
        with self._until_end(lease_id):
            async for obj in outputs:
                self._output(lease_id, obj)
                yield obj

    @contextmanager
    def _until_end(self, lease_id: str) -> Iterator[None]:
        """Finish the lease when the outputs end or the callback raises — not when the crawl stops mid-output
        (GeneratorExit, cancellation: not Exceptions), where the lease must go back to the queue."""
        try:
            yield
        except Exception:
            self.finished(lease_id)
            raise
        self.finished(lease_id)

    def _output(self, lease_id: str, obj: Any) -> None:
        work = self.work.get(lease_id)
        if work is None or obj is None:  # None is no output: Scrapy skips it
            return
        work.pending += 1
        if isinstance(obj, Request):
            self._children[obj] = lease_id

    def finished(self, lease_id: str | None) -> None:
        work = self.work.get(lease_id) if lease_id else None
        if work is not None:
            work.finished = True
            self._maybe_done(lease_id)  # type: ignore[arg-type]

    def _settle(self, lease_id: str | None) -> None:
        work = self.work.get(lease_id) if lease_id else None
        if work is not None:
            work.pending -= 1
            self._maybe_done(lease_id)  # type: ignore[arg-type]

    def _maybe_done(self, lease_id: str) -> None:
        work = self.work[lease_id]
        if work.finished and work.pending <= 0:
            del self.work[lease_id]
            self._ack(lease_id)

    # -- signals -------------------------------------------------------------------------------------
    def _response_received(self, response: Any, request: Request, **_: Any) -> None:
        work = self.work.get(lease_of(request) or "")
        if work is not None:
            work.responded = True

    def _item_settled(self, item: Any, response: Any = None, **_: Any) -> None:
        lease_id = lease_of(response)
        extra = getattr(item, "extra", None)
        if isinstance(extra, dict) and extra.get(ARCHIVE_PENDING) and lease_id in self.work:
            self.work[lease_id].parked = True  # "scraped", but kept in memory to store later: not done
            return
        self._settle(lease_id)

    def _spider_error(self, failure: Any, response: Any = None, **_: Any) -> None:
        self.finished(lease_of(response))


class _LeaseErrback:
    """A leased request's errback: after a download failure its output bypasses the spider middlewares.

    Then it is counted here, and the lease is finished when it runs out (at once without an errback of the
    spider's own: returning the failure is what Scrapy does with no errback). When a response arrived
    (e.g. HttpErrorMiddleware turned it into a failure), LeaseOutputMiddleware sees the output instead.
    """

    def __init__(self, tracker: LeaseTracker, lease_id: str, original: Callable[..., Any] | None) -> None:
        self.tracker = tracker
        self.lease_id = lease_id
        self.original = original

    def __call__(self, failure: Any) -> Any:
        work = self.tracker.work.get(self.lease_id)
        if work is None or work.responded:
            return failure if self.original is None else self.original(failure)
        if self.original is None:
            self.tracker.finished(self.lease_id)
            return failure
        return self.tracker.track(self.lease_id, iterate_spider_output(self.original(failure)))


class LeaseOutputMiddleware:
    """The outermost spider middleware: counts the outputs of leased responses on their way to the scraper."""

    def __init__(self, tracker: LeaseTracker) -> None:
        self.tracker = tracker

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeaseOutputMiddleware:
        return cls(LeaseTracker.of(crawler))

    def _lease(self, response: Any) -> str | None:
        lease = lease_of(response)
        return lease if lease in self.tracker.work else None

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        lease = self._lease(response)
        if lease is None:
            yield from result
        else:
            yield from self.tracker.track(lease, result)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease = self._lease(response)
        if lease is None:
            async for obj in result:
                yield obj
        else:
            async for obj in self.tracker.track_async(lease, result):
                yield obj
