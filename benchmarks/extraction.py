"""Extraction benchmark: ours vs GNE vs trafilatura vs readability-lxml on the same pages in the same run.

    python3 benchmarks/extraction.py [--manifest M] [--out DIR] [--scorer PATH]
                                     [--only ours,gne,trafilatura,readability] [--repeat N]

Timing is made fair and stable against machine load:

* a warm-up pass runs every extractor over every page first (imports, regex and lxml caches are not page time);
* the timed rounds interleave the extractors per page (ours, gne, trafilatura on the same page one after the
  other, the order rotating from page to page), so load that comes and goes hits all of them alike;
* each page is timed ``--repeat`` times per extractor and its fastest run counts (the usual timeit rule: the
  other runs measured the machine, not the code); the table reports the median over pages of that.

trafilatura runs with its metadata and extensive date search on, as its docs recommend for dates
(``date_extraction_params``: extensive_search, original_date, a time-of-day output format, max_date = fetch
day), so its date_min is comparable. It needs ``lxml_html_clean`` next to lxml >= 5.2.

Writes one predictions JSONL per extractor into ``--out`` (id, title, published, author, editor, source,
body, ms), runs the scorer over them and prints its table, then a row of the share of pages whose body LCS F1 is
below 0.5 (a body that silently collapsed), the median ms/page of each extractor and the ratio
ours/trafilatura. Extractors that are not importable are skipped.

The cost of a kept library as our last body fallback is measured too: ``ours+readability`` and
``ours+trafilatura`` are ours with the library's body on the pages where our cascade had to fall back
(``rules["body"]`` is not a density rule, or the body is empty), and the library's time added on those pages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.extract import extract_article  # noqa: E402
from crawler.extract.encoding import decode_html  # noqa: E402
from crawler.extract.manifest import _fetched_at  # noqa: E402

DEFAULT_MANIFEST = Path("/work/shared/eval/dev/manifest.jsonl")
#: body rules of the first strategy; any other means the cascade fell back
DENSITY_RULES = frozenset({"density", "known+density", "profile"})
#: column names of ours with a library as the last body fallback (the scorer's columns are 13 wide)
FALLBACK_NAMES = {"readability": "rdb", "trafilatura": "traf"}
#: a body F1 below this is a body that collapsed (the wrong block, or nothing)
COLLAPSED_F1 = 0.5

Predictor = Callable[[str, str, datetime], dict]


def _ours(text: str, url: str, fetched_at: datetime) -> dict:
    result = extract_article(text, url, fetched_at)
    return {
        "title": result.title,
        "published": result.published.isoformat() if result.published else None,
        "author": result.author,
        "editor": result.editor,
        "source": result.source,
        "body": result.body,
        "_body_rule": result.rules.get("body", ""),
    }


def _readability() -> Predictor | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from readability import Document
    except Exception:  # optional comparison
        return None
    from crawler.extract.dom import iter_lines, parse_html

    def run(text: str, url: str, fetched_at: datetime) -> dict:
        try:
            doc = Document(text, url=url or None)
            summary = doc.summary(html_partial=True)
            title = doc.short_title()
        except Exception:
            return {}
        # its HTML summary as lines, the way our own body is serialised
        lines = [line.text for line in iter_lines(parse_html(summary))] if summary.strip() else []
        return {"title": title, "body": "\n".join(lines)}

    return run


def _gne() -> Predictor | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from gne import GeneralNewsExtractor
    except Exception:  # optional comparison
        return None
    extractor = GeneralNewsExtractor()

    def run(text: str, url: str, fetched_at: datetime) -> dict:
        try:
            res = extractor.extract(text, host=url or "", noise_node_list=None)
        except Exception:
            return {}
        return {
            "title": res.get("title"),
            "published": res.get("publish_time"),
            "author": res.get("author"),
            "body": res.get("content"),
        }

    return run


def _trafilatura() -> Predictor | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import trafilatura
    except Exception:
        return None

    def run(text: str, url: str, fetched_at: datetime) -> dict:
        params = {
            "extensive_search": True,
            "original_date": True,
            "outputformat": "%Y-%m-%d %H:%M:%S",
            "max_date": fetched_at.strftime("%Y-%m-%d"),
        }
        try:
            res = trafilatura.bare_extraction(
                text, url=url or None, with_metadata=True, date_extraction_params=params
            )
        except Exception:
            return {}
        if res is None:
            return {}
        if not isinstance(res, dict):
            res = res.as_dict() if hasattr(res, "as_dict") else vars(res)
        return {
            "title": res.get("title"),
            "published": res.get("date"),
            "author": res.get("author"),
            "source": res.get("sitename"),
            "body": res.get("text"),
        }

    return run


def load_pages(manifest: Path) -> list[tuple[str, str, str, datetime]]:
    pages = []
    with manifest.open(encoding="utf-8") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            row = json.loads(raw)
            path = manifest.parent / row["html_path"]
            text, _ = decode_html(path.read_bytes(), row.get("declared_charset"))
            pages.append((row["id"], text, row.get("url") or "", _fetched_at(path)))
    return pages


def _call(fn: Predictor, text: str, url: str, fetched_at: datetime) -> tuple[dict, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        pred = fn(text, url, fetched_at)
        ms = (time.perf_counter() - start) * 1000
    return pred, ms


def run_all(extractors: dict[str, Predictor], pages: list, repeat: int) -> dict[str, list[tuple[dict, float]]]:
    """Warm-up pass, then ``repeat`` interleaved timed rounds; per extractor and page: (prediction, fastest ms)."""
    names = list(extractors)
    for _pid, text, url, fetched_at in pages:  # warm-up
        for name in names:
            _call(extractors[name], text, url, fetched_at)
    best: dict[str, list[tuple[dict, float]]] = {name: [] for name in names}
    for i, (_pid, text, url, fetched_at) in enumerate(pages):
        order = names[i % len(names):] + names[: i % len(names)] if names else []
        got: dict[str, tuple[dict, float]] = {}
        for _round in range(max(1, repeat)):
            for name in order:
                pred, ms = _call(extractors[name], text, url, fetched_at)
                if name not in got or ms < got[name][1]:
                    got[name] = (pred, ms)
        for name in names:
            best[name].append(got[name])
    return best


def write_predictions(name: str, pages: list, results: list[tuple[dict, float]], out_dir: Path) -> None:
    path = out_dir / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for (pid, _text, _url, _fetched), (pred, ms) in zip(pages, results, strict=True):
            row = {"id": pid, "title": None, "published": None, "author": None, "editor": None, "source": None,
                   "body": None}
            row.update({k: v for k, v in pred.items() if k in row})
            row["ms"] = round(ms, 2)
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    # predictions hold text of the eval pages: keep them out of the project tree
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-bench")
    ap.add_argument("--scorer", type=Path, default=None, help="score.py (default: next to the manifest's folder)")
    ap.add_argument("--only", default="ours,gne,trafilatura,readability", help="comma-separated extractors to run")
    ap.add_argument("--repeat", type=int, default=3, help="timed interleaved rounds per page (fastest counts)")
    args = ap.parse_args(argv)
    scorer: Path = args.scorer or args.manifest.resolve().parent.parent / "score.py"

    pages = load_pages(args.manifest)
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only.split(","))
    extractors: dict[str, Predictor] = {}
    if "ours" in wanted:
        extractors["ours"] = _ours
    if "gne" in wanted and (gne := _gne()) is not None:
        extractors["gne"] = gne
    if "trafilatura" in wanted and (traf := _trafilatura()) is not None:
        extractors["trafilatura"] = traf
    if "readability" in wanted and (rdb := _readability()) is not None:
        extractors["readability"] = rdb

    results = run_all(extractors, pages, args.repeat)
    fallbacks = _fallback_columns(results)
    results.update(fallbacks)
    medians: dict[str, float] = {}
    for name, rows in results.items():
        write_predictions(name, pages, rows, args.out)
        medians[name] = statistics.median(ms for _pred, ms in rows) if rows else 0.0

    specs = [f"{name}={args.out / (name + '.jsonl')}" for name in results]
    if not scorer.exists():
        print(f"scorer not found: {scorer}", file=sys.stderr)
        return 1
    cmd = [sys.executable, str(scorer), "--manifest", str(args.manifest), *specs]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    print(proc.stdout, end="")
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
    print(_collapsed_row(scorer, args.manifest, {name: args.out / f"{name}.jsonl" for name in results}))
    print()
    print(f"timing: warm-up pass, then {max(1, args.repeat)} interleaved rounds per page, fastest run per page")
    for name, ms in medians.items():
        print(f"median ms/page {name:<18} {ms:8.2f}")
    if "ours" in medians and medians.get("trafilatura"):
        print(f"ratio ours/trafilatura            {medians['ours'] / medians['trafilatura']:8.2f}")
    if "ours" in results:
        fell = sum(1 for pred, _ms in results["ours"]
                   if pred.get("_body_rule") not in DENSITY_RULES or not pred["body"])
        print(f"pages where our body cascade fell back: {fell} of {len(pages)}")
    return 0


def _fallback_columns(results: dict[str, list[tuple[dict, float]]]) -> dict[str, list[tuple[dict, float]]]:
    """ours with a library's body (and its time added) on the pages where our cascade fell back."""
    out: dict[str, list[tuple[dict, float]]] = {}
    ours = results.get("ours")
    if ours is None:
        return out
    for lib in ("readability", "trafilatura"):
        if lib not in results:
            continue
        rows = []
        for (mine, ms), (theirs, their_ms) in zip(ours, results[lib], strict=True):
            if mine.get("_body_rule") in DENSITY_RULES and mine.get("body"):
                rows.append((mine, ms))
            else:
                rows.append(({**mine, "body": theirs.get("body") or mine.get("body")}, ms + their_ms))
        out[f"ours+{FALLBACK_NAMES[lib]}"] = rows
    return out


def _collapsed_row(scorer: Path, manifest: Path, preds: dict[str, Path]) -> str:
    """The scorer-style row: share of pages with a gold body whose body LCS F1 is below COLLAPSED_F1."""
    sys.path.insert(0, str(scorer.parent))
    import score  # the corpus's own scorer (standard library only): the same normalisation and LCS

    gold = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold = [g for g in gold if g.get("gold_body")]
    cells = []
    for path in preds.values():
        by_id = {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}
        collapsed = 0
        for g in gold:
            want = score.norm_body(g["gold_body"])
            have = score.norm_body((by_id.get(g["id"]) or {}).get("body") or "")
            f1 = score.prf(score.lcs_len(have, want), len(have), len(want))[2] if have and want else 0.0
            collapsed += f1 < COLLAPSED_F1
        cells.append(f"{collapsed / len(gold):>13.3f}")
    return f"{'body_f1<0.5':<12}{len(gold):>4}  " + "".join(cells)  # the scorer's own row layout


if __name__ == "__main__":
    sys.exit(main())
