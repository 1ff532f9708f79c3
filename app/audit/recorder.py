"""Writing access events: set-based, in the caller's transaction, fail closed, no shared lock.

:func:`record_outcomes` is the one mechanism by which events are written; the
one caller that lets data leave is :func:`app.disclosure.service.disclose`
(pages, APIs, and each chunk of a streamed export). It inserts the events and
commits them before the caller lets any data leave; if that fails it raises
:class:`AccessLogUnavailable`, which the web shell turns into a 503.

The database numbers the events (``seq``); nothing else orders them, and no
row is locked that another request would wait for. The sequencer
(:mod:`app.audit.sequencer`) later seals committed events into the Merkle
tree and signs checkpoints.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from flask import current_app
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models.audit import EventAction, EventOutcome, Place
from permissions import Field, Outcome, Purpose, Reason, ValueLabel, ValueRecord


class AccessLogUnavailable(RuntimeError):
    """The access events could not be written, so the data must not be sent."""


@dataclass(frozen=True, slots=True)
class AccessContext:
    """Who reads, through which app, where, for what, within which request."""

    requester_id: int | None
    action: EventAction
    place: Place
    app_id: int | None = None
    purpose: Purpose | None = None
    request_id: str | None = None


@functools.cache
def _name(field: Field, label: ValueLabel | None) -> str:
    return f"{field}:{label}" if label else str(field)


def value_name(value: ValueRecord) -> str:
    """How an event names a value without holding it: ``email:work``, ``first_name``."""
    return _name(value.field, value.label)


def outcome_of(outcome: Outcome) -> EventOutcome:
    """The logged outcome: refused if nothing was released, partial if anything was withheld."""
    if not outcome.released:
        return EventOutcome.REFUSED
    return EventOutcome.PARTIAL if outcome.withheld else EventOutcome.RELEASED


# Events store their value lists as compact JSON (no spaces): the very text
# that goes into the event's Merkle leaf (see app/audit/leaves.py).
COMPACT = (",", ":")


@functools.cache
def _quoted(field: Field, label: ValueLabel | None) -> str:
    return json.dumps(_name(field, label))


@functools.cache
def _refusal(field: Field, label: ValueLabel | None, reason: Reason) -> str:
    return json.dumps([_name(field, label), str(reason)], separators=COMPACT)


def released_json(outcome: Outcome) -> str:
    """Compact ``json.dumps`` of the released value names, built from cached pieces.

    Byte for byte what ``json.dumps(..., separators=COMPACT)`` gives (a test
    holds them equal); an export writes one per contact, and this is several
    times faster.
    """
    return "[" + ",".join([_quoted(v.field, v.label) for v in outcome.released]) + "]"


def refused_json(outcome: Outcome) -> str:
    """Compact JSON of ``[[value name, reason], ...]``, ``[["*", reason]]`` for a whole one."""
    if outcome.withheld:
        return "[" + ",".join([_refusal(v.field, v.label, r) for v, r in outcome.withheld]) + "]"
    if outcome.subject_reason is not None:
        return json.dumps([["*", str(outcome.subject_reason)]], separators=COMPACT)
    return "[]"


_FIELD_BITS = {field: 1 << i for i, field in enumerate(Field)}


def field_bit(field: Field) -> int:
    """The bit of ``field`` in an event's ``fields_mask`` (for filtering the log by field)."""
    return _FIELD_BITS[field]


def fields_mask(outcome: Outcome) -> int:
    """The fields an event is about, released or refused, as one integer."""
    mask = 0
    for value in outcome.released:
        mask |= _FIELD_BITS[value.field]
    for value, _reason in outcome.withheld:
        mask |= _FIELD_BITS[value.field]
    return mask


# The columns the recorder writes, in the order of its rows.
EVENT_COLUMNS = (
    "occurred_at",
    "requester_id",
    "app_id",
    "subject_id",
    "action",
    "place",
    "purpose",
    "released",
    "refused",
    "outcome",
    "request_id",
    "fields_mask",
)


def _rows(
    context: AccessContext, request_id: str, occurred_at: object, outcomes: Iterable[Outcome]
) -> list[tuple[Any, ...]]:
    # Enum members are written as their text; everything shared is computed once.
    shared = (
        str(context.action),
        str(context.place),
        None if context.purpose is None else str(context.purpose),
    )
    action, place, purpose = shared
    return [
        (
            occurred_at,
            context.requester_id,
            context.app_id,
            outcome.subject_id,
            action,
            place,
            purpose,
            released_json(outcome),
            refused_json(outcome),
            str(outcome_of(outcome)),
            request_id,
            fields_mask(outcome),
        )
        for outcome in outcomes
    ]


def _stamp(session: Session) -> object:
    """Now, as the driver stores it: aware on PostgreSQL, naive UTC text on SQLite."""
    now = utcnow()
    if session.get_bind().dialect.name == "sqlite":
        return now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # as UTCDateTime does
    return now


def append_events(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in EVENT_COLUMNS order) in the session's transaction, no lock.

    Hand-written on the driver, not SQLAlchemy's insert: an export writes
    tens of thousands of events per chunk, and per-row type processing cost
    more than the insert itself (bench/export.py). On PostgreSQL the rows go
    in with ``COPY`` (half the time of a pipelined ``executemany`` already at
    100 rows, one page of the partner API: bench/api.py); on SQLite with
    ``executemany``. The rows hold plain values already (see :func:`_rows`).
    The database numbers them.
    """
    if not rows:
        return
    connection = session.connection()
    columns = ", ".join(EVENT_COLUMNS)
    if connection.dialect.name == "postgresql":
        statement = f"COPY access_events ({columns}) FROM STDIN"
        driver_error = connection.dialect.loaded_dbapi.Error
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except driver_error as exc:  # as SQLAlchemy would raise it, for record_outcomes
            raise DBAPIError.instance(statement, None, exc, driver_error) from exc
        finally:
            cursor.close()
        return
    marks = ", ".join(["?"] * len(EVENT_COLUMNS))
    connection.exec_driver_sql(
        f"INSERT INTO access_events ({columns}) VALUES ({marks})",  # noqa: S608 (constants only)
        list(rows),
    )


def record_outcomes(session: Session, context: AccessContext, outcomes: Iterable[Outcome]) -> int:
    """Record one event per outcome and commit; return how many were written.

    Raises:
        AccessLogUnavailable: the events could not be written or committed;
            the transaction was rolled back and nothing may be sent.
    """
    request_id = context.request_id or uuid.uuid4().hex
    rows = _rows(context, request_id, _stamp(session), outcomes)
    try:
        append_events(session, rows)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        current_app.logger.error("access log write failed: %s", exc)
        raise AccessLogUnavailable(
            "The access log could not be written, so nothing was shared."
        ) from exc
    return len(rows)
