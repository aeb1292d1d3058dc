"""The archive keeps articles, links, tags and raw captures, in UTC, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from crawler.extract.types import Extracted, Link
from crawler.items import ArticleItem, CaptureData
from pipelines.normalize import NormalizePipeline
from storage.db import session_scope
from storage.db import shared_archive as open_archive
from storage.models import Capture
from storage.query import Filters, archived_urls, article_json, get_article, iter_articles, search
from storage.repository import add_article, store_item

CST = timezone(timedelta(hours=8))
FETCHED = datetime(2015, 7, 7, 2, 0, tzinfo=UTC)


def make_item(n: int = 1, *, title: str = "嘉禾市启动平安社区建设", body: str | None = None) -> ArticleItem:
    url = f"http://news.example.cn/html/2015/0706/{n}.html"
    extracted = Extracted(
        url=url,
        title=title,
        published=datetime(2015, 7, 6, 12, 18, 38, tzinfo=CST) + timedelta(days=n),
        source="嘉禾日报",
        author=["张三"],
        editor=["李四"],
        body=body or f"第{n}篇。平安社区建设今天全面启动，居民踊跃参与。\n图为志愿者在社区巡逻。",
        tags=["平安", "社区"],
        links=[Link(url="http://news.example.cn/tag/平安", text="平安", kind="tag")],
    )
    capture = CaptureData(
        url=url,
        final_url=url,
        status=200,
        headers={"Content-Type": "text/html"},
        body="<html>平安</html>".encode("gb18030"),
        fetched_at=FETCHED,
        declared_charset=None,
        encoding="gb18030",
    )
    item = ArticleItem(site="example", url=url, fetched_at=FETCHED, extracted=extracted, captures=[capture])
    return NormalizePipeline().process_item(item)


def test_article_round_trips_with_links_tags_and_raw_capture(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        article_id = add_article(session, make_item()).id
    with session_scope(sessions) as session:
        article = get_article(session, str(article_id))
        data = article_json(article)
        capture = session.query(Capture).one()
        assert capture.body == "<html>平安</html>".encode("gb18030")
        assert capture.encoding == "gb18030"
    assert data["title"] == "嘉禾市启动平安社区建设"
    assert data["published"] == "2015-07-07T12:18:38+08:00"
    assert data["fetched_at"] == "2015-07-07T02:00:00+00:00"
    assert data["tags"] == ["平安", "社区"]
    assert data["links"] == [{"url": "http://news.example.cn/tag/平安", "text": "平安", "kind": "tag"}]
    assert data["author"] == ["张三"]
    assert data["editor"] == ["李四"]


def test_published_time_is_stored_as_utc_and_read_back_aware(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        add_article(session, make_item())
    with session_scope(sessions) as session:
        (article,) = search(session, Filters())
    assert article.published == datetime(2015, 7, 7, 4, 18, 38, tzinfo=UTC)
    assert article.published.utcoffset() == timedelta(0)


def test_second_insert_of_same_canonical_url_is_refused_by_the_database(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        add_article(session, make_item())
    with pytest.raises(IntegrityError), session_scope(sessions) as session:
        add_article(session, make_item())
    with session_scope(sessions) as session:
        assert len(search(session, Filters())) == 1


def test_search_filters_by_words_site_and_date(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        for n in range(1, 6):
            add_article(session, make_item(n, title=f"第{n}条 {'防汛' if n % 2 else '农业'}新闻"))
    with session_scope(sessions) as session:
        flood = search(session, Filters(text="防汛"))
        assert [a.title for a in flood] == ["第5条 防汛新闻", "第3条 防汛新闻", "第1条 防汛新闻"]
        since = search(session, Filters(since=datetime(2015, 7, 10, tzinfo=CST)))
        assert {a.title for a in since} == {"第4条 农业新闻", "第5条 防汛新闻"}
        assert search(session, Filters(site="elsewhere")) == []
        assert len(search(session, Filters(tag="平安"))) == 5


def test_search_text_is_a_parameter_not_sql(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        add_article(session, make_item())
    with session_scope(sessions) as session:
        assert search(session, Filters(text="'; DROP TABLE articles; --")) == []
        assert search(session, Filters(text="%")) == []
        assert len(search(session, Filters())) == 1


def test_iter_articles_streams_every_article_once(archive_url):
    sessions = open_archive(archive_url)
    with session_scope(sessions) as session:
        for n in range(1, 8):
            add_article(session, make_item(n))
    with session_scope(sessions) as session:
        urls = [a.url for a in iter_articles(session, Filters(), batch=3)]
    assert len(urls) == 7
    assert len(set(urls)) == 7


def test_archived_urls_answers_from_the_archive(archive_url):
    sessions = open_archive(archive_url)
    item = make_item()
    with session_scope(sessions) as session:
        add_article(session, item)
    with session_scope(sessions) as session:
        found = archived_urls(session, [item.canonical_url, "http://news.example.cn/other.html"])
    assert found == {item.canonical_url}


def test_a_recrawled_tagged_article_whose_text_changed_keeps_its_tags_in_the_new_order(archive_url):
    """Tags kept across versions stay one row each (article_tags is unique per article and name): the new version
    re-orders, adds and drops tags without re-inserting a kept one."""
    sessions = open_archive(archive_url)
    first = make_item()
    with session_scope(sessions) as session:
        article_id = store_item(session, first).article_id
    again = make_item(body="第1篇。平安社区建设今天全面启动，居民踊跃参与。\n图为志愿者在社区巡逻。（更正）")
    again.extracted.tags = ["社区", "巡逻", "平安"]
    again.fetched_at = again.captures[0].fetched_at = FETCHED + timedelta(days=1)
    with session_scope(sessions) as session:
        result = store_item(session, again)
    assert result.outcome == "updated"
    assert "body" in result.changed
    assert "tags" in result.changed
    fewer = make_item(body="第1篇。平安社区建设今天全面启动。")
    fewer.extracted.tags = ["平安"]
    fewer.fetched_at = fewer.captures[0].fetched_at = FETCHED + timedelta(days=2)
    with session_scope(sessions) as session:
        assert store_item(session, fewer).outcome == "updated"
        assert store_item(session, make_item()).outcome == "updated"  # back to the first text and tags
    with session_scope(sessions) as session:
        article = get_article(session, str(article_id))
        assert article is not None
        assert article.version == 4
        assert [t.name for t in article.tags] == ["平安", "社区"]
        assert [(t.position, t.name) for t in article.tags] == [(0, "平安"), (1, "社区")]
        assert len(search(session, Filters(tag="巡逻"))) == 0
        assert len(search(session, Filters(tag="社区"))) == 1
