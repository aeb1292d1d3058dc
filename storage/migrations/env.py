"""Alembic environment: runs on the connection storage.db hands in, or on the URL in Alembic's configuration.

It imports nothing from the project (like every migration), so running old migrations never depends on today's
code. storage.db passes the models' metadata in `config.attributes["target_metadata"]` when something wants to
compare the schema with the models (autogenerate); upgrading needs none.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

config = context.config
target_metadata = config.attributes.get("target_metadata")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate must not propose dropping the search index, which lives outside the ORM models."""
    if not name:
        return True
    return not (name.startswith("articles_fts") or name.endswith("_trgm") or name == "ix_articles_published_desc")


def run_migrations(connection: Connection) -> None:
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
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("alembic: no connection handed in and no sqlalchemy.url configured")
    with create_engine(url).begin() as conn:
        run_migrations(conn)
