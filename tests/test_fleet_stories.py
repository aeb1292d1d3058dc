"""One, two and three crawl workers sharing one PostgreSQL archive leave the same rows and the same stories.

Stories used to live in each worker's memory (an index loaded once per process), so with two workers 6-26% of
syndicated pairs ended in different stories. They are now computed from the archive when a worker finishes.
"""

from __future__ import annotations

import pytest

from tests.fleet_harness import (
    assert_finished,
    fresh_pg_database,
    recorded_site,
    redis_prefix,  # noqa: F401  (fixture)
    redis_url,  # noqa: F401  (fixture)
    start_worker,
    stories,
    wait_all,
)
from tests.test_crawl import snapshot


def publications(db_url: str) -> dict[str, tuple[str | None, str]]:
    """URL -> (来源, published as ISO 8601) of every stored article."""
    from sqlalchemy import create_engine, select

    from storage.models import Article

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Article.url, Article.source, Article.published)).all()
    engine.dispose()
    return {url: (source, published.isoformat()) for url, source, published in rows}

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.postgres]

#: the crawl site with syndicated copies (edited: trimmed, new lead, other 来源, editor's note) and boilerplate
SITE = {"syndicated": 6, "boilerplate": 2}


def test_one_two_and_three_workers_leave_identical_rows_and_stories(tmp_path, redis_url, redis_prefix):  # noqa: F811
    results = {}
    with recorded_site(**SITE) as (server, _recorder):
        base = server.base_url  # type: ignore[attr-defined]
        site = server.site  # type: ignore[attr-defined]
        for n in (1, 2, 3):
            with fresh_pg_database() as db:
                fleet = {"redis": redis_url, "NEWSARCHIVE_REDIS_PREFIX": f"{redis_prefix}-{n}"} if n > 1 else {}
                workers = [start_worker(tmp_path, base, db, f"w{n}-{i}", **fleet) for i in range(n)]
                wait_all(workers)
                for w in workers:
                    assert_finished(w)
                results[n] = (snapshot(db), stories(db), publications(db))
    rows, groups, published = results[1]
    assert set(rows) == site.articles, "every syndicated copy is a row of its own"
    truth = {frozenset(s["members"]) for s in site.stories}
    assert groups == truth, "the stories are the generator's true story groups"
    assert sum(len(g) - 1 for g in groups) == SITE["syndicated"]
    from datetime import datetime

    for expected in site.expected_articles:  # each copy with its own 来源 and time
        source, when = published[expected["url"]]
        # the extractor reads `来源：转载自X` as the origin X (crawler.extract.rules: a prefix, not the name)
        assert source == (expected["source"] or "").removeprefix("转载自") or None
        assert datetime.fromisoformat(when) == datetime.fromisoformat(expected["published"])
    for n in (2, 3):
        # exactly the site's articles: fleet workers used to store the robots-disallowed /private/secret.html too
        # (requests waiting for a worker's robots.txt went unchecked: crawler.middlewares.RobotsTxtMiddleware)
        assert results[n][0] == rows, f"{n} workers stored the same rows as one"
        assert results[n][1] == groups, f"{n} workers left the same stories"
        assert results[n][2] == published
