"""search index (issue 6): trigram full-text index on articles.title and articles.body

SQLite: an FTS5 table with the trigram tokenizer over `articles` (external content, so the text is stored
once), kept in sync by triggers, filled from the existing rows. PostgreSQL: pg_trgm GIN indexes on title and
body (they serve LIKE/ILIKE '%…%'), plus an index matching the search order (published DESC NULLS LAST, id).

Trigram indexes need 3+ characters; storage.search scans for shorter words and says so.

The DDL lives in storage.search (`ensure_search_index`, idempotent). A later SQLite migration that *recreates*
`articles` (a batch "move and copy", e.g. for a server default or a constraint) drops the triggers with the old
table: it must end with `ensure_search_index(op.get_bind())`, or the index goes stale. tests/test_query.py
checks the triggers exist at head.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from storage.search import ensure_search_index

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_search_index(op.get_bind())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    elif dialect == "postgresql":
        for index in ("ix_articles_title_trgm", "ix_articles_body_trgm", "ix_articles_published_desc"):
            op.execute(f"DROP INDEX IF EXISTS {index}")
