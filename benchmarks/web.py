"""Web view speed on the generated benchmark archive: `python benchmarks/web.py [--articles 100000] [--db PATH]`.

Builds (or reuses) the archive of benchmarks/query.py (same generator, same seed), opens it read-only like
`newsarchive serve`, and requests pages through the ASGI app in this process. The figure is the server time
the app reports in its Server-Timing header (from the request reaching the app to the response's headers:
the queries, facets and template rendering), the median of several runs, against the issue's targets:
a search page's first result page with a date filter under 150 ms, an article page under 50 ms. On a busy
machine absolute figures drift, so each search is also timed as the bare query the CLI runs
(storage.query.search_page, same engine, same run) and the page's cost is printed as a ratio of it.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from query import bench_archive, bench_arguments  # benchmarks/query.py: the 100,000-article generator
from sqlalchemy import select
from starlette.testclient import TestClient

from crawler.web.app import create_app
from storage.db import open_archive, session_scope
from storage.models import Article

SEARCH_TARGET_MS = 150.0
ARTICLE_TARGET_MS = 50.0
QUARTER = {"since": "2024-07-01", "until": "2024-10-01"}


def server_ms(client: TestClient, path: str) -> tuple[float, float]:
    """(server time the app reports, CPU time this process spent on the request in all its threads), in ms.

    The CPU time is a busy machine's better guide: other jobs stretch the wall clock, not the work done.
    """
    cpu = time.process_time()
    response = client.get(path)
    cpu = (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:200]}")
    timing = response.headers["server-timing"]  # app;dur=12.3
    return float(timing.split("dur=", 1)[1]), cpu


def query_ms(app, params: dict[str, str], runs: int) -> float:  # type: ignore[no-untyped-def]
    """The bare search the CLI runs for these parameters (first page of 20), median ms."""
    from crawler.web.params import parse
    from storage.query import search_page

    filters = parse(params).filters
    times = []
    for _ in range(runs):
        with app.state.archive.session() as session:
            started = time.perf_counter()
            search_page(session, filters, limit=20)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def median_ms(client: TestClient, paths: list[str], runs: int) -> tuple[float, float, float]:
    """Median and worst server time, and median CPU time, over `runs` requests."""
    client.get(paths[0])  # warm the page cache and the template
    samples = [server_ms(client, paths[i % len(paths)]) for i in range(runs)]
    times = [t for t, _ in samples]
    return statistics.median(times), max(times), statistics.median(c for _, c in samples)


def main() -> int:
    args = bench_arguments(__doc__, runs=15)

    url, tmp = bench_archive(args.db, args.articles)
    sessions = open_archive(url)
    with session_scope(sessions) as session:
        ids = list(session.scalars(select(Article.id)))
    sessions.kw["bind"].dispose()

    app = create_app(url)
    rng = random.Random(14)
    searches = [
        ("平安 (2 chars, scan)", {"q": "平安", **QUARTER}),
        ("防汛抗旱 (4 chars, index)", {"q": "防汛抗旱", **QUARTER}),
        ("防汛抗旱, relevance", {"q": "防汛抗旱", "sort": "relevance", **QUARTER}),
        ("嘉善县 防汛抗旱, site", {"q": "嘉善县 防汛抗旱", "site": "nanhu", **QUARTER}),
        ("no words, date only", dict(QUARTER)),
        ("防汛抗旱, one row per story", {"q": "防汛抗旱", "collapse": "1", **QUARTER}),
        ("台风 (in no article)", {"q": "台风", **QUARTER}),
    ]
    print(f"\n{len(ids)} articles, SQLite, read-only app, server time (Server-Timing), median of {args.runs} runs\n")
    print(f"| {'page':<36} | median ms | max ms | CPU ms | CLI query ms | page/query | target |")
    print(f"|{'-' * 38}|-----------|--------|--------|--------------|------------|--------|")
    failures = 0
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for label, params in searches:
            median, worst, cpu = median_ms(client, ["/?" + urlencode(params)], args.runs)
            bare = query_ms(app, params, args.runs)
            ok = median < SEARCH_TARGET_MS
            failures += not ok
            print(f"| search: {label:<28} | {median:>9.1f} | {worst:>6.1f} | {cpu:>6.1f} | {bare:>12.1f} "
                  f"| {median / bare:>9.1f}x | {'ok' if ok else 'SLOW':<6} |")
        sample = [f"/articles/{i}" for i in rng.sample(ids, min(args.runs, len(ids)))]
        median, worst, cpu = median_ms(client, sample, args.runs)
        ok = median < ARTICLE_TARGET_MS
        failures += not ok
        print(f"| {'article page (random ids)':<36} | {median:>9.1f} | {worst:>6.1f} | {cpu:>6.1f} | {'':>12} "
              f"| {'':>10} | {'ok' if ok else 'SLOW':<6} |")
        for label, page in (("search, no filter (landing page)", "/"), ("sites page", "/sites")):
            median, worst, cpu = median_ms(client, [page], max(3, args.runs // 3))
            print(f"| {label:<36} | {median:>9.1f} | {worst:>6.1f} | {cpu:>6.1f} | {'':>12} | {'':>10} | {'-':<6} |")
    print(f"\ntargets: search with a date filter < {SEARCH_TARGET_MS:.0f} ms, article < {ARTICLE_TARGET_MS:.0f} ms")
    app.state.archive.dispose()
    if tmp is not None:
        tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
