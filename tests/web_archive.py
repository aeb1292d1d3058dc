"""A small archive for the web view's tests: a syndicated story, an article with two versions, a withdrawn one,
and a hostile article whose every field carries markup (as archived pages may)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.extract.types import Contributor, Extracted, Image, Link
from crawler.items import ArticleItem, CaptureData
from pipelines.normalize import NormalizePipeline
from storage import repository
from storage.clusters import StoryIndex
from storage.db import archive_for_writing, session_scope

T0 = datetime(2015, 7, 7, 2, 0, tzinfo=UTC)
SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE_TITLE = f"防汛演练{SCRIPT}{IMG}"
HOSTILE_SOURCE = f"青禾日报{IMG}"
HOSTILE_CONTRIBUTOR = f"通讯{IMG}"
STORY = (
    "7月6日，青禾市防汛指挥部启动三级应急响应，全市各级干部连夜奔赴一线，转移低洼地区群众一千二百余人。\n"
    "据气象部门预报，未来三天我市仍有大到暴雨，局部地区有特大暴雨，防汛形势十分严峻。\n"
    "记者在临江区松岗镇看到，镇村干部正挨家挨户通知群众撤离，临时安置点已备好床铺、饮用水和食品。\n"
    "市防汛办负责人表示，将密切关注雨情水情变化，加强巡堤查险，确保人民群众生命财产安全。"
)
FARM = (
    "青禾市第三届农民丰收节在石门县开幕，来自各乡镇的农户带来了水稻、茶叶、柑橘等特色农产品。\n"
    "活动现场设置了农产品展销区、农耕文化体验区和电商直播区，吸引了大批市民前来选购。\n"
    "县农业农村局负责人介绍，今年全县粮食生产喜获丰收，农民人均可支配收入同比增长百分之八。"
)


def make_item(url: str, *, site: str, title: str, body: str, published: datetime, fetched_at: datetime | None = None,
              source: str | None = "青禾日报", author: list[str] | None = None, column: str = "要闻",
              tags: list[str] | None = None, links: list[Link] | None = None, images: list[Image] | None = None,
              raw: bytes | None = None, contributors: list[Contributor] | None = None) -> ArticleItem:
    fetched_at = fetched_at or published + timedelta(hours=2)
    raw = raw if raw is not None else f"<html><body><h1>{title}</h1><p>{body}</p></body></html>".encode()
    cap = CaptureData(url, url, 200, {"Content-Type": "text/html; charset=utf-8", "Server": "nginx"}, raw,
                      fetched_at, "utf-8", "utf-8")
    ex = Extracted(url=url, title=title, body=body, source=source, published=published, author=author or [],
                   editor=["周编辑"], column=column, tags=tags or [], links=links or [], images=images or [],
                   contributors=contributors or [])
    item = ArticleItem(site=site, url=url, fetched_at=fetched_at, extracted=ex, captures=[cap])
    return NormalizePipeline().process_item(item)


@dataclass
class Ids:
    original: int
    copy: int
    farm: int
    hostile: int
    hostile_capture: int
    story: int
    notice: int


def fill(url: str) -> Ids:
    """Store the test articles into the archive at url (migrating it) and return their ids."""
    sessions = archive_for_writing(url)
    stories = StoryIndex()
    with session_scope(sessions) as session:
        stories.load(session)
    original = make_item("http://news.qinghe.cn/a/1.html", site="qinghe", title="青禾市启动防汛三级应急响应",
                         body=STORY, published=T0, author=["李明"], tags=["防汛"],
                         contributors=[Contributor("郑雯", "correspondent"), Contributor("赵刚", "photographer")])
    copy = make_item("http://www.songgang.cn/n/7.html", site="songgang", title="我市启动防汛三级应急响应",
                     body=STORY.replace("一千二百余人", "一千三百余人"), published=T0 + timedelta(hours=5),
                     source="青禾日报", column="本地", author=["王芳"])
    farm = make_item("http://news.qinghe.cn/a/2.html", site="qinghe", title="农民丰收节开幕", body=FARM,
                     published=T0 - timedelta(days=40), source="石门县融媒体中心", column="三农", tags=["丰收"])
    hostile = make_item(
        "http://news.qinghe.cn/a/3.html", site="qinghe", title=HOSTILE_TITLE,
        body=f"演练开始。{SCRIPT}\n{IMG}现场有序。",
        published=T0 + timedelta(days=1), source=HOSTILE_SOURCE, author=[f"记者{IMG}"], column=f"专题{SCRIPT}",
        tags=[f"标签{IMG}"], links=[Link("javascript:alert(3)", f"相关{SCRIPT}", "related")],
        images=[Image("javascript:alert(4)", f"图{IMG}")], contributors=[Contributor(HOSTILE_CONTRIBUTOR, "other")],
        raw=f"<html><head><title>{HOSTILE_TITLE}</title></head><body>{SCRIPT}<h1>{HOSTILE_TITLE}</h1></body></html>".encode(),
    )
    ids = {}
    for name, item in (("original", original), ("copy", copy), ("farm", farm), ("hostile", hostile)):
        ids[name] = repository.save_item(sessions, item, stories).article_id
    # a notice re-crawled with a changed body (markup in the change too) and the same tag: two versions
    notice_url = "http://news.qinghe.cn/a/4.html"
    for fetched, tail in ((T0 + timedelta(days=2), "。"), (T0 + timedelta(days=3), f"，历时两小时{IMG}。")):
        ids["notice"] = repository.save_item(sessions, make_item(
            notice_url, site="qinghe", title="停水通知", body=f"因管网维修，明日八时起停水{tail}\n请居民提前储水。",
            published=T0 + timedelta(days=2), fetched_at=fetched, source=None, column="通知", tags=["停水"]),
            stories).article_id
    with session_scope(sessions) as session:
        repository.mark_withdrawn(session, farm.url, 404, T0 + timedelta(days=10))
        run = repository.start_run(session, "news", "qinghe")
        repository.finish_run(session, run.id, "finished", {
            "mode": "full", "pages_fetched": 12, "articles_new": 4,
            "dropped": {"short_body": 2, f"reason{SCRIPT}": 1}, "http_errors": {"404": 3},
        })
        from sqlalchemy import select

        from storage.models import Article, Capture

        story_id = session.scalar(select(Article.story_id).where(Article.id == ids["original"]))
        capture_id = session.scalar(select(Capture.id).where(Capture.article_id == ids["hostile"]).limit(1))
    return Ids(ids["original"], ids["copy"], ids["farm"], ids["hostile"], capture_id, story_id, ids["notice"])
