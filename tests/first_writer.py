"""A crawl worker's first touch of an archive, as a process of its own (for tests/test_archive_open.py).

Kept apart from the test module so each spawned process imports only storage, not the whole test suite.
"""

from __future__ import annotations

from typing import Any


def first_writer(url: str, barrier: Any, n: int) -> None:
    """Wait for the other workers, then open the (new) archive for writing and record a run in it."""
    from storage.db import archive_for_writing, session_scope
    from storage.models import CrawlRun

    barrier.wait(timeout=120)
    factory = archive_for_writing(url)
    with session_scope(factory) as session:
        session.add(CrawlRun(spider="news", site=f"worker-{n}", stats={}))
