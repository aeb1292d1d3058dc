"""Alembic environment: runs on the connection handed in by storage.db.upgrade, or on ARCHIVE_DB_URL."""

from __future__ import annotations

from alembic import context

from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Autogenerate must not propose dropping the search index, which lives outside the ORM models."""
    if not name:
        return True
    return not (name.startswith("articles_fts") or name.endswith("_trgm") or name == "ix_articles_published_desc")


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for ALTERs
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with make_engine(config.get_main_option("sqlalchemy.url") or None).begin() as conn:
        run_migrations(conn)
