"""story rebuilds (issue 12): when stories were last computed, and up to which article

Each `storage.clusters.rebuild_stories` writes a row: its time, the newest article id it saw, and its counts. A
crawl's close rebuilds the stories when the archive holds articles newer than the last rebuild saw, not only when
that crawl stored some: a worker killed after storing left them without stories, and the re-run that found
nothing new never rebuilt them. An archive upgraded to this revision has no row, so its next crawl rebuilds once.

Frozen: it imports nothing from the project.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_rebuilds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("through_article_id", sa.Integer(), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_rebuilds")
