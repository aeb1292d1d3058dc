"""Fuzz the extractor: generated, mutated, truncated, nested and huge pages; count what goes wrong and what is slow.

    python3 benchmarks/fuzz_extract.py [--count 20000] [--seed 1] [--slow 1.0] [--worst 10]

Every input runs through ``extract_article`` with the production time budget. Reported:

* exceptions: ``extract_article`` raised (it must never);
* contained failures: fields whose finder raised (``rules[field] == "error"``) or ran out of time
  (``"timeout"``), split by well-formed inputs (the saved fixture pages and the generators that only nest,
  repeat or insert whole elements) and malformed ones;
* inputs over ``--slow`` seconds, by size bucket (the target is none below 300 KB), and the slowest inputs with
  the finder that took the time.

Not run in CI (tests/test_extract_fuzz.py runs a small fixed sample of the same generators).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import FAILED_RULES, RULE_FIELDS, extract_article  # noqa: E402
from crawler.extract.budget import Budget  # noqa: E402
from crawler.extract.encoding import decode_html  # noqa: E402

FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
PAGES_DIR = ROOT / "tests" / "fixtures" / "pages"
SIZE_BUCKETS = (10_000, 100_000, 300_000, 1_000_000, 3_000_000)
#: the target: no input below this size takes over a second
SMALL = 300_000

#: fragments the generators build pages from: the labels and shapes the finders look for
LABELS = ("下一篇：", "上一篇：", "来源：", "作者：", "记者 ", "责任编辑：", "通讯员 ", "发布时间：", "相关阅读",
          "当前位置：", "相关热词搜索：", "文/", "摄", "第1页 共5页", "下一页", "原标题：", "编者按：",
          "关注微信公众号")
TEXTS = ("2015-07-06 12:18:38", "下午 3:11", "07-06 12:18", "7月6日", "3分钟前", "昨天 10:20", "张三", "李四、王五",
         "某某日报", "今年以来，市园林部门新建了三座口袋公园，方便市民就近休闲。", "据介绍，", "。", "，", "1", "2",
         "Next", "»", "&nbsp;", "&#0;", "\x00", "\ufffd", "ａｂｃ", "<![CDATA[x]]>", "<!--", "-->")
OPEN_TAGS = ("<div>", "<div class='content'>", "<div class='title'>", "<div class='related'>", "<div class='tags'>",
             "<p>", "<span>", "<table><tr><td>", "<li>", "<h1>", "<h2>", "<a href='x_2.html'>", "<a href='/a/1.html'>",
             "<font color=red>", "<strong>", "<ul>", "<br>", "<div class='share'>", "<section>")
CLOSE = {"<div>": "</div>", "<p>": "</p>", "<span>": "</span>", "<table><tr><td>": "</td></tr></table>",
         "<li>": "</li>", "<h1>": "</h1>", "<h2>": "</h2>", "<font color=red>": "</font>", "<strong>": "</strong>",
         "<ul>": "</ul>", "<br>": "", "<section>": "</section>"}


def _close(tag: str) -> str:
    if tag.startswith("<div"):
        return "</div>"
    if tag.startswith("<a "):
        return "</a>"
    return CLOSE.get(tag, "")


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    data: str | bytes
    well_formed: bool
    url: str = "http://news.example.cn/2019/0101/123.html"


def load_fixtures() -> list[tuple[str, str]]:
    """(url, text) of every saved fixture page."""
    out = []
    for path in sorted(PAGES_DIR.glob("*/*/body.bin")):
        meta = json.loads((path.parent / "meta.json").read_text(encoding="utf-8"))
        headers = json.loads((path.parent / "headers.json").read_text(encoding="utf-8"))
        charset = None
        for key, value in headers.items():
            if key.lower() == "content-type" and "charset=" in value:
                charset = value.split("charset=")[-1].strip()
        out.append((meta["url"], decode_html(path.read_bytes(), charset)[0]))
    return out


def _soup(rng: random.Random, n: int) -> str:
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(OPEN_TAGS))
        elif r < 0.55:
            parts.append(rng.choice(("</div>", "</p>", "</a>", "</span>", "</td>", "</li>", "</h1>", "</table>")))
        elif r < 0.75:
            parts.append(rng.choice(LABELS))
        elif r < 0.95:
            parts.append(rng.choice(TEXTS))
        else:
            parts.append("".join(chr(rng.randrange(32, 0x9FFF)) for _ in range(rng.randrange(1, 30))))
    return "".join(parts)


def gen_soup(rng: random.Random, _fixtures: list[tuple[str, str]]) -> Case:
    return Case("soup", _soup(rng, rng.randrange(5, 400)), False)


def gen_truncated(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    url, text = rng.choice(fixtures)
    return Case("truncated", text[: rng.randrange(0, len(text) + 1)], False, url)


def gen_mutated(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    """A fixture with random slices deleted, duplicated, swapped or replaced by soup."""
    url, text = rng.choice(fixtures)
    chars = list(text)
    for _ in range(rng.randrange(1, 12)):
        if not chars:
            break
        a = rng.randrange(len(chars))
        b = min(len(chars), a + rng.randrange(1, 400))
        op = rng.random()
        if op < 0.3:
            del chars[a:b]
        elif op < 0.6:
            chars[a:a] = chars[a:b] * rng.randrange(1, 20)
        elif op < 0.8:
            chars[a:b] = list(_soup(rng, rng.randrange(1, 30)))
        else:
            c = rng.randrange(len(chars))
            chars[a:b], chars[c:c] = [], chars[a:b]
    return Case("mutated", "".join(chars), False, url)


def gen_fixture(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    url, text = rng.choice(fixtures)
    return Case("fixture", text, True, url)


def gen_nested(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    """Well-formed pages whose article sits under (or is made of) deeply nested, labelled elements."""
    depth = rng.choice((10, 100, 500, 1000, 2000))
    tag = rng.choice([t for t in OPEN_TAGS if t != "<br>"])
    label = rng.choice(LABELS)
    nested = (tag + label) * depth + "x" + _close(tag) * depth
    url, text = rng.choice(fixtures)
    where = text.find("</body>")
    page = text[:where] + nested + text[where:] if where > 0 else text + nested
    return Case(f"nested-{depth}", page, True, url)


def gen_repeated(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    """A well-formed element repeated many times: thousands of links, dates, bylines, pager numbers."""
    count = rng.choice((100, 1000, 5000, 20000))
    fragment = rng.choice((
        "<li><a href='/2015/0706/{i}.html'>某地新闻标题第{i}条</a> 2015-07-06 12:18</li>",
        "<p>来源：某某日报 作者：张三 责任编辑：李四 2015-07-06 12:18</p>",
        "<a href='123_{i}.html'>{i}</a> ",
        "<div class='related'><a href='/r/{i}.html'>相关文章标题{i}号</a></div>",
        "<span>下一篇：<a href='/n/{i}.html'>下一篇文章{i}</a></span>",
        "<p>今年以来，市园林部门新建了三座口袋公园，方便市民就近休闲。第{i}段。</p>",
        "<h2 class='title'>标题{i}</h2><div class='info'>2015-07-{d} 12:18</div>",
    ))
    body = "".join(fragment.format(i=i, d=i % 28 + 1) for i in range(count))
    page = f"<html><head><title>测试页面_示例网</title></head><body><h1>测试页面</h1>{body}</body></html>"
    return Case(f"repeated-{count}", page, True)


def gen_huge(rng: random.Random, _fixtures: list[tuple[str, str]]) -> Case:
    """Pages that are large in one dimension: a line, an attribute, a script, a table, JSON-LD nesting."""
    size = rng.choice((50_000, 200_000, 1_000_000, 3_000_000))
    kind = rng.choice(("line", "attr", "script", "table", "jsonld", "comment", "entities"))
    if kind == "line":
        inner = "<p>" + ("今年以来，市园林部门新建了三座口袋公园。" * (size // 20)) + "</p>"
    elif kind == "attr":
        inner = "<div class='" + "x" * size + "'>正文内容，有标点。</div>"
    elif kind == "script":
        inner = "<script>" + "var a=1;" * (size // 8) + "</script><p>正文内容，有标点。</p>"
    elif kind == "table":
        inner = "<table>" + "<tr><td>2015-07-06</td><td>某某</td></tr>" * (size // 40) + "</table>"
    elif kind == "jsonld":
        depth = size // 50
        inner = "<script type='application/ld+json'>" + "[" * depth + "]" * depth + "</script><p>正文。</p>"
    elif kind == "comment":
        inner = "<!--" + "x" * size + "--><p>正文内容，有标点。</p>"
    else:
        inner = "<p>" + "&amp;&#x4e2d;&nbsp;" * (size // 16) + "</p>"
    page = f"<html><head><title>大页面测试</title></head><body><h1>大页面测试</h1>{inner}</body></html>"
    return Case(f"huge-{kind}", page, kind != "comment")


def gen_bytes(rng: random.Random, fixtures: list[tuple[str, str]]) -> Case:
    """Raw bytes: random, a fixture in another encoding, or UTF-8 and GBK mixed."""
    r = rng.random()
    if r < 0.4:
        return Case("bytes-random", bytes(rng.randrange(256) for _ in range(rng.randrange(0, 5000))), False)
    url, text = rng.choice(fixtures)
    if r < 0.7:
        return Case("bytes-gbk", text.encode("gb18030", "replace"), True, url)
    cut = rng.randrange(len(text) + 1)
    return Case("bytes-mixed", text[:cut].encode("utf-8") + text[cut:].encode("gb18030", "replace"), False, url)


GENERATORS: tuple[tuple[Callable[[random.Random, list[tuple[str, str]]], Case], float], ...] = (
    (gen_soup, 0.25),
    (gen_truncated, 0.15),
    (gen_mutated, 0.25),
    (gen_fixture, 0.05),
    (gen_nested, 0.1),
    (gen_repeated, 0.05),
    (gen_huge, 0.03),
    (gen_bytes, 0.12),
)


def cases(count: int, seed: int, only: set[str] | None = None) -> Iterator[Case]:
    rng = random.Random(seed)
    fixtures = load_fixtures()
    chosen = [(g, w) for g, w in GENERATORS if not only or g.__name__.removeprefix("gen_") in only]
    gens, weights = zip(*chosen, strict=True)
    for _ in range(count):
        yield rng.choices(gens, weights)[0](rng, fixtures)


@dataclass(slots=True)
class Outcome:
    case: Case
    seconds: float
    size: int
    raised: str = ""
    failed: tuple[str, ...] = ()
    slowest: str = ""


def run_case(case: Case, slack: float = 1.0) -> Outcome:
    """Extract one input with the production budget (times ``slack``: tests on a loaded machine pass more)."""
    size = len(case.data.encode("utf-8", "replace")) if isinstance(case.data, str) else len(case.data)
    budget = Budget.for_size(len(case.data))
    budget = Budget(page_s=budget.page_s * slack, field_s=budget.field_s * slack)
    start = time.perf_counter()
    try:
        got = extract_article(case.data, case.url, FETCHED, budget=budget)
    except Exception as exc:  # the one thing that must never happen
        return Outcome(case, time.perf_counter() - start, size, raised=f"{type(exc).__name__}: {exc}"[:200])
    seconds = time.perf_counter() - start
    failed = tuple(f"{k}={v}" for k, v in got.rules.items() if v in FAILED_RULES)
    slowest = max(budget.timings.items(), key=lambda kv: kv[1], default=("", 0.0))
    return Outcome(case, seconds, size, failed=failed, slowest=f"{slowest[0]} {slowest[1]:.2f}s")


def _bucket(size: int) -> str:
    for limit in SIZE_BUCKETS:
        if size < limit:
            return f"< {limit // 1000} KB"
    return f">= {SIZE_BUCKETS[-1] // 1000} KB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--slow", type=float, default=1.0, help="seconds above which an input counts as slow")
    ap.add_argument("--worst", type=int, default=10, help="slowest inputs to list")
    ap.add_argument("--only", default="", help="comma-separated generators (soup,truncated,mutated,fixture,nested,"
                                               "repeated,huge,bytes); default all")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)  # contained failures log a warning each; the counts say it all
    try:
        return _run(args)
    finally:
        logging.disable(logging.NOTSET)


def _run(args: argparse.Namespace) -> int:
    kinds: Counter[str] = Counter()
    raised: list[Outcome] = []
    failed_ok: Counter[str] = Counter()
    failed_bad: Counter[str] = Counter()
    slow: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    worst: list[Outcome] = []
    slow_small: list[Outcome] = []
    lost_by_size: Counter[str] = Counter()
    total_s = 0.0
    for case in cases(args.count, args.seed, set(filter(None, args.only.split(","))) or None):
        got = run_case(case)
        kinds[case.kind.split("-")[0]] += 1
        sizes[_bucket(got.size)] += 1
        total_s += got.seconds
        if got.raised:
            raised.append(got)
        for failure in got.failed:
            (failed_ok if case.well_formed else failed_bad)[failure] += 1
        if got.failed and case.well_formed:
            lost_by_size[_bucket(got.size)] += 1
        if got.seconds > args.slow:
            slow[_bucket(got.size)] += 1
            if got.size < SMALL:
                slow_small.append(got)
        worst = sorted([*worst, got], key=lambda o: -o.seconds)[: args.worst]

    print(f"inputs {args.count} (seed {args.seed}), {total_s:.1f} s in extract_article")
    print("by generator: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print("by size:      " + ", ".join(f"{k} {n}" for k, n in sorted(sizes.items())))
    print(f"exceptions                         {len(raised)}")
    for o in raised[:10]:
        print(f"  {o.case.kind}: {o.raised}")
    print(f"contained failures, well-formed    {sum(failed_ok.values())}  {dict(failed_ok)}")
    print(f"contained failures, malformed      {sum(failed_bad.values())}  {dict(failed_bad)}")
    print(f"well-formed inputs with a lost field, by size  {dict(lost_by_size) or 0}")
    print(f"inputs over {args.slow:g} s by size           {dict(slow) or 0}")
    print(f"inputs over {args.slow:g} s below 300 KB      {len(slow_small)}")
    print(f"fields checked per input           {len(RULE_FIELDS)}")
    for o in slow_small[:10]:
        print(f"  below 300 KB: {o.seconds:6.3f} s  {o.size / 1000:8.1f} KB  {o.case.kind}  slowest: {o.slowest}")
    print("slowest:")
    for o in worst:
        print(f"  {o.seconds:6.3f} s  {o.size / 1000:8.1f} KB  {o.case.kind:<16} slowest finder: {o.slowest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
