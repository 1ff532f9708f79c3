"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.database import render_item
from app.extensions import db


def _differences(connection):
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_item": render_item}
    )
    return compare_metadata(context, db.metadata)


def test_migrations_match_the_models(app, session):
    connection = session.connection()
    assert _differences(connection) == []


def test_the_comparison_notices_a_missing_column(app, session):
    from sqlalchemy import Column, Integer, MetaData, Table

    connection = session.connection()
    extra = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(extra)
    Table("members", extra, Column("shoe_size", Integer), extend_existing=True)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, extra)
    assert any(d[0] == "add_column" and d[3].name == "shoe_size" for d in diff)
