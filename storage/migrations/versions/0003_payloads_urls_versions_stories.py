"""payloads stored once, article URLs, versions, story clusters, withdrawn articles (issue 5)

Revision ID: 0003
Revises: 0002

`articles` gets its new columns in place (never a SQLite table rebuild: see `_add_article_columns`).
Existing data is carried over: capture bodies move to `payloads` (one row per distinct body, zlib-compressed),
every article gets its URLs in `article_urls` and its current state as version 1. Signatures and story clusters
are computed by `newsarchive db upgrade` after the schema change (storage.clusters.cluster_unsigned).

Frozen: the URL key is computed by this file's own copy of the rules of its release (`_url_key`), so changing
today's crawler.urls never rewrites what this migration did.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from alembic import op
from w3lib.url import canonicalize_url

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# URL identity as this release defined it (then pipelines.normalize.canonical_url and url_key)
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|fromid|share|share_token|isappinstalled|wfr|scene|ivk_sa)$", re.I)
_INDEX_PAGE = re.compile(r"/(index|default)\.(s?html?|php|aspx?|jsp)$", re.I)


def _url_key(url: str) -> str:
    """The scheme-less canonical URL: lower-case host, no default port, no tracking params, index page folded."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.port and (parts.scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k)]
    path = _INDEX_PAGE.sub("/", parts.path or "/")
    canonical = canonicalize_url(urlunsplit((parts.scheme.lower(), host, path, urlencode(kept), "")))
    return canonical.split(":", 1)[1] if "://" in canonical else canonical


def _now_for(bind: sa.Connection) -> datetime:
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _add_article_columns(bind: sa.Connection) -> None:
    """New columns on `articles`, added in place.

    Never a batch "move and copy" of `articles` on SQLite: with foreign keys on, dropping the old table would
    cascade-delete every article's tags and links (and null its captures), and it would drop the search triggers.
    """
    if bind.dialect.name == "sqlite":
        for ddl in (
            "ALTER TABLE articles ADD COLUMN version INTEGER DEFAULT '1' NOT NULL",
            "ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories (id) ON DELETE SET NULL",
            "ALTER TABLE articles ADD COLUMN is_original BOOLEAN DEFAULT 1 NOT NULL",
            "ALTER TABLE articles ADD COLUMN withdrawn_at DATETIME",
            "ALTER TABLE articles ADD COLUMN withdrawn_status INTEGER",
            "ALTER TABLE articles ADD COLUMN signature BLOB",
        ):
            op.execute(ddl)
        op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
        return
    op.add_column("articles", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("articles", sa.Column("story_id", sa.Integer(), nullable=True))
    op.add_column("articles", sa.Column("is_original", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("articles", sa.Column("withdrawn_at", TZ, nullable=True))
    op.add_column("articles", sa.Column("withdrawn_status", sa.Integer(), nullable=True))
    op.add_column("articles", sa.Column("signature", sa.LargeBinary(), nullable=True))
    op.create_index(op.f("ix_articles_story_id"), "articles", ["story_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_articles_story_id_stories"), "articles", "stories", ["story_id"], ["id"], ondelete="SET NULL"
    )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "payloads",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_payloads")),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("original_article_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url_key", sa.String(length=2048), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("first_seen", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_urls_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_urls")),
        sa.UniqueConstraint("url_key", name=op.f("uq_article_urls_url_key")),
    )
    op.create_index(op.f("ix_article_urls_article_id"), "article_urls", ["article_id"], unique=False)
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("capture_ids", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("extractor_version", sa.String(length=40), nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_versions_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint("article_id", "version", name=op.f("uq_article_versions_article_id")),
    )
    op.create_index(op.f("ix_article_versions_article_id"), "article_versions", ["article_id"], unique=False)

    _add_article_columns(bind)

    # -- capture bodies become payloads, stored once per digest --------------------------------------------------
    captures = sa.table(
        "captures", sa.column("id", sa.Integer), sa.column("digest", sa.String), sa.column("body", sa.LargeBinary),
        sa.column("article_id", sa.Integer),
    )
    payloads = sa.table(
        "payloads", sa.column("digest", sa.String), sa.column("size", sa.Integer),
        sa.column("compression", sa.String), sa.column("data", sa.LargeBinary),
    )
    seen: set[str] = set()
    for digest, body in bind.execute(sa.select(captures.c.digest, captures.c.body).order_by(captures.c.id)):
        if digest in seen:
            continue
        seen.add(digest)
        body = bytes(body)
        packed = zlib.compress(body, 6)
        bind.execute(
            payloads.insert().values(
                digest=digest,
                size=len(body),
                compression="zlib" if len(packed) < len(body) else "none",
                data=packed if len(packed) < len(body) else body,
            )
        )
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("body")
        batch.create_index(batch.f("ix_captures_fetched_at"), ["fetched_at"], unique=False)
        batch.create_foreign_key(batch.f("fk_captures_digest_payloads"), "payloads", ["digest"], ["digest"])

    # -- every article: its URLs and its current state as version 1 ---------------------------------------------
    articles = sa.table(
        "articles", *(sa.column(n) for n in ("id", "url", "canonical_url", "title", "subtitle", "source", "body",
                                               "column", "extractor_version")),
        sa.column("published", TZ), sa.column("fetched_at", TZ),
        *(sa.column(n, sa.JSON) for n in ("author", "editor", "images", "page_urls")),
    )
    tags = sa.table("article_tags", sa.column("article_id"), sa.column("name"), sa.column("position"))
    links = sa.table(
        "article_links", sa.column("article_id"), sa.column("url"), sa.column("text"), sa.column("kind"),
        sa.column("position"),
    )
    urls = sa.table(
        "article_urls", sa.column("article_id"), sa.column("url_key"), sa.column("url"), sa.column("first_seen", TZ)
    )
    versions = sa.table(
        "article_versions", sa.column("article_id"), sa.column("version"), sa.column("fields", sa.JSON),
        sa.column("capture_ids", sa.JSON), sa.column("changed", sa.JSON), sa.column("reason"),
        sa.column("extractor_version"), sa.column("fetched_at", TZ), sa.column("created_at", TZ),
    )
    now = _now_for(bind)
    keys: set[str] = set()
    for a in bind.execute(sa.select(articles).order_by(articles.c.id)).mappings().all():
        for url in (a["canonical_url"], a["url"]):
            key = _url_key(url)
            if key not in keys:  # the old schema let an http and an https copy both in: the first keeps the key
                keys.add(key)
                bind.execute(urls.insert().values(article_id=a["id"], url_key=key, url=url, first_seen=a["fetched_at"]))
        tag_names = bind.scalars(
            sa.select(tags.c.name).where(tags.c.article_id == a["id"]).order_by(tags.c.position)
        ).all()
        link_rows = bind.execute(
            sa.select(links.c.url, links.c.text, links.c.kind).where(links.c.article_id == a["id"])
            .order_by(links.c.position)
        ).all()
        capture_ids = bind.scalars(
            sa.select(captures.c.id).where(captures.c.article_id == a["id"]).order_by(captures.c.id)
        ).all()
        fields = {
            "title": a["title"], "subtitle": a["subtitle"], "published": _iso(a["published"]), "source": a["source"],
            "author": a["author"] or [], "editor": a["editor"] or [], "body": a["body"], "column": a["column"],
            "images": a["images"] or [], "tags": list(tag_names),
            "links": [{"url": r.url, "text": r.text, "kind": r.kind} for r in link_rows],
            "page_urls": a["page_urls"] or [],
        }
        bind.execute(
            versions.insert().values(
                article_id=a["id"], version=1, fields=fields, capture_ids=list(capture_ids), changed=[],
                reason="migration", extractor_version=a["extractor_version"], fetched_at=a["fetched_at"],
                created_at=now,
            )
        )


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("body", sa.LargeBinary(), nullable=True))
    captures = sa.table("captures", sa.column("digest", sa.String), sa.column("body", sa.LargeBinary))
    payloads = sa.table(
        "payloads", sa.column("digest", sa.String), sa.column("compression", sa.String),
        sa.column("data", sa.LargeBinary),
    )
    for digest, compression, data in bind.execute(sa.select(payloads)).all():
        body = zlib.decompress(data) if compression == "zlib" else bytes(data)
        bind.execute(captures.update().where(captures.c.digest == digest).values(body=body))
    with op.batch_alter_table("captures") as batch:
        batch.drop_constraint(batch.f("fk_captures_digest_payloads"), type_="foreignkey")
        batch.drop_index(batch.f("ix_captures_fetched_at"))
        batch.alter_column("body", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_index(op.f("ix_articles_story_id"), table_name="articles")
    for column in ("signature", "withdrawn_status", "withdrawn_at", "is_original", "version"):
        op.drop_column("articles", column)  # SQLite >= 3.35 drops these in place
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_articles_story_id_stories"), "articles", type_="foreignkey")
        op.drop_column("articles", "story_id")
    op.drop_index(op.f("ix_article_versions_article_id"), table_name="article_versions")
    op.drop_table("article_versions")
    op.drop_index(op.f("ix_article_urls_article_id"), table_name="article_urls")
    op.drop_table("article_urls")
    if bind.dialect.name != "sqlite":
        # on SQLite `articles.story_id` (all NULL) and its referenced table stay: dropping a foreign-key column
        # needs a table rebuild, which would cascade-delete the articles' tags and links
        op.drop_table("stories")
    op.drop_table("payloads")
