"""one row per publication (issue 11): `articles.publication_key`, unique

An alias is the same publication at another URL form of one site (same title, published time and body); every
other page is an article of its own, syndicated copies included. The key (sha256 of site, title, published time and
content digest) is what the database refuses twice, so two processes storing one publication cannot both insert it.

The column and its unique index are added in place (never a SQLite table rebuild, see 0005); rows stored before
get no key here: `newsarchive db upgrade` then splits the syndicated copies earlier releases folded into other
articles back out of their captures, keys every row and rebuilds the stories (crawler.offline.publications) —
work a frozen migration cannot do, since it needs the extractor. Frozen: it imports nothing from the project.

Merge note: written after 0006 (the reliability work); on a branch without 0006 it follows 0005.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("publication_key", sa.String(64), nullable=True))
    op.create_index("uq_articles_publication_key", "articles", ["publication_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_articles_publication_key", table_name="articles")
    op.drop_column("articles", "publication_key")  # in place on SQLite >= 3.35
