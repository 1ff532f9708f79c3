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


def _predicate(index: dict) -> str | None:
    options = index.get("dialect_options", {})
    where = options.get("postgresql_where") or options.get("sqlite_where")
    return None if where is None else str(where)


def test_partial_indexes_are_partial_in_the_database(app, session):
    """Alembic's comparison ignores index predicates: this checks them, index by index."""
    from sqlalchemy import inspect

    connection = session.connection()
    inspector = inspect(connection)
    dialect = connection.dialect.name
    checked = 0
    for table in db.metadata.sorted_tables:
        reflected = {i["name"]: i for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            wanted = index.dialect_options[dialect]._non_defaults.get("where")
            found = _predicate(reflected[index.name])
            if wanted is None:
                assert found is None, index.name
                continue
            checked += 1
            assert found is not None, f"{index.name} is not partial in the database"
            column = str(wanted).split()[0]  # e.g. "leaf_index IS NOT NULL"
            assert column in found, (index.name, found)
            assert ("NOT NULL" in str(wanted).upper()) == ("NOT NULL" in found.upper()), (
                index.name,
                found,
            )
    assert checked >= 4  # the access log's partial indexes, at least
