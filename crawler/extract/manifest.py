"""Run the extractor over a corpus manifest (used by `newsarchive extract --manifest M --out P`).

Each manifest line has ``id``, ``html_path`` (relative to the manifest's directory) and ``url`` (may be
null). The raw bytes are decoded with :func:`decode_html` exactly as the crawler decodes a response.

``fetched_at`` is derived from nothing but the file: its modification time, read as UTC. Relative dates
(刚刚, 昨天 10:20) on a page therefore resolve against when the page was saved, and a re-run gives the
same output.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from crawler.extract import extract_article
from crawler.extract.encoding import decode_html

__all__ = ["predict_manifest"]


def _fetched_at(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    except (OSError, OverflowError, ValueError):
        return datetime(2100, 1, 1, tzinfo=UTC)


def predict_manifest(manifest_path: str | Path, out_path: str | Path) -> int:
    """Extract every page listed in the manifest; write one JSON line per page. Returns the page count."""
    manifest_path = Path(manifest_path)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with manifest_path.open(encoding="utf-8") as src, out_path.open("w", encoding="utf-8") as dst:
        for raw in src:
            if not raw.strip():
                continue
            row = json.loads(raw)
            html_path = manifest_path.parent / row["html_path"]
            data = html_path.read_bytes()
            url = row.get("url") or ""
            start = time.perf_counter()
            text, _ = decode_html(data, row.get("declared_charset"))
            result = extract_article(text, url, _fetched_at(html_path))
            ms = (time.perf_counter() - start) * 1000
            line = result.to_json()
            line["id"] = row["id"]
            line["ms"] = round(ms, 2)
            dst.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count
