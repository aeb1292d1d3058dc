"""Schema changes go through Alembic: an archive made by the first migration, with data, upgrades to the newest."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from crawler.cli import main as cli
from storage.db import MIGRATIONS_DIR, forget_archive, make_engine, session_scope, shared_archive
from storage.models import Article, ArticleUrl, ArticleVersion, Capture, Payload

BODY = "平安社区建设今天全面启动，居民踊跃参与。社区志愿者在街巷巡逻，提醒商户关好门窗，为老人送去防诈骗手册。"
GBK_PAGE = "<html><head><title>平安社区</title></head><body>嘉禾市启动平安社区建设</body></html>".encode("gbk")


def _config(conn) -> Config:  # type: ignore[no-untyped-def]
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def migrate(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
    engine.dispose()


def archive_at_first_migration(url: str) -> None:
    """What an archive written by the first release holds: two articles (http and https copies) and captures."""
    migrate(url, "0001")
    engine = make_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    articles, captures, tags = meta.tables["articles"], meta.tables["captures"], meta.tables["article_tags"]
    at = datetime(2015, 7, 7, 2, 0)  # naive UTC, as 0001 stored it on SQLite
    with engine.begin() as conn:
        for n, url_ in ((1, "http://news.example.cn/a/1.html"), (2, "https://news.example.cn/a/2.html")):
            conn.execute(
                articles.insert().values(
                    id=n, site="example", url=url_ + "?from=timeline", canonical_url=url_, title=f"第{n}篇",
                    subtitle="", published=at, source="嘉禾日报", author=["张三"], editor=[],
                    body=BODY + ("" if n == 1 else "\n来源：嘉禾日报"), column="", images=[], page_urls=[url_],
                    rules={}, content_digest=f"{n:064d}", extractor_version="0.0.9", fetched_at=at, created_at=at,
                    updated_at=at,
                )
            )
            conn.execute(tags.insert().values(article_id=n, position=0, name="平安"))
            import hashlib

            for _ in range(2):  # the same page fetched twice: one payload after the upgrade
                conn.execute(
                    captures.insert().values(
                        article_id=n, page_no=1, site="example", url=url_, final_url=url_, status=200,
                        headers={"Content-Type": "text/html"}, body=GBK_PAGE if n == 1 else GBK_PAGE + b" ",
                        digest=hashlib.sha256(GBK_PAGE if n == 1 else GBK_PAGE + b" ").hexdigest(),
                        declared_charset=None, encoding="gbk", fetched_at=at,
                    )
                )
    engine.dispose()


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    with engine.connect() as conn:
        rev = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return rev


def test_db_upgrade_brings_a_first_release_archive_with_data_up_to_date(archive_url, capsys):
    archive_at_first_migration(archive_url)
    assert current_revision(archive_url) == "0001"

    assert cli(["--db", archive_url, "db", "upgrade"]) == 0
    assert current_revision(archive_url) == head_revision()

    with session_scope(shared_archive(archive_url)) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Payload)) == 2
        captures = session.scalars(sa.select(Capture).order_by(Capture.id)).all()
        assert len(captures) == 4
        assert captures[0].body == GBK_PAGE  # byte-exact after moving into payloads
        keys = set(session.scalars(sa.select(ArticleUrl.url_key)))
        assert "//news.example.cn/a/1.html" in keys
        assert "//news.example.cn/a/2.html" in keys
        v1 = session.scalars(sa.select(ArticleVersion).where(ArticleVersion.article_id == 1)).one()
        assert v1.version == 1
        assert v1.reason == "migration"
        assert v1.fields["tags"] == ["平安"]
        assert v1.capture_ids == [captures[0].id, captures[1].id]
        a1, a2 = session.get(Article, 1), session.get(Article, 2)
        assert a1.version == 1
        assert a1.withdrawn_at is None
        # `db upgrade` also clusters the old articles: these two bodies are near-duplicates of one story
        assert a1.story_id is not None
        assert a1.story_id == a2.story_id
        assert [a1.is_original, a2.is_original].count(True) == 1


def test_every_migration_downgrades_cleanly_back_to_the_first(sqlite_url):
    archive_at_first_migration(sqlite_url)
    migrate(sqlite_url, "head")
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0002")
    engine.dispose()
    assert current_revision(sqlite_url) == "0002"
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        body = conn.execute(sa.text("SELECT body FROM captures ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    assert body == GBK_PAGE


def test_migrations_build_the_schema_the_models_describe(archive_url):
    """Migration 0005 (and every other) leaves the tables exactly as storage.models declares them."""
    from alembic.autogenerate import compare_metadata

    from storage.models import Base

    engine = shared_archive(archive_url).kw["bind"]
    search_index = ("articles_fts", "ix_articles_title_trgm", "ix_articles_body_trgm", "ix_articles_published_desc")

    def include(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
        return not (name or "").startswith(search_index)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include})
        diffs = compare_metadata(context, Base.metadata)
    # On SQLite 0003 added articles.story_id's foreign key in place, where it cannot be named (naming it would
    # rebuild `articles`): the one known difference, an unnamed key for the named one.
    unnamed_story_fk = {("remove_fk", None), ("add_fk", "fk_articles_story_id_stories")}
    if engine.dialect.name == "sqlite":
        diffs = [d for d in diffs if (d[0], getattr(d[1], "name", "")) not in unnamed_story_fk]
    assert diffs == []


def _page(title: str, when: str, source: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f'<div class="info">{when} 来源：{source}</div><div class="content">{paragraphs}</div></body></html>'
    ).encode()


def test_db_upgrade_splits_syndicated_copies_an_earlier_release_folded_into_one_article(archive_url, capsys):
    """Up to 0005/0006 a copy with the same body at another URL became an extra URL of the first article."""
    from alembic import command as alembic

    from crawler.items import CaptureData
    from crawler.offline.reextract import item_from_captures
    from storage.models import Story

    story = "\n".join([
        "7月6日，青禾市防汛指挥部启动三级应急响应，全市各级干部连夜奔赴一线，转移低洼地区群众一千二百余人。",
        "据气象部门预报，未来三天我市仍有大到暴雨，局部地区有特大暴雨，防汛形势十分严峻。",
        "市防汛办负责人表示，将密切关注雨情水情变化，加强巡堤查险，确保人民群众生命财产安全。",
    ])
    at = datetime(2015, 7, 7, 2, 0).astimezone()
    pages = {
        "http://news.qh.cn/a/1.html": _page("青禾市启动防汛三级应急响应", "2015-07-06 20:00", "青禾日报", story),
        "http://news.qh.cn/print/1.html": _page("青禾市启动防汛三级应急响应", "2015-07-06 20:00", "青禾日报", story),
        "http://news.qh.cn/zhuanzai/9.html": _page("青禾市启动防汛三级应急响应", "2015-07-07 09:30", "临江在线", story),
    }
    caps = [CaptureData(u, u, 200, {"Content-Type": "text/html; charset=utf-8"}, b, at, "utf-8", "utf-8")
            for u, b in pages.items()]
    sessions = shared_archive(archive_url)
    ids = []
    for cap in caps:
        it = item_from_captures("qinghe", [cap])
        it.captures = [cap]
        ids.append(save_item_(sessions, it))
    assert ids[0] == ids[1] != ids[2]  # today: the print view is an alias, the reprint its own article
    with session_scope(sessions) as session:  # as 0005 stored it: the reprint folded into the first article
        session.execute(sa.update(Capture).where(Capture.article_id == ids[2]).values(article_id=ids[0]))
        session.execute(sa.update(ArticleUrl).where(ArticleUrl.article_id == ids[2]).values(article_id=ids[0]))
        session.execute(sa.update(Article).values(story_id=None))
        session.execute(sa.delete(Story))
        session.execute(sa.delete(Article).where(Article.id == ids[2]))
    engine = make_engine(archive_url)
    with engine.begin() as conn:
        alembic.downgrade(_config(conn), "0005")
    engine.dispose()
    forget_archive(archive_url)

    assert cli(["--db", archive_url, "db", "upgrade"]) == 0
    assert "1 syndicated copies split out" in capsys.readouterr().out
    with session_scope(shared_archive(archive_url)) as session:
        rows = {a.url: a for a in session.scalars(sa.select(Article))}
        assert set(rows) == {"http://news.qh.cn/a/1.html", "http://news.qh.cn/zhuanzai/9.html"}
        original, copy = rows["http://news.qh.cn/a/1.html"], rows["http://news.qh.cn/zhuanzai/9.html"]
        assert (copy.source, copy.published.isoformat()) == ("临江在线", "2015-07-07T01:30:00+00:00")
        assert [c.final_url for c in copy.captures] == ["http://news.qh.cn/zhuanzai/9.html"]
        assert sorted(c.final_url for c in original.captures) == ["http://news.qh.cn/a/1.html",
                                                                   "http://news.qh.cn/print/1.html"]
        assert copy.publication_key
        assert original.publication_key
        assert copy.story_id == original.story_id == original.id
        assert (original.is_original, copy.is_original) == (True, False)
        key = "//news.qh.cn/zhuanzai/9.html"
        assert session.scalar(sa.select(ArticleUrl.article_id).where(ArticleUrl.url_key == key)) == copy.id


def save_item_(sessions, it) -> int:  # type: ignore[no-untyped-def]
    from storage.repository import save_item

    return save_item(sessions, it).article_id
