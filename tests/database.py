"""Creating, migrating and cleaning test databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine, insert, text

from app import create_app
from app.audit.merkle import EMPTY_ROOT, Frontier
from app.extensions import db
from app.models.audit import LEASE_ID, TREE_ID, AuditTree, SequencerLease
from tests.settings import with_schema


@contextmanager
def short_lived_app(config: dict[str, Any]) -> Iterator[Flask]:
    """An app for one test, its connection pool closed afterwards.

    A pool left to the garbage collector closes its PostgreSQL connections at
    a random later moment, which pytest reports against whichever test is running.
    """
    application = create_app(config)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


def reset_schema(url: str, schema: str | None = None) -> None:
    """Start from nothing: drop and recreate the PostgreSQL schema (SQLite files start empty)."""
    if not url.startswith("postgresql"):
        return
    name = schema or "public"
    engine = create_engine(url.split("?")[0])
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()


def isolated_database(database_url: str, folder: Path, name: str) -> str:
    """A second, empty database beside the suite's: a PostgreSQL schema or a SQLite file."""
    if database_url.startswith("postgresql"):
        reset_schema(database_url, name)
        return with_schema(database_url, name)
    return f"sqlite:///{folder / f'{name}.sqlite3'}"


def migrate(app: Flask) -> None:
    """Bring the app's database to the newest migration, as ``flask db upgrade`` does."""
    with app.app_context():
        upgrade()


def truncate_all(app: Flask) -> None:
    """Empty every table of a committed-data test database."""
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))
            reseed(conn)


def reseed(conn: Connection) -> None:
    """Put back the rows migration 0008 seeds: the empty tree and the free sequencer lease."""
    conn.execute(
        insert(AuditTree).values(
            id=TREE_ID, size=0, root=EMPTY_ROOT, frontier=Frontier().to_bytes(), pruned_below=0
        )
    )
    conn.execute(
        insert(SequencerLease).values(
            id=LEASE_ID, holder="", expires_at=datetime(2000, 1, 1, tzinfo=UTC)
        )
    )
