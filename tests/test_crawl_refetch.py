"""End to end: the refetch window. Archived articles published within NEWSARCHIVE_REFETCH_DAYS are fetched again
(conditionally, with their stored ETag/Last-Modified): a 304 or identical content stores nothing new, changed content
becomes a new version (the old one kept with its capture), a 404 marks the article withdrawn (its last good version
kept). The real `scrapy crawl news` runs in a subprocess against a generated site served on 127.0.0.1.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from crawler.demo import Page, serve
from storage.models import Article, ArticleVersion, Capture, Payload
from tests.test_crawl import crawl, runs

#: the site's articles date from 2015: a window this wide covers them all without faking the clock
EVERYTHING = "refetch_days=100000"
CORRECTION = "<p>更正：本文第二段中走访群众户数有误，现已更正，特此说明，并向读者致歉。</p>"


def _counts(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        out = {
            name: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in (
                ("articles", Article),
                ("captures", Capture),
                ("payloads", Payload),
                ("versions", ArticleVersion),
            )
        }
    engine.dispose()
    return out


def _article(db_url: str, url: str) -> dict:
    """The stored state of one article: row, versions (oldest first) and captures (by id)."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        article = conn.execute(select(Article).where(Article.url == url)).one()
        versions = conn.execute(
            select(ArticleVersion).where(ArticleVersion.article_id == article.id).order_by(ArticleVersion.version)
        ).all()
        captures = {c.id: c for c in conn.execute(select(Capture).where(Capture.article_id == article.id)).all()}
        payloads = {
            p.digest: p
            for p in conn.execute(
                select(Payload).where(Payload.digest.in_([c.digest for c in captures.values()]))
            ).all()
        }
    engine.dispose()
    return {"article": article, "versions": versions, "captures": captures, "payloads": payloads}


@pytest.mark.slow
def test_refetch_window_versions_changed_skips_unchanged_and_marks_withdrawn(tmp_path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    with serve("crawl") as server:
        site, base = server.site, server.base_url
        # Newest article of three columns: on each list's first page, so an incremental run sees them.
        changed, gone, etagged = (site.column_articles[key][0] for key in ("xxgk", "news", "node"))
        assert {changed, gone, etagged} <= site.articles
        path = {url: url[len(base) :] for url in (changed, gone, etagged)}
        site.pages[path[etagged]].headers["ETag"] = '"v1-etagged"'

        # Run 1: a full crawl (nothing archived yet, so nothing to refetch).
        crawl(base, db_url, EVERYTHING)
        assert runs(db_url)[-1].stats["articles_new"] == len(site.articles)
        assert runs(db_url)[-1].stats["articles_refetched"] == 0
        before = _counts(db_url)
        old = {url: _article(db_url, url) for url in (changed, gone, etagged)}
        assert old[etagged]["captures"][min(old[etagged]["captures"])].headers.get("Etag") == '"v1-etagged"'
        server.take_hits()

        # The server changes: one article corrected, one deleted (404), one still the same (304 to its ETag).
        page = site.pages[path[changed]]
        assert b'</p></div><div class="related">' in page.body
        page.body = page.body.replace(
            b'</p></div><div class="related">', f'</p>{CORRECTION}</div><div class="related">'.encode()
        )
        site.pages[path[gone]] = Page(status=404, body=b"<html><body><h1>404 Not Found</h1></body></html>")

        # Run 2: incremental, with every archived article inside the refetch window.
        crawl(base, db_url, EVERYTHING)
        hits = server.take_hits()
        after = _counts(db_url)

    run = runs(db_url)[-1]
    assert run.finish_reason == "finished"
    s = run.stats
    assert s["mode"] == "incremental"
    assert s["articles_new"] == 0
    assert s["articles_duplicate"] == 0, s["dropped"]  # no refetch dropped as already archived
    assert s["articles_refetched"] >= 3
    assert s["articles_updated"] == 1, s
    assert s["articles_withdrawn"] == 1
    # every refetch ends as exactly one of: unchanged (304 or identical content), updated, withdrawn
    assert s["articles_unchanged"] + s["articles_updated"] + s["articles_withdrawn"] == s["articles_refetched"]
    for url in (changed, gone, etagged):
        assert path[url] in hits, url
    # the ETag went out as If-None-Match and the server said 304
    assert server.not_modified == [path[etagged]]

    # Only the corrected article cost a stored copy: one capture, one payload, one version; nothing else.
    assert after["articles"] == before["articles"]
    assert after["captures"] == before["captures"] + 1
    assert after["payloads"] == before["payloads"] + 1
    assert after["versions"] == before["versions"] + 1

    # Corrected: version 2 from the new capture; version 1 kept with its own capture and payload.
    now = _article(db_url, changed)
    assert now["article"].version == 2
    assert "更正：本文第二段" in now["article"].body
    v1, v2 = now["versions"]
    assert v2.changed == ["body"]
    assert v2.reason == "recrawl"
    assert "更正" not in v1.fields["body"]
    assert v1.fields["body"] == old[changed]["article"].body
    assert v1.capture_ids == old[changed]["versions"][0].capture_ids
    (old_cap,) = v1.capture_ids
    (new_cap,) = v2.capture_ids
    assert old_cap != new_cap
    assert old_cap in now["captures"]
    assert new_cap in now["captures"]
    assert now["captures"][old_cap].fetched_at == old[changed]["captures"][old_cap].fetched_at
    assert now["captures"][new_cap].fetched_at > now["captures"][old_cap].fetched_at
    assert now["captures"][old_cap].digest != now["captures"][new_cap].digest
    assert now["captures"][old_cap].digest in now["payloads"]
    assert now["article"].withdrawn_at is None

    # 304: nothing new stored for it.
    same = _article(db_url, etagged)
    assert same["article"].version == 1
    assert len(same["versions"]) == 1
    assert set(same["captures"]) == set(old[etagged]["captures"])

    # 404: withdrawn, its last good version kept.
    withdrawn = _article(db_url, gone)
    assert withdrawn["article"].withdrawn_status == 404
    assert withdrawn["article"].withdrawn_at is not None
    assert withdrawn["article"].body == old[gone]["article"].body
    assert withdrawn["article"].title == old[gone]["article"].title
    assert withdrawn["article"].version == 1
    assert len(withdrawn["versions"]) == 1
    assert set(withdrawn["captures"]) == set(old[gone]["captures"])
