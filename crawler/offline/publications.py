"""Carry an archive from before publication keys over (run by `newsarchive db upgrade` after migration 0007).

Earlier archives folded every page with the same body into the first-seen article as an extra URL, so a
syndicated copy's own 来源, time and column were lost. Its capture was kept, though: each capture at another URL
of an article is extracted again, and when it is another publication (another title or time: see
storage.repository.publication_key) it becomes an article of its own, with its URL and captures. Then every row
gets its publication key and the stories are rebuilt from the archive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from crawler.offline.reextract import item_from_captures, profile_for
from crawler.urls import url_key
from storage.clusters import rebuild_stories
from storage.db import session_scope
from storage.models import Article, ArticleUrl, ArticleVersion, Capture
from storage.repository import add_article, item_publication_key, publication_key


@dataclass
class CarryOverReport:
    #: syndicated copies split out of the article they had been folded into
    split: int = 0
    #: rows given their publication key; rows left without one (another row is the same publication)
    keyed: int = 0
    unkeyed: int = 0
    stories: int = 0


def _alias_groups(session: Session, article: Article) -> dict[str, list[Capture]]:
    """The article's single-page captures at URLs other than its own, by URL key (latest capture last)."""
    own = url_key(article.canonical_url)
    groups: dict[str, list[Capture]] = defaultdict(list)
    pages = session.scalars(
        select(Capture).where(Capture.article_id == article.id).order_by(Capture.fetched_at, Capture.id)
    ).all()
    if any(c.page_no > 1 for c in pages):
        return {}  # a multi-page article's captures are its pages, not copies
    for cap in pages:
        key = url_key(cap.final_url)
        if key != own and cap.status < 400:
            groups[key].append(cap)
    return groups


def split_copies(session: Session, article: Article) -> int:
    """Split the syndicated copies folded into this article back out; returns how many became articles."""
    own_key = publication_key(article.site, article.title, article.published, article.content_digest, article.body)
    split = 0
    for key, captures in _alias_groups(session, article).items():
        item = item_from_captures(article.site, [captures[-1]], profile_for(article.site))
        copy_key = item_publication_key(item)
        if copy_key in (own_key, None):
            continue  # the same publication at another URL form: an alias indeed
        session.execute(delete(ArticleUrl).where(ArticleUrl.article_id == article.id, ArticleUrl.url_key == key))
        session.flush()
        item.captures = []
        copy = session.scalar(select(Article).where(Article.publication_key == copy_key)) or add_article(session, item)
        copy.fetched_at = captures[-1].fetched_at
        ids = [c.id for c in captures]
        session.execute(update(Capture).where(Capture.id.in_(ids)).values(article_id=copy.id))
        session.execute(
            update(ArticleVersion)
            .where(ArticleVersion.article_id == copy.id, ArticleVersion.version == 1)
            .values(capture_ids=ids, reason="migration")
        )
        split += 1
    return split


def key_rows(session: Session) -> tuple[int, int]:
    """Give every unkeyed row its publication key; a row whose publication another row already is keeps none."""
    taken = set(session.scalars(select(Article.publication_key).where(Article.publication_key.is_not(None))))
    keyed = unkeyed = 0
    rows = session.execute(
        select(Article.id, Article.site, Article.title, Article.published, Article.content_digest, Article.body)
        .where(Article.publication_key.is_(None))
        .order_by(Article.id)
    ).all()
    for row in rows:
        key = publication_key(row.site, row.title, row.published, row.content_digest, row.body)
        if key is None or key in taken:
            unkeyed += key is not None
            continue
        taken.add(key)
        session.execute(update(Article).where(Article.id == row.id).values(publication_key=key))
        keyed += 1
    return keyed, unkeyed


def carry_over(factory: sessionmaker[Session]) -> CarryOverReport:
    """Split folded copies out (one transaction per article), key every row, rebuild the stories."""
    report = CarryOverReport()
    with session_scope(factory) as session:
        ids = list(session.scalars(select(Article.id).where(Article.publication_key.is_(None)).order_by(Article.id)))
    for article_id in ids:
        with session_scope(factory) as session:
            article = session.get(Article, article_id)
            if article is not None and article.publication_key is None:
                report.split += split_copies(session, article)
    with session_scope(factory) as session:
        report.keyed, report.unkeyed = key_rows(session)
        report.stories = rebuild_stories(session).stories
    return report
