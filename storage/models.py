"""The archive's tables: payloads and captures (raw responses), articles with their URLs, versions, story
clusters, links and tags, and crawl runs.

Times are stored as UTC. SQLite has no timezone type, so `UTCDateTime` converts aware datetimes to
naive UTC on the way in and gives aware UTC back on the way out; PostgreSQL gets `timestamptz`.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} would be ambiguous in the archive")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Payload(Base):
    """A response body as received, stored once however many captures share it (zlib-compressed)."""

    __tablename__ = "payloads"

    #: sha256 (hex) of the body as received
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    #: "zlib" or "none"
    compression: Mapped[str] = mapped_column(String(10), default="zlib")
    data: Mapped[bytes] = mapped_column(LargeBinary)

    @property
    def body(self) -> bytes:
        return zlib.decompress(self.data) if self.compression == "zlib" else self.data


class Capture(Base):
    """One HTTP response as received, kept so articles can be re-extracted when extractors improve."""

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    page_no: Mapped[int] = mapped_column(Integer, default=1)
    site: Mapped[str] = mapped_column(String(200), index=True)
    #: the URL requested, and the URL that answered after redirects
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: sha256 of the body as received: the payload's key
    digest: Mapped[str] = mapped_column(ForeignKey("payloads.digest"), index=True)
    declared_charset: Mapped[str | None] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))
    fetched_at: Mapped[datetime] = mapped_column(index=True)

    article: Mapped[Article | None] = relationship(back_populates="captures")
    payload: Mapped[Payload] = relationship(lazy="joined", innerjoin=True)

    @property
    def body(self) -> bytes:
        """The raw body bytes, byte-exact as received."""
        return self.payload.body


class Article(Base):
    """One article, identified by its canonical URL."""

    __tablename__ = "articles"
    #: a unique index (not a table constraint) so that migration 0007 adds it in place on SQLite too
    __table_args__ = (Index("uq_articles_publication_key", "publication_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    subtitle: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[datetime | None] = mapped_column(index=True)
    source: Mapped[str | None] = mapped_column(Text)
    author: Mapped[list[Any]] = mapped_column(default=list)
    editor: Mapped[list[Any]] = mapped_column(default=list)
    #: people credited who are neither writers nor editors: [{"name", "role"}] (see crawler.extract.types.Contributor)
    contributors: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    body: Mapped[str] = mapped_column(Text, default="")
    column: Mapped[str] = mapped_column(Text, default="")
    images: Mapped[list[Any]] = mapped_column(default=list)
    page_urls: Mapped[list[Any]] = mapped_column(default=list)
    #: which extraction rule produced each field, for tracing a wrong value
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: sha256 of the normalised body, to find identical content at other URLs
    content_digest: Mapped[str] = mapped_column(String(64), index=True)
    #: one row per publication: sha256 of site, title, published time and content digest (storage.repository
    #: `publication_key`); the same publication at another URL form is an alias of this row, never a second row.
    #: NULL for an article without a body (nothing to identify it by)
    publication_key: Mapped[str | None] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(40))
    fetched_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: the current version number (article_versions keeps every one)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: the story cluster this copy belongs to (every copy of a syndicated story shares it)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    #: the earliest published copy of its story
    is_original: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: set when the page later answered 404/410 or redirected to a "deleted" page
    withdrawn_at: Mapped[datetime | None]
    withdrawn_status: Mapped[int | None] = mapped_column(Integer)
    #: a later page of the multi-page article was missing when it was stored
    partial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: how its pages decoded: "clean", "mixed" (two encodings), "lossy" (undecodable bytes); NULL before 0006
    decoding: Mapped[str | None] = mapped_column(String(10))
    #: unused since stories are rebuilt from the bodies (storage.clusters); kept for archives that have it
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    links: Mapped[list[ArticleLink]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleLink.position"
    )
    tags: Mapped[list[ArticleTag]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleTag.position"
    )
    captures: Mapped[list[Capture]] = relationship(
        back_populates="article", order_by="[Capture.fetched_at, Capture.page_no]"
    )
    urls: Mapped[list[ArticleUrl]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleUrl.id"
    )
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="ArticleVersion.version"
    )
    story: Mapped[Story | None] = relationship(back_populates="articles")


class ArticleUrl(Base):
    """Every URL an article was found at, by scheme-less canonical key: the database refuses a key twice."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    #: canonical URL without its scheme (http and https fold together)
    url_key: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="urls")


class ArticleVersion(Base):
    """One state of an article: a snapshot of its fields, the captures it came from, what changed and why."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    capture_ids: Mapped[list[Any]] = mapped_column(default=list)
    #: names of the fields that differ from the previous version
    changed: Mapped[list[Any]] = mapped_column(default=list)
    #: "crawl", "recrawl", "reextract" or "migration"
    reason: Mapped[str] = mapped_column(String(20), default="crawl")
    extractor_version: Mapped[str] = mapped_column(String(40))
    fetched_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    article: Mapped[Article] = relationship(back_populates="versions")


class Story(Base):
    """A cluster of near-duplicate copies of one story, syndicated by several sites."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the 来源 most copies declare
    source: Mapped[str | None] = mapped_column(Text)
    #: the earliest published copy (also flagged `articles.is_original`)
    original_article_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    articles: Mapped[list[Article]] = relationship(back_populates="story", order_by="Article.id")


class StoryRebuild(Base):
    """One computation of every story (storage.clusters.rebuild_stories): a crawl's close rebuilds when the archive
    holds articles newer than the last rebuild saw, whoever stored them (a killed worker's articles too)."""

    __tablename__ = "story_rebuilds"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the newest article id the rebuild saw (0 in an empty archive)
    through_article_id: Mapped[int] = mapped_column(Integer)
    articles: Mapped[int] = mapped_column(Integer)
    stories: Mapped[int] = mapped_column(Integer)


class ArticleLink(Base):
    """A related link of an article: tag, previous/next, related article or pager page."""

    __tablename__ = "article_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="links")


class ArticleTag(Base):
    __tablename__ = "article_tags"
    __table_args__ = (UniqueConstraint("article_id", "name"), Index("ix_article_tags_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))

    article: Mapped[Article] = relationship(back_populates="tags")


class CrawlRun(Base):
    """One `scrapy crawl` run with its counters, so scheduled runs can be audited."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(200), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    #: pages_fetched, articles_new, articles_duplicate, dropped {reason: n}, http_errors {status: n}
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
