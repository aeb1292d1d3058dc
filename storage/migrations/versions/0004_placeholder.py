"""no schema change: an empty revision, kept because released archives are stamped with it

Revision 0004 was reserved for the crawl work (issue 4), which turned out to need no schema change; it shipped
empty, and archives upgraded by that release record "0004" in alembic_version. Removing or renumbering it would
leave those archives at a revision Alembic no longer knows, so it stays — as a no-op, never as a slot to fill.
New schema changes take the next number after the head.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change."""


def downgrade() -> None:
    """Nothing to undo."""
