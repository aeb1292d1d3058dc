"""The archive writer: one thread that stores items in batched transactions, off the crawl's reactor thread.

Storing an article costs several milliseconds of database work; done on the reactor's thread, every download
waits for it. Here the pipeline hands the item over (`submit`) and gets a Future that is resolved only after
the transaction holding the item committed, so whatever waits on the future (Scrapy's item chain, the fleet's
lease acknowledgement on `item_scraped`) never treats an uncommitted item as done: a crash, Ctrl-C or kill loses
at most the uncommitted batch, and those items' requests are not marked done.

* Order: one thread takes items first in, first out; a batch is stored in submission order.
* Back-pressure: the queue is bounded; `submit` blocks while it is full, so a slow database slows the crawl instead
  of filling memory (Scrapy's own limit on items in flight usually stops the crawl well before).
* Batches: whatever is queued (up to `max_batch`) goes in one transaction, one commit for many articles.
* Failures: if anything in a batch fails, the batch is rolled back and each of its items is stored again on its own
  (`store_alone`), so one bad item fails alone and the others are stored.
* `close` stores everything already submitted, then stops the thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from storage.db import session_scope

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: articles per transaction at most: one commit (an fsync on SQLite) for many, and a batch that fails is replayed
#: item by item, so not much more
MAX_BATCH = 50
#: items waiting at most: about a minute of crawling at the benchmark's rate, a few MB of bodies
MAX_QUEUE = 200

_STOP = object()


class ArchiveWriter(Generic[T, R]):
    """Store items on a background thread: `store(session, item)` in a shared transaction per batch, and
    `store_alone(item)` (its own transaction) when a batch failed. `on_commit` / `on_rollback` run after a batch's
    commit or rollback; `on_slow(seconds, items)` after a batch that took `slow_seconds` or more (a locked archive)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        store: Callable[[Session, T], R],
        store_alone: Callable[[T], R],
        *,
        on_commit: Callable[[], None] = lambda: None,
        on_rollback: Callable[[], None] = lambda: None,
        on_slow: Callable[[float, int], None] = lambda _seconds, _items: None,
        slow_seconds: float = float("inf"),
        max_batch: int = MAX_BATCH,
        max_queue: int = MAX_QUEUE,
        name: str = "archive-writer",
    ) -> None:
        self.factory = factory
        self.store = store
        self.store_alone = store_alone
        self.on_commit = on_commit
        self.on_rollback = on_rollback
        self.on_slow, self.slow_seconds = on_slow, slow_seconds
        self.max_batch = max_batch
        self.queue: queue.Queue[tuple[T, Future[R]] | object] = queue.Queue(maxsize=max_queue)
        self.batches = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[R]:
        """Queue an item (blocking while the queue is full); its future resolves after its transaction commits."""
        if self._closed:
            raise RuntimeError("the archive writer is closed")
        future: Future[R] = Future()
        self.queue.put((item, future))
        return future

    def close(self, timeout: float | None = None) -> bool:
        """Store what was submitted, then stop; False when the thread is still busy after `timeout` seconds."""
        if not self._closed:
            self._closed = True
            self.queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the writer thread ---------------------------------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[tuple[T, Future[R]]] = []
            entry = self.queue.get()
            while True:
                if entry is _STOP:
                    stop = True
                    break
                batch.append(entry)  # type: ignore[arg-type]
                if len(batch) >= self.max_batch:
                    break
                try:
                    entry = self.queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write(batch)

    def _write(self, batch: list[tuple[T, Future[R]]]) -> None:
        started = time.monotonic()
        try:
            with session_scope(self.factory) as session:
                results = [self.store(session, item) for item, _ in batch]
            if (seconds := time.monotonic() - started) >= self.slow_seconds:
                self.on_slow(seconds, len(batch))
        except BaseException as exc:  # any failure: replay the items one by one below
            self.on_rollback()
            logger.debug("a batch of %d failed (%s); storing its items one by one", len(batch), exc)
            for item, future in batch:
                self._alone(item, future)
            return
        self.batches += 1
        self.on_commit()
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)

    def _alone(self, item: T, future: Future[R]) -> None:
        try:
            result = self.store_alone(item)
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)
        else:
            future.set_result(result)
