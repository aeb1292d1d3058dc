"""What the fleet tests share: a loopback site whose server logs every fetch (who, when, how many at once) and
can hold a chosen request in flight, crawl workers as subprocesses, fresh PostgreSQL archives, Redis keys."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from crawler.demo import serve
from crawler.demo.server import _Handler
from storage.models import Article
from tests.conftest import REDIS_URL_ENV, empty_pg_database, service_missing
from tests.test_crawl import ROOT, crawl_cmd

#: how long a killed worker's leases and download permits live on in the tests (production: 60 s)
TEST_LEASE_SECONDS = 4


@dataclass(frozen=True, slots=True)
class Fetch:
    path: str
    agent: str
    start: float
    end: float


@dataclass
class Recorder:
    """Every fetch the server answered, the most it answered at once, and an optional request to hold."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    fetches: list[Fetch] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    #: (path, agent, requests by this agent so far) -> hold this request until `release` is set
    hold_if: Callable[[str, str, int], bool] | None = None
    #: extra seconds before answering each request (a slow site)
    slow: float = 0.0
    held: threading.Event = field(default_factory=threading.Event)
    held_path: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    _by_agent: Counter[str] = field(default_factory=Counter)

    def begin(self, path: str, agent: str) -> tuple[float, bool]:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self._by_agent[agent] += 1
            hold = (
                not self.held.is_set() and self.hold_if is not None and self.hold_if(path, agent, self._by_agent[agent])
            )
            if hold:
                self.held_path = path
                self.held.set()
        return time.monotonic(), hold

    def end(self, path: str, agent: str, start: float) -> None:
        with self.lock:
            self.active -= 1
            self.fetches.append(Fetch(path, agent, start, time.monotonic()))

    def count(self, agent: str) -> int:
        with self.lock:
            return self._by_agent[agent]

    def take(self) -> list[Fetch]:
        """The fetches so far, and start afresh (read max_active before)."""
        with self.lock:
            out, self.fetches = self.fetches, []
            self.max_active = 0
            self._by_agent.clear()
        return out


class _RecordingHandler(_Handler):
    def do_GET(self) -> None:
        recorder: Recorder = self.server.recorder  # type: ignore[attr-defined]
        agent = self.headers.get("User-Agent", "")
        start, hold = recorder.begin(self.path, agent)
        try:
            if hold:
                recorder.release.wait(120)
            if recorder.slow:
                time.sleep(recorder.slow)
            super().do_GET()
        finally:
            recorder.end(self.path, agent, start)


@contextmanager
def recorded_site(**options: object) -> Iterator[tuple[object, Recorder]]:
    """The crawl tests' generated site (crawler.demo preset "crawl") on 127.0.0.1, with a Recorder on its server."""
    with serve("crawl", **options) as server:
        recorder = Recorder()
        server.recorder = recorder  # type: ignore[attr-defined]
        server.RequestHandlerClass = _RecordingHandler
        yield server, recorder


def twice(fetches: list[Fetch], allowed: set[str]) -> dict[str, int]:
    """Paths fetched more than once, apart from the allowed ones."""
    counts = Counter(f.path for f in fetches)
    return {path: n for path, n in counts.items() if n > 1 and path not in allowed}


def retried_paths(site: object) -> set[str]:
    """Pages the site answers with an error first (a 5xx, retried by Scrapy, or a 500-then-200)."""
    pages = site.pages  # type: ignore[attr-defined]
    return {path for path, page in pages.items() if page.status >= 500 or page.fail_first}


#: fetched by every worker for itself (RobotsTxtMiddleware), besides the spider's own request
PER_WORKER = {"/robots.txt"}


# -- workers ---------------------------------------------------------------------------------------
@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    log: Path
    agent: str
    exited_at: float | None = None

    def wait(self, timeout: float = 240) -> int:
        rc = self.proc.wait(timeout)
        if self.exited_at is None:
            self.exited_at = time.monotonic()
        return rc

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.wait(30)


def start_worker(
    tmp: Path, base_url: str, db_url: str, agent: str, *args: str, redis: str | None = None, **settings: str
) -> Worker:
    """`scrapy crawl news` against the site, as one fleet worker when `redis` is given."""
    fleet = {"NEWSARCHIVE_REDIS_URL": redis, "NEWSARCHIVE_LEASE_SECONDS": str(TEST_LEASE_SECONDS)} if redis else {}
    cmd = crawl_cmd(base_url, db_url, *args, USER_AGENT=agent, **fleet, **settings)  # type: ignore[arg-type]
    log = tmp / f"{agent}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out)
    return Worker(proc, log, agent)


def wait_all(workers: list[Worker], timeout: float = 240) -> None:
    """Wait for every worker, noting when each one exited."""
    deadline = time.monotonic() + timeout
    pending = list(workers)
    while pending:
        for w in list(pending):
            if w.proc.poll() is not None:
                w.wait()
                pending.remove(w)
        if time.monotonic() > deadline:
            for w in pending:
                w.proc.kill()
            raise AssertionError(f"workers still running after {timeout}s: {[w.agent for w in pending]}")
        time.sleep(0.05)


def assert_finished(worker: Worker) -> str:
    log = worker.text()
    assert worker.proc.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "'finish_reason': 'finished'" in log, log[-3000:]
    return log


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


# -- services --------------------------------------------------------------------------------------
@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        service_missing(REDIS_URL_ENV, "Redis")
    return url  # type: ignore[return-value]


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, deleted afterwards."""
    import redis

    prefix = f"newsarchive-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    with empty_pg_database("fleet") as url:
        # `newsarchive db upgrade` once, as a deployment does before starting workers
        cli = "import sys; from crawler.cli import main; sys.exit(main())"
        subprocess.run([sys.executable, "-c", cli, "--db", url, "db", "upgrade"], cwd=ROOT, check=True,
                       capture_output=True)
        yield url


@pytest.fixture
def pg_archive() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


def stories(db_url: str) -> set[frozenset[str]]:
    """The archive's story clusters, each as the set of its articles' URLs."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Article.story_id, Article.url).where(Article.story_id.is_not(None))).all()
    engine.dispose()
    groups: dict[int, set[str]] = {}
    for story_id, url in rows:
        groups.setdefault(story_id, set()).add(url)
    return {frozenset(g) for g in groups.values()}


# -- what a site sees of a crawl ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SiteLoad:
    """A crawl as the site saw it."""

    fetches: int
    #: requests per second, first to last request start
    rate: float
    #: the most requests the site was answering at once
    max_concurrency: int
    #: first worker started to last worker exited
    wall: float


def crawl_and_measure(
    tmp: Path,
    workers: int,
    db_url: str,
    settings: dict[str, str],
    redis: str | None = None,
    prefix: str | None = None,
    slow: float = 0.0,
    **site: object,
) -> SiteLoad:
    """Crawl a fresh generated site with `workers` workers (a fleet when `redis` is given) and measure it."""
    fleet = {"redis": redis, "NEWSARCHIVE_REDIS_PREFIX": prefix or f"newsarchive-load-{uuid.uuid4().hex[:8]}"}
    with recorded_site(**site) as (server, recorder):
        recorder.slow = slow
        base = server.base_url  # type: ignore[attr-defined]
        t0 = time.monotonic()
        ws = [
            start_worker(tmp, base, db_url, f"load-{i}", **(fleet if redis else {}), **settings)  # type: ignore[arg-type]
            for i in range(workers)
        ]
        wait_all(ws, timeout=1800)
        wall = time.monotonic() - t0
        max_active = recorder.max_active
        fetches = recorder.take()
    for w in ws:
        assert_finished(w)
    starts = sorted(f.start for f in fetches)
    return SiteLoad(len(fetches), (len(starts) - 1) / (starts[-1] - starts[0]), max_active, wall)
