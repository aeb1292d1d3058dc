"""contributors (issue 10): the people credited on an article who are neither writers nor editors

`articles.contributors` holds a JSON list of `{"name", "role"}` (role: correspondent, intern, photographer,
translator, other), `[]` for every article stored before: their extraction did not look for them, and
`newsarchive reextract` fills them in from the stored captures.

The column is added in place (never a SQLite table rebuild, which would cascade-delete the articles' tags and
links and drop the search triggers: see 0002 and 0003). Frozen: it imports nothing from the project.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE articles ADD COLUMN contributors JSON DEFAULT '[]' NOT NULL")
        return
    op.add_column("articles", sa.Column("contributors", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    op.drop_column("articles", "contributors")  # in place on SQLite >= 3.35
