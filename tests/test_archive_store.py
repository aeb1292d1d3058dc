"""The archive keeps every capture (payloads once), folds the URL forms of one publication, keeps every syndicated
copy as its own article linked by its story, versions changed re-crawls, marks withdrawn pages, and resolves racing
inserts through its constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crawler.extract.types import Extracted
from crawler.items import ArticleItem, CaptureData, WithdrawnItem
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline
from storage import repository
from storage.clusters import rebuild_stories
from storage.db import session_scope, shared_archive
from storage.models import Article, ArticleUrl, ArticleVersion, Capture, Payload, Story, StoryRebuild
from storage.query import article_json
from storage.repository import save_item, store_item
from tests.test_pipelines import FakeCrawler

T0 = datetime(2015, 7, 7, 2, 0, tzinfo=UTC)
STORY = (
    "7月6日，青禾市防汛指挥部启动三级应急响应，全市各级干部连夜奔赴一线，转移低洼地区群众一千二百余人。\n"
    "据气象部门预报，未来三天我市仍有大到暴雨，局部地区有特大暴雨，防汛形势十分严峻。\n"
    "记者在临江区松岗镇看到，镇村干部正挨家挨户通知群众撤离，临时安置点已备好床铺、饮用水和食品。\n"
    "市防汛办负责人表示，将密切关注雨情水情变化，加强巡堤查险，确保人民群众生命财产安全。"
)
OTHER = (
    "青禾市第三届农民丰收节在石门县开幕，来自各乡镇的农户带来了水稻、茶叶、柑橘等特色农产品。\n"
    "活动现场设置了农产品展销区、农耕文化体验区和电商直播区，吸引了大批市民前来选购。\n"
    "县农业农村局负责人介绍，今年全县粮食生产喜获丰收，农民人均可支配收入同比增长百分之八。"
)


def item(
    url: str,
    body: str = STORY,
    *,
    title: str = "青禾市启动防汛三级应急响应",
    fetched_at: datetime = T0,
    published: datetime | None = None,
    source: str | None = "青禾日报",
    raw: bytes | None = None,
    site: str = "qinghe",
) -> ArticleItem:
    raw = raw if raw is not None else f"<html><body><h1>{title}</h1><p>{body}</p></body></html>".encode("gbk")
    cap = CaptureData(url, url, 200, {"Content-Type": "text/html; charset=gbk"}, raw, fetched_at, "gbk", "gbk")
    ex = Extracted(url=url, title=title, body=body, source=source, published=published or T0 - timedelta(hours=3))
    it = ArticleItem(site=site, url=url, fetched_at=fetched_at, extracted=ex, captures=[cap])
    return NormalizePipeline().process_item(it)


def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_capture_keeps_request_final_url_status_headers_charset_and_exact_bytes(archive_url):
    sessions = shared_archive(archive_url)
    it = item("http://news.qh.cn/a/1.html")
    it.captures[0].url = "http://news.qh.cn/a/1"
    with session_scope(sessions) as session:
        store_item(session, it)
    with session_scope(sessions) as session:
        cap = session.scalars(select(Capture)).one()
        assert (cap.url, cap.final_url, cap.status) == ("http://news.qh.cn/a/1", "http://news.qh.cn/a/1.html", 200)
        assert cap.headers == {"Content-Type": "text/html; charset=gbk"}
        assert cap.body == it.captures[0].body  # GBK bytes, byte-exact
        assert (cap.declared_charset, cap.encoding) == ("gbk", "gbk")
        assert cap.fetched_at == T0
        assert len(cap.digest) == 64
        assert session.get(Payload, cap.digest).compression in ("zlib", "none")


def test_identical_payloads_are_stored_once(archive_url):
    sessions = shared_archive(archive_url)
    page = ("<html>" + "平安社区" * 500 + "</html>").encode("gbk")
    with session_scope(sessions) as session:
        store_item(session, item("http://news.qh.cn/a/1.html", raw=page))
        store_item(session, item("http://news.qh.cn/a/2.html", OTHER, title="丰收节开幕", raw=page))
    with session_scope(sessions) as session:
        assert count(session, Capture) == 2
        assert count(session, Payload) == 1
        payload = session.scalars(select(Payload)).one()
        assert payload.size == len(page)
        assert len(payload.data) < len(page) / 10  # compressed


def test_same_article_at_http_https_tracking_and_index_urls_is_one_article(archive_url):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as session:
        first = store_item(session, item("http://news.qh.cn/a/1/index.html?spm=a1"))
        again = store_item(session, item("https://news.qh.cn:443/a/1/?utm_source=wx&from=timeline"))
    assert first.outcome == "new"
    assert again.outcome == "unchanged"
    assert again.article_id == first.article_id
    with session_scope(sessions) as session:
        assert count(session, Article) == 1


def test_database_refuses_a_second_article_under_one_url_key(archive_url):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as session:
        repository.add_article(session, item("http://news.qh.cn/a/1.html"))
    # https copy with another canonical_url string: only the scheme-less key clashes
    with pytest.raises(IntegrityError), session_scope(sessions) as session:
        repository.add_article(session, item("https://news.qh.cn/a/1.html", OTHER))


def rebuild(sessions) -> None:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        rebuild_stories(session)


def test_the_same_publication_at_another_url_form_is_an_alias_of_one_article(archive_url):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as session:
        first = store_item(session, item("http://news.qh.cn/a/1.html"))
        alias = store_item(session, item("http://news.qh.cn/print.php?id=1", STORY.replace("\n", "\n\n ")))
    assert alias.outcome == "same_content"
    assert alias.article_id == first.article_id
    with session_scope(sessions) as session:
        assert count(session, Article) == 1
        urls = session.scalars(select(ArticleUrl.url).order_by(ArticleUrl.id)).all()
        assert "http://news.qh.cn/print.php?id=1" in urls
        assert count(session, Capture) == 2
        # the alias URL is archived: the spider's look-up, dedupe and show all find the one article by it
        found = repository.find_article(session, ["https://news.qh.cn/print.php?id=1&from=timeline"])
        assert found.id == first.article_id


def test_an_alias_stored_first_leaves_the_row_to_the_canonical_page_when_that_arrives(archive_url):
    sessions = shared_archive(archive_url)
    printed = item("http://news.qh.cn/print.php?id=1")
    printed.canonical_url = "http://news.qh.cn/a/1.html"  # the print view's rel=canonical
    first = save_item(sessions, printed)
    again = save_item(sessions, item("http://news.qh.cn/a/1.html?from=timeline"))
    assert (again.outcome, again.article_id) == ("unchanged", first.article_id)  # its URL was known: canonical
    with session_scope(sessions) as session:
        article = session.get(Article, first.article_id)
        assert (article.url, article.canonical_url) == ("http://news.qh.cn/a/1.html", "http://news.qh.cn/a/1.html")


def test_a_syndicated_copy_with_the_same_body_is_its_own_article_with_its_own_source_and_time(archive_url):
    sessions = shared_archive(archive_url)
    later = T0 + timedelta(hours=20)
    rows = [
        save_item(sessions, item("http://news.qh.cn/a/1.html", published=T0 - timedelta(hours=3))),
        # another column of the same site, its own time and 来源: another publication
        save_item(sessions, item("http://news.qh.cn/b/7.html", published=later, source="转载自青禾新闻网")),
        # another site, the very same title and time: still another publication
        save_item(sessions, item("http://www.qh.gov.cn/xw/9.shtml", site="gov", published=T0 - timedelta(hours=3))),
    ]
    assert [r.outcome for r in rows] == ["new", "new", "new"]
    rebuild(sessions)
    with session_scope(sessions) as session:
        a, b, c = (session.get(Article, r.article_id) for r in rows)
        assert (b.source, b.published, b.url) == ("转载自青禾新闻网", later, "http://news.qh.cn/b/7.html")
        assert a.story_id == b.story_id == c.story_id == a.id  # a story keeps its original's id
        assert (a.is_original, b.is_original, c.is_original) == (True, False, False)


def test_the_database_refuses_a_second_row_of_one_publication(archive_url):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as session:
        repository.add_article(session, item("http://news.qh.cn/a/1.html"))
    with pytest.raises(IntegrityError), session_scope(sessions) as session:
        repository.add_article(session, item("http://news.qh.cn/print.php?id=1"))


def stale_first(monkeypatch, name: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Make repository.<name> answer "nothing" once (a look-up that predates the winner's commit), then for real;
    returns the list of calls made."""
    real = getattr(repository, name)
    calls: list[int] = []

    def stale_then_real(session, arg):  # type: ignore[no-untyped-def]
        calls.append(1)
        return None if len(calls) == 1 else real(session, arg)

    monkeypatch.setattr(repository, name, stale_then_real)
    return calls


def test_two_writers_storing_two_url_forms_of_one_publication_end_with_one_row(archive_url, monkeypatch):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as winner:
        winner_id = repository.add_article(winner, item("http://news.qh.cn/a/1.html")).id
    stale_first(monkeypatch, "find_publication")
    result = save_item(sessions, item("http://news.qh.cn/print.php?id=1"))
    assert (result.outcome, result.article_id) == ("same_content", winner_id)
    with session_scope(sessions) as session:
        assert count(session, Article) == 1


def test_syndicated_copies_form_one_story_with_the_earliest_marked_original(archive_url):
    sessions = shared_archive(archive_url)
    copy_body = "\n".join(STORY.split("\n")[:3]).replace("记者", "本报记者") + "\n来源：新华社\n责任编辑：王五"
    orig_body = STORY + "\n来源：新华社"
    later = T0 - timedelta(hours=1)
    results = [
        save_item(sessions, item("http://a.cn/1.html", copy_body, published=later, source="新华社")),
        save_item(sessions, item("http://b.cn/2.html", orig_body, published=T0 - timedelta(hours=5))),
        save_item(sessions, item("http://c.cn/3.html", OTHER, title="丰收节开幕")),
        save_item(sessions, item("http://d.cn/4.html", copy_body + "\n欢迎提供线索。", source="新华社")),
    ]
    assert [r.outcome for r in results] == ["new", "new", "new", "new"]
    rebuild(sessions)
    with session_scope(sessions) as session:
        a, b, c, d = (session.get(Article, r.article_id) for r in results)
        assert a.story_id == b.story_id == d.story_id != c.story_id
        assert (a.is_original, b.is_original, c.is_original, d.is_original) == (False, True, True, False)
        story = session.get(Story, a.story_id)
        assert story.original_article_id == b.id
        assert story.source == "新华社"  # declared by most copies
        data = article_json(a)
        assert data["story_id"] == a.story_id
        assert data["is_original"] is False


def test_a_run_that_stores_nothing_still_rebuilds_stories_a_killed_run_left_undecided(archive_url):
    """Used to: a worker killed after storing never rebuilt stories, and the re-run, finding nothing new, skipped it."""
    sessions = shared_archive(archive_url)
    copy_body = "\n".join(STORY.split("\n")[:3]) + "\n来源：新华社"
    first = save_item(sessions, item("http://a.cn/1.html", STORY, published=T0 - timedelta(hours=5)))
    copy = save_item(sessions, item("http://b.cn/2.html", copy_body, source="新华社"))  # then the worker is killed
    with session_scope(sessions) as session:
        assert session.get(Article, first.article_id).story_id != session.get(Article, copy.article_id).story_id

    for _rerun in range(2):  # re-runs that find nothing new
        store = StorePipeline(FakeCrawler(archive_url))
        store.close_spider()
    with session_scope(sessions) as session:
        assert session.get(Article, first.article_id).story_id == session.get(Article, copy.article_id).story_id
        assert count(session, StoryRebuild) == 1, "the second re-run found the stories current"


def _stories_by_url(sessions) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        rows = session.execute(select(Article.story_id, Article.url)).all()
    groups: dict[int, set[str]] = {}
    for story_id, url in rows:
        groups.setdefault(story_id, set()).add(url)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (2, 0, 3, 1)])
def test_stories_are_the_same_whatever_order_the_copies_were_stored_in(sqlite_url, order):
    sessions = shared_archive(sqlite_url)
    items = [
        item("http://a.cn/1.html", STORY + "\n来源：临江在线", published=T0),
        item("http://b.cn/2.html", "\n".join(STORY.split("\n")[:3]), published=T0 + timedelta(hours=2)),
        item("http://c.cn/3.html", OTHER, title="丰收节开幕"),
        item("http://d.cn/4.html", OTHER + "\n编者按：本文有删节。", title="丰收节开幕",
             published=T0 + timedelta(days=1)),
    ]
    for n in order:
        save_item(sessions, items[n])
    rebuild(sessions)
    assert _stories_by_url(sessions) == {
        frozenset({"http://a.cn/1.html", "http://b.cn/2.html"}), frozenset({"http://c.cn/3.html", "http://d.cn/4.html"})
    }
    rebuild(sessions)  # rebuilding again changes nothing
    assert len(_stories_by_url(sessions)) == 2


def test_changed_recrawl_makes_a_new_version_and_keeps_the_old_with_its_capture(archive_url):
    sessions = shared_archive(archive_url)
    first = save_item(sessions, item("http://a.cn/1.html"))
    later = T0 + timedelta(days=1)
    same = save_item(sessions, item("http://a.cn/1.html", fetched_at=later))
    edited = save_item(sessions, item("http://a.cn/1.html", STORY + "\n（更正：转移群众为一千三百余人）",
                                      title="青禾市启动防汛应急响应", fetched_at=later + timedelta(days=1)))
    assert same.outcome == "unchanged"
    assert edited.outcome == "updated"
    assert edited.changed == ["title", "body"]
    with session_scope(sessions) as session:
        article = session.get(Article, first.article_id)
        assert article.version == 2
        assert article.title == "青禾市启动防汛应急响应"
        v1, v2 = session.scalars(select(ArticleVersion).order_by(ArticleVersion.version)).all()
        assert v1.fields["title"] == "青禾市启动防汛三级应急响应"
        assert v2.changed == ["title", "body"]
        assert session.get(Capture, v1.capture_ids[0]).fetched_at == T0
        assert session.get(Capture, v2.capture_ids[0]).fetched_at == later + timedelta(days=1)
        assert count(session, Payload) == 2  # the unchanged re-fetch stored no new copy


def test_withdrawn_page_marks_the_article_and_keeps_its_last_good_version(archive_url):
    from pipelines.store import StorePipeline

    crawler = FakeCrawler(archive_url)
    store = StorePipeline(crawler)
    stored = store.process_item(item("http://a.cn/1.html"))
    gone_at = T0 + timedelta(days=3)
    store.process_item(WithdrawnItem(url="https://a.cn/1.html?from=groupmessage", status=404, fetched_at=gone_at))
    assert crawler.stats.get_value("articles/withdrawn") == 1
    with session_scope(shared_archive(archive_url)) as session:
        article = session.get(Article, stored.extra["article_id"])
        assert article.withdrawn_at == gone_at
        assert article.withdrawn_status == 404
        assert article.body == STORY
        assert article_json(article)["withdrawn_at"] == "2015-07-10T10:00:00+08:00"


def test_store_pipeline_counts_unchanged_and_updated_refetches(archive_url):
    from tests.test_pipelines import Chain

    Chain(FakeCrawler(archive_url))(item("http://a.cn/1.html"))
    run = Chain(FakeCrawler(archive_url))
    again = item("http://a.cn/1.html", fetched_at=T0 + timedelta(days=1))
    again.extra["refetch"] = True
    run(again)
    changed = item("http://a.cn/2.html", OTHER, title="丰收节开幕")
    run(changed)
    edited = item("http://a.cn/2.html", OTHER + "\n活动将持续三天。", title="丰收节开幕")
    edited.extra["refetch"] = True
    run.stages[2].seen.clear()  # a later run
    run(edited)
    stats = run.crawler.stats
    assert stats.get_value("articles/unchanged") == 1
    assert stats.get_value("articles/new") == 1
    assert stats.get_value("articles/updated") == 1


def test_racing_insert_of_the_same_article_is_refused_by_the_database_not_memory(archive_url):
    sessions = shared_archive(archive_url)
    loser = sessions()
    try:
        assert repository.find_article(loser, ["http://a.cn/1.html"]) is None  # both see "not archived"
        with session_scope(sessions) as winner:
            repository.add_article(winner, item("http://a.cn/1.html"))
        with pytest.raises(IntegrityError):
            repository.add_article(loser, item("http://a.cn/1.html"))
        loser.rollback()
    finally:
        loser.close()


def test_save_item_resolves_a_lost_race_against_the_winner(archive_url, monkeypatch):
    sessions = shared_archive(archive_url)
    with session_scope(sessions) as winner:
        winner_id = repository.add_article(winner, item("http://a.cn/1.html")).id
    calls = stale_first(monkeypatch, "find_article")
    result = save_item(sessions, item("http://a.cn/1.html", STORY + "\n补充。", fetched_at=T0 + timedelta(hours=1)))
    assert len(calls) == 2
    assert result.article_id == winner_id
    assert result.outcome == "updated"
    with session_scope(sessions) as session:
        assert count(session, Article) == 1


def test_search_collapse_and_show_list_the_copies_and_versions_of_a_story(archive_url, capsys):
    import json

    from crawler.cli import main as cli
    from storage.query import Filters, search

    sessions = shared_archive(archive_url)
    orig = save_item(sessions, item("http://a.cn/1.html", published=T0 - timedelta(hours=5)))
    copy = save_item(sessions, item("http://b.cn/2.html", STORY + "\n来源：临江在线"))
    other = save_item(sessions, item("http://c.cn/3.html", OTHER, title="丰收节开幕"))
    edited = STORY + "\n来源：临江在线\n（有删改）"
    save_item(sessions, item("http://b.cn/2.html", edited, fetched_at=T0 + timedelta(1)))
    rebuild(sessions)
    with session_scope(sessions) as session:
        assert len(search(session, Filters())) == 3
        collapsed = search(session, Filters(collapse=True))
        assert sorted(a.id for a in collapsed) == sorted([orig.article_id, other.article_id])
    assert cli(["--db", archive_url, "show", str(copy.article_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in shown["copies"]] == [orig.article_id]
    assert shown["copies"][0]["is_original"] is True
    assert [v["version"] for v in shown["versions"]] == [1, 2]
    assert shown["versions"][1]["changed"] == ["body"]
    assert [r["copied_from"] for r in shown["reprints"]] == [None, orig.article_id]
    assert shown["reprints"][1]["edits"]["added"] == ["来源：临江在线", "（有删改）"]
    assert shown["reprints"][1]["edits"]["delay_seconds"] == 2 * 3600
    assert cli(["--db", archive_url, "show", str(copy.article_id)]) == 0
    assert f"copies {orig.article_id}, 2.0 h later: added 2 paragraph(s)" in capsys.readouterr().out


def test_stories_command_lists_shows_exports_and_rebuilds(archive_url, capsys, tmp_path):
    import json

    from crawler.cli import main as cli

    sessions = shared_archive(archive_url)
    orig = save_item(sessions, item("http://a.cn/1.html", published=T0 - timedelta(hours=5)))
    copy = save_item(sessions, item("http://b.cn/2.html", STORY + "\n来源：临江在线", source="临江在线"))
    save_item(sessions, item("http://c.cn/3.html", OTHER, title="丰收节开幕"))
    assert cli(["--db", archive_url, "stories", "rebuild"]) == 0
    assert "2 stories of 3 articles (1 with copies)" in capsys.readouterr().err
    assert cli(["--db", archive_url, "stories", "list", "--json"]) == 0
    (listed,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (listed["story_id"], listed["size"], listed["original_id"]) == (orig.article_id, 2, orig.article_id)
    for ref in ("http://b.cn/2.html", f"story:{orig.article_id}", str(copy.article_id)):
        assert cli(["--db", archive_url, "stories", "show", ref, "--json"]) == 0
        graph = json.loads(capsys.readouterr().out)
        assert [(c["id"], c["copied_from"]) for c in graph["copies"]] == [
            (orig.article_id, None), (copy.article_id, orig.article_id)
        ]
        assert graph["copies"][1]["edits"]["fields"] == ["source"]
    out = tmp_path / "stories.jsonl"
    assert cli(["--db", archive_url, "stories", "export", "-o", str(out)]) == 0
    assert [json.loads(line)["size"] for line in out.read_text("utf-8").splitlines()] == [2]
    assert cli(["--db", archive_url, "stories", "show", "story:999"]) == 1


def test_json_columns_are_readable_utf8_for_people_who_open_the_database_directly(sqlite_url):
    import sqlite3

    it = item("http://a.cn/1.html")
    it.extracted.author = ["上官文"]
    save_item(shared_archive(sqlite_url), it)
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        (author,) = conn.execute("SELECT author FROM articles").fetchone()
    assert author == '["上官文"]'


def test_the_reprint_graph_links_each_copy_to_the_earlier_copy_it_copies_most_closely(sqlite_url):
    from storage.browse import story_record
    from storage.clusters import reprint_graph

    sessions = shared_archive(sqlite_url)
    note = "编辑补充：据统计，截至目前全市已累计转移安置群众一千五百余人，各安置点运转有序。"
    rows = [
        save_item(sessions, item("http://a.cn/1.html", STORY, published=T0)),
        save_item(sessions, item("http://b.cn/2.html", STORY + "\n" + note, published=T0 + timedelta(hours=3))),
        save_item(sessions, item("http://c.cn/3.html", STORY + "\n" + note + "\n（有删改）",
                                 published=T0 + timedelta(hours=6))),
    ]
    rebuild(sessions)
    a, b, c = (r.article_id for r in rows)
    with session_scope(sessions) as session:
        graph = {e["id"]: e for e in reprint_graph(session, a)}
        assert [graph[n]["copied_from"] for n in (a, b, c)] == [None, a, b]
        assert graph[b]["edits"]["added"] == [note]
        assert graph[c]["edits"]["delay_seconds"] == 3 * 3600
        assert story_record(session, a)["copied_from"] == {a: None, b: a, c: b}  # the web view's story page
