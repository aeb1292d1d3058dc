"""search index (issue 6): trigram full-text index on articles.title and articles.body

SQLite: an FTS5 table with the trigram tokenizer over `articles` (external content, so the text is stored
once), kept in sync by triggers, filled from the existing rows. PostgreSQL: pg_trgm GIN indexes on title and
body (they serve LIKE/ILIKE '%…%'), plus an index matching the search order (published DESC NULLS LAST, id).

Trigram indexes need 3+ characters; storage.search scans for shorter words and says so.

Frozen: the DDL is this file's own (`_ensure_search_index`, idempotent), so editing today's storage.search never
rewrites what this migration did. A later SQLite migration that *recreates* `articles` (a batch "move and copy",
e.g. for a server default or a constraint) drops the triggers with the old table: it must carry its own copy of
this DDL and re-create them, or the index goes stale. tests/test_query.py checks the index is complete at head.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


SQLITE_FTS_TABLE = """CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, body, content='articles', content_rowid='id', tokenize='trigram case_sensitive 0')"""
SQLITE_FTS_TRIGGERS = {
    "articles_fts_ai": """CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "articles_fts_ad": """CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    "articles_fts_au": """CREATE TRIGGER articles_fts_au AFTER UPDATE OF id, title, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
}
POSTGRES_INDEXES = {
    "ix_articles_title_trgm": "CREATE INDEX ix_articles_title_trgm ON articles USING gin (title gin_trgm_ops)",
    "ix_articles_body_trgm": "CREATE INDEX ix_articles_body_trgm ON articles USING gin (body gin_trgm_ops)",
    # the search order, walkable backwards-free on PostgreSQL (which sorts NULLs first in DESC by default)
    "ix_articles_published_desc": "CREATE INDEX ix_articles_published_desc ON articles "
    "(published DESC NULLS LAST, id DESC)",
}


def _present(conn: sa.Connection) -> set[str]:
    """Names of the tables and triggers (SQLite) or of the indexes on articles (PostgreSQL) that exist."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    else:
        rows = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'articles'")
    return {r[0] for r in rows}


def _ensure_search_index(conn: sa.Connection) -> None:
    """Create whatever part of the search index is missing; a re-created FTS table is filled from the articles."""
    if conn.dialect.name == "sqlite":
        present = _present(conn)
        if "articles_fts" not in present:
            conn.exec_driver_sql(SQLITE_FTS_TABLE)
            conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        for name, ddl in SQLITE_FTS_TRIGGERS.items():
            if name not in present:
                conn.exec_driver_sql(ddl)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        present = _present(conn)
        for name, ddl in POSTGRES_INDEXES.items():
            if name not in present:
                conn.exec_driver_sql(ddl)


def upgrade() -> None:
    _ensure_search_index(op.get_bind())


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS articles_fts")
    elif dialect == "postgresql":
        for index in ("ix_articles_title_trgm", "ix_articles_body_trgm", "ix_articles_published_desc"):
            op.execute(f"DROP INDEX IF EXISTS {index}")
