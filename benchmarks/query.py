"""Search speed on a generated archive: `python benchmarks/query.py [--articles 100000] [--db PATH]`.

Generates N articles of Chinese news-like text from a vocabulary into a temporary SQLite archive (migrated
like a real one, so the FTS5 trigram index and its triggers are in place), then times the first page (20
results) of searches with a date filter — a 2-character word (served by a scan along the published index)
and a 4-character word (served by the trigram index) — as the median of several runs, and prints a table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from storage.db import archive_for_writing, session_scope
from storage.models import Article
from storage.query import Filters, search_page

PLACES = ["嘉禾市", "南湖区", "秀洲区", "海宁市", "平湖市", "桐乡市", "嘉善县", "海盐县", "王店镇", "新塍镇"]
SUBJECTS = ["市委", "市政府", "区委", "县政府", "镇党委", "市教育局", "市卫健委", "市公安局", "水利局", "农业农村局"]
VERBS = ["召开", "部署", "推进", "启动", "开展", "举办", "检查", "调研", "表彰", "发布"]
TOPICS = [
    "平安建设",
    "防汛抗旱",
    "乡村振兴",
    "垃圾分类",
    "营商环境",
    "疫情防控",
    "安全生产",
    "文明城市创建",
    "数字经济",
    "民生实事",
    "河长制",
    "社区治理",
    "招商引资",
    "教育改革",
    "医疗服务",
    "交通整治",
]
FILLER = [
    "会议强调",
    "要进一步提高认识",
    "切实增强责任感和紧迫感",
    "确保各项工作落到实处",
    "据了解",
    "今年以来",
    "全市上下",
    "群众满意度持续提升",
    "记者从有关部门获悉",
    "下一步",
    "将继续加大工作力度",
    "形成长效机制",
    "截至目前",
    "累计完成投资",
    "亿元",
    "同比增长",
    "个百分点",
    "志愿者",
    "走访",
    "居民",
    "企业",
    "项目",
    "现场",
    "工作人员介绍",
]
SOURCES = ["嘉禾日报", "嘉禾新闻网", "南湖晚报", "新华社", "浙江日报", None]
SITES = ["jiaxing", "nanhu", "xiuzhou", "haining", "pinghu"]
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_DAYS = 730


def sentence(rng: random.Random) -> str:
    parts = [rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(TOPICS), "工作"]
    parts += [rng.choice(FILLER) for _ in range(rng.randint(2, 5))]
    return "，".join(["".join(parts[:5]), *parts[5:]]) + "。"


def generate(n: int, seed: int = 6):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    for i in range(n):
        published = START + timedelta(seconds=rng.randint(0, SPAN_DAYS * 86400))
        title = rng.choice(PLACES) + rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(TOPICS) + "工作"
        body = "\n".join("".join(sentence(rng) for _ in range(rng.randint(2, 4))) for _ in range(rng.randint(2, 5)))
        url = f"http://news.example.cn/{published:%Y%m}/{i}.html"
        yield {
            "site": rng.choice(SITES),
            "url": url,
            "canonical_url": url,
            "title": title,
            "subtitle": "",
            "published": published,
            "source": rng.choice(SOURCES),
            "author": [rng.choice("张王李赵刘陈杨黄") + rng.choice("伟芳娜敏静丽强磊军洋")],
            "editor": [],
            "body": body,
            "column": rng.choice(["要闻", "社会", "县区", "民生"]),
            "images": [],
            "page_urls": [],
            "rules": {},
            "content_digest": f"{i:064x}",
            "extractor_version": "bench",
            "fetched_at": published + timedelta(hours=1),
        }


def build(url: str, n: int) -> float:
    sessions = archive_for_writing(url)
    started = time.perf_counter()
    batch: list[dict] = []
    with session_scope(sessions) as session:
        for row in generate(n):
            batch.append(row)
            if len(batch) == 5000:
                session.execute(insert(Article), batch)
                batch.clear()
        if batch:
            session.execute(insert(Article), batch)
    with sessions.kw["bind"].connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA optimize")
    return time.perf_counter() - started


def timed(sessions, filters: Filters, runs: int) -> tuple[float, float, int, bool]:  # type: ignore[no-untyped-def]
    times = []
    with session_scope(sessions) as session:
        for _ in range(runs):
            t0 = time.perf_counter()
            page = search_page(session, filters, limit=20)
            times.append((time.perf_counter() - t0) * 1000)
            session.expunge_all()
    return statistics.median(times), max(times), len(page.articles), page.uses_index


def bench_archive(db: str | None, articles: int) -> tuple[str, tempfile.TemporaryDirectory[str] | None]:
    """The URL of the benchmark archive, generated when new, and the temporary directory holding it (if any).

    A --db that already holds fewer articles than asked is refused (exit 2): generating more would change its ids.
    """
    tmp = None
    if db:
        path = Path(db)
    else:
        tmp = tempfile.TemporaryDirectory()
        path = Path(tmp.name) / "bench.db"
    url = f"sqlite:///{path}"
    sessions = archive_for_writing(url)
    with session_scope(sessions) as session:
        existing = session.scalar(select(func.count()).select_from(Article)) or 0
    sessions.kw["bind"].dispose()
    if existing < articles:
        if existing:
            print(f"{path} holds {existing} articles, fewer than {articles}: use a new --db", file=sys.stderr)
            raise SystemExit(2)
        seconds = build(url, articles)
        print(f"generated {articles} articles in {seconds:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    return url, tmp


def bench_arguments(description: str | None, runs: int) -> argparse.Namespace:
    """--articles, --runs and --db, the options of the benchmarks that use this archive."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--db", help="SQLite file to (re)use; default: a temporary file")
    return parser.parse_args()


def main() -> int:
    args = bench_arguments(__doc__, runs=9)

    url, tmp = bench_archive(args.db, args.articles)
    sessions = archive_for_writing(url)
    since, until = datetime(2024, 7, 1, tzinfo=UTC), datetime(2024, 10, 1, tzinfo=UTC)  # one quarter of two years
    cases = [
        ("平安", "published", (since, until)),
        ("防汛抗旱", "published", (since, until)),
        ("平安", "relevance", (since, until)),
        ("防汛抗旱", "relevance", (since, until)),
        ("平安", "published", (None, None)),
        ("防汛抗旱", "published", (None, None)),
        ("嘉善县 防汛抗旱", "published", (since, until)),
        ("防汛 -平安", "published", (since, until)),
        # worst cases: words in no article (the scan reads the whole date range; the index answers at once)
        ("台风", "published", (since, until)),
        ("台风预警", "published", (since, until)),
        ("王店镇河长制", "published", (since, until)),
    ]
    version = __import__("sqlite3").sqlite_version
    print(f"\n{args.articles} articles, SQLite {version}, first page of 20, median of {args.runs} runs\n")
    header = f"| {'query':<16} | chars | {'date filter':<24} | sort      | index | rows | median ms | max ms |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for query, sort, (lo, hi) in cases:
        filters = Filters(text=query, since=lo, until=hi, sort=sort)
        median, worst, rows, indexed = timed(sessions, filters, args.runs)
        window = f"{lo:%Y-%m-%d}..{hi:%Y-%m-%d}" if lo else "none"
        chars = max(len(w.lstrip("-")) for w in query.split())
        print(
            f"| {query:<16} | {chars:>5} | {window:<24} | {sort:<9} | {'yes' if indexed else 'scan':<5} "
            f"| {rows:>4} | {median:>9.1f} | {worst:>6.1f} |"
        )
    sessions.kw["bind"].dispose()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
