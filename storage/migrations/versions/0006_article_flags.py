"""article flags (issue 15): `partial` and `decoding`

`articles.partial` is true for a multi-page article stored while one of its later pages could not be fetched
(false for every article stored before: they were not checked). `articles.decoding` says how its pages decoded:
"clean", "mixed" (a page in two encodings, each part decoded by its own evidence) or "lossy" (bytes no codec
reads, replaced); NULL for articles stored before, until `newsarchive reextract` decodes their captures again.

Columns are added in place (never a SQLite table rebuild: see 0005). Frozen: it imports nothing from the project.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE articles ADD COLUMN partial BOOLEAN DEFAULT 0 NOT NULL")
        op.execute("ALTER TABLE articles ADD COLUMN decoding VARCHAR(10)")
        return
    op.add_column("articles", sa.Column("partial", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("articles", sa.Column("decoding", sa.String(10), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "decoding")  # in place on SQLite >= 3.35
    op.drop_column("articles", "partial")
