"""Article flags (migration 0006): a multi-page article stored without a later page is `partial`, a page that
did not decode cleanly is flagged by its `decoding`; both are stored by the crawl, kept, shown and exported."""

from __future__ import annotations

import json

import pytest

from crawler.cli import main
from crawler.demo import serve
from tests.test_crawl import crawl


@pytest.mark.slow
def test_a_crawl_flags_partial_and_badly_decoded_articles_and_show_and_export_say_so(tmp_path, capsys) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve("crawl", hostile=["mixed_encoding"]) as server:
        base = server.base_url
        del server.site.pages["/2015/0710/888_3.html"]  # page 3 of 3 now answers 404
        mixed = server.site.hostile["mixed_encoding"][0]
        crawl(base, db_url)
    assert main(["--db", db_url, "export"]) == 0
    rows = {r["url"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    multipage = rows[f"{base}/2015/0710/888.html"]
    assert multipage["partial"] is True
    assert multipage["page_urls"] == [f"{base}/2015/0710/888.html", f"{base}/2015/0710/888_2.html"]
    assert rows[mixed]["decoding"] == "lossy"  # its capture is kept, byte-exact, for a better decoder later
    assert rows[f"{base}/2015/0710/888.html"]["decoding"] == "clean"
    others = [r for u, r in rows.items() if u not in (mixed, f"{base}/2015/0710/888.html")]
    assert others
    assert not any(r["partial"] for r in others)
    assert {r["decoding"] for r in others} == {"clean"}

    assert main(["--db", db_url, "show", f"{base}/2015/0710/888.html"]) == 0
    shown = capsys.readouterr().out
    assert "partial: true" in shown
    assert "decoding:" not in shown
    assert main(["--db", db_url, "show", mixed]) == 0
    shown = capsys.readouterr().out
    assert "decoding: lossy" in shown
    assert "partial:" not in shown
    assert main(["--db", db_url, "runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["stats"]["articles_partial"] == 1

