"""The declarative base, column types shared by every model, and engine tuning.

The app runs unchanged on SQLite (the embedded default) and PostgreSQL; what
differs between them is confined to :func:`tune_engine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, DateTime, Engine, MetaData, Result, String, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def bigint_array(ids: Iterable[int]) -> str:
    """PostgreSQL's text form of a ``bigint[]`` of ``ids``, bound as one ``%s::bigint[]``.

    Text, not a list: psycopg's list dumper costs more than the query at
    5,000 ids; ``int()`` keeps anything but digits out.
    """
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def fetch_for_ids(
    session: Session, query: str, ids: Sequence[int], **numbers: int
) -> list[tuple[Any, ...]]:
    """The rows of a hand-written ``query`` for a set of integer ids, as plain tuples.

    ``query`` is SQL with ``{ids}`` where a parenthesised set of the ids goes
    (``WHERE member_id IN {ids}``); the set is bound as one parameter (a JSON
    array on SQLite, an array literal on PostgreSQL) and the DB-API cursor of the
    session's own connection runs it, inside the session's transaction.
    Other ``{name}`` placeholders take ``numbers``, which are forced to
    ``int`` before they are written into the SQL, so no text can get there.
    One parameter has no bind-variable limit, so callers need not chunk the
    ids; they chunk only to bound the rows held at once (exports do, by 5,000).

    Hand-written on purpose, for the export hot path only: at hundreds of
    thousands of rows SQLAlchemy's result rows and its one-parameter-per-id
    IN lists cost more than the query itself (bench/export.py measured about
    twice the time of the plain cursor). Use it for reads of plain columns
    where that matters; everything else goes through SQLAlchemy.
    """
    literals = {name: int(n) for name, n in numbers.items()}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sql = query.format(ids="(SELECT unnest(%s::bigint[]))", **literals)
        param: Any = bigint_array(ids)
    else:
        sql = query.format(ids="(SELECT value FROM json_each(?))", **literals)
        param = json.dumps([int(i) for i in ids])
    # exec_driver_sql hands the SQL to the driver as it is (and fires the
    # engine's events, so statement counters see it); the rows are read from
    # the driver's cursor as plain tuples, skipping SQLAlchemy's row objects.
    result = connection.exec_driver_sql(sql, (param,))
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (0 when the driver cannot tell)."""
    return cast("CursorResult[Any]", result).rowcount or 0


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back as an aware UTC datetime.

    SQLite has no time zones, so values are stored naive in UTC there and
    made aware again on the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E]):
    """A ``StrEnum`` stored as its plain text value (readable, portable, no DB enum type)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int = 20) -> None:
        super().__init__(length)
        self.enum_type = enum_type
        self.length = length

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, self.enum_type):  # the usual case, and the cheap one
            return value.value
        return self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our column types in migrations as the plain SQLAlchemy types they store."""
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={obj.length})"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


class Base(DeclarativeBase):
    """Base class of every Fieldgate model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def tune_engine(engine: Engine) -> None:
    """Apply per-database settings the app relies on.

    SQLite: write-ahead logging (readers do not block the writer), foreign
    keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction.
    The last one matters: the access log is written after the data it
    records was read, and a deferred SQLite transaction that read first can
    fail to upgrade to a writer when another request committed in between.
    Taking the write lock up front serialises requests on SQLite, which is
    the price of the embedded default; PostgreSQL has no such limit.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
