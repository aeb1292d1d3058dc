"""Re-extraction runs the current extractors over stored captures, resolving relative dates against fetch time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from crawler.extract.types import Extracted
from crawler.offline import reextract as reextract_mod
from crawler.offline.reextract import reextract
from crawler.version import EXTRACTOR_VERSION
from storage.db import session_scope, shared_archive
from storage.models import Article, ArticleVersion
from storage.repository import save_item
from tests.test_archive_store import STORY, T0, item

PAGE = "<html><body><h1>新标题</h1><p>发布时间：昨天 10:20</p></body></html>".encode("gbk")


def fake_extractor(seen: list[datetime]):  # type: ignore[no-untyped-def]
    """Stands in for the improved extractor: resolves 昨天 against the fetched_at it is given."""

    def extract(html, url, fetched_at, profile=None):  # type: ignore[no-untyped-def]
        seen.append(fetched_at)
        day = (fetched_at.astimezone(UTC) + timedelta(hours=8)).date() - timedelta(days=1)
        published = datetime(day.year, day.month, day.day, 2, 20, tzinfo=UTC)  # 10:20 China time
        assert "新标题" in html  # the GBK capture was decoded
        return Extracted(url=url, title="新标题", body=STORY, published=published, source="青禾日报")

    return extract


def test_reextract_updates_changed_fields_as_a_version_and_uses_the_capture_fetch_time(archive_url, monkeypatch):
    sessions = shared_archive(archive_url)
    fetched = datetime(2015, 7, 6, 17, 30, tzinfo=UTC)  # 01:30 on 7 July, China time
    old = item("http://a.cn/1.html", fetched_at=fetched, raw=PAGE)
    old.extra["extractor_version"] = "0.0.1"
    stored = save_item(sessions, old)
    seen: list[datetime] = []
    monkeypatch.setattr(reextract_mod, "extract_article", fake_extractor(seen))

    report = reextract(sessions, site="qinghe")

    assert seen == [fetched]  # never the current time
    assert (report.articles, report.changed) == (1, 1)
    assert set(report.fields) == {"title", "published"}
    with session_scope(sessions) as session:
        article = session.get(Article, stored.article_id)
        assert article.title == "新标题"
        assert article.published == datetime(2015, 7, 6, 2, 20, tzinfo=UTC)
        assert article.extractor_version == EXTRACTOR_VERSION
        assert article.fetched_at == fetched
        v2 = session.scalars(select(ArticleVersion).where(ArticleVersion.version == 2)).one()
        assert v2.reason == "reextract"
        assert v2.changed == ["title", "published"]
        assert v2.extractor_version == EXTRACTOR_VERSION
        v1 = session.scalars(select(ArticleVersion).where(ArticleVersion.version == 1)).one()
        assert v1.extractor_version == "0.0.1"
        assert v2.capture_ids == v1.capture_ids


def test_reextract_with_unchanged_output_records_no_version(archive_url, monkeypatch):
    sessions = shared_archive(archive_url)
    save_item(sessions, item("http://a.cn/1.html", raw=PAGE, title="新标题", published=T0))
    monkeypatch.setattr(
        reextract_mod,
        "extract_article",
        lambda html, url, fetched_at, profile=None: Extracted(
            url=url, title="新标题", body=STORY, published=T0, source="青禾日报"
        ),
    )
    report = reextract(sessions)
    assert (report.articles, report.changed) == (1, 0)
    with session_scope(sessions) as session:
        assert len(session.scalars(select(ArticleVersion)).all()) == 1


def test_reextract_filters_by_site_and_fetch_time(archive_url, monkeypatch):
    sessions = shared_archive(archive_url)
    save_item(sessions, item("http://a.cn/1.html", raw=PAGE))
    save_item(sessions, item("http://b.cn/2.html", STORY + "\n另一篇", raw=PAGE, site="other"))
    save_item(sessions, item("http://a.cn/3.html", STORY + "\n更早", raw=PAGE, fetched_at=T0 - timedelta(days=30)))
    monkeypatch.setattr(reextract_mod, "extract_article", fake_extractor([]))
    assert reextract(sessions, site="qinghe", since=T0 - timedelta(days=1)).articles == 1
