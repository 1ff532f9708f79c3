"""Reading the access log for the member it is about: filters, pages, daily counts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.disclosure.accountability import requester_labels
from app.disclosure.service import Requester
from app.models.accounts import Member
from app.models.audit import AccessEvent, EventAction, EventOutcome, Place
from permissions import Field, Purpose, Reason

PER_PAGE = 25
CHART_DAYS = 90
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class EventFilter:
    """What the member narrowed the log to; every part optional."""

    start: date | None = None
    end: date | None = None
    action: EventAction | None = None
    requester: str | None = None  # a member's handle, or "anonymous"
    app_id: int | None = None


@dataclass(frozen=True, slots=True)
class EventRow:
    """One event as the member reads it."""

    seq: int
    occurred_at: datetime
    requester_id: int | None
    requester_handle: str | None
    requester_name: str
    app_id: int | None
    action: EventAction
    place: Place
    purpose: Purpose | None
    released: list[str]
    refused: list[tuple[str, Reason]]
    outcome: EventOutcome


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events and where it sits among all matching ones."""

    rows: list[EventRow]
    page: int
    pages: int
    total: int


def value_title(name: str) -> str:
    """``email:work`` -> "E-mail (work)"; ``*`` (every value) -> "everything"."""
    if name == "*":
        return "everything"
    field, _, label = name.partition(":")
    title = Field(field).caption
    return f"{title} ({label})" if label else title


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(session: Session, subject_id: int, filt: EventFilter) -> list[ColumnElement]:
    where: list[ColumnElement] = [AccessEvent.subject_id == subject_id]
    if filt.start:
        where.append(AccessEvent.occurred_at >= _day_start(filt.start))
    if filt.end:
        where.append(AccessEvent.occurred_at < _day_start(filt.end + timedelta(days=1)))
    if filt.action:
        where.append(AccessEvent.action == filt.action)
    if filt.requester == ANONYMOUS:
        where.append(AccessEvent.requester_id.is_(None))
    elif filt.requester:
        member_id = session.scalar(select(Member.id).where(Member.handle == filt.requester))
        where.append(AccessEvent.requester_id == (member_id or -1))
    if filt.app_id is not None:
        where.append(AccessEvent.app_id == filt.app_id)
    return where


def _rows(
    session: Session, reader: Requester, events: Sequence[AccessEvent], place: Place
) -> list[EventRow]:
    labels = requester_labels(session, reader, {e.requester_id for e in events}, place)
    return [
        EventRow(
            seq=e.seq,
            occurred_at=e.occurred_at,
            requester_id=e.requester_id,
            requester_handle=labels[e.requester_id].handle,
            requester_name=labels[e.requester_id].name,
            app_id=e.app_id,
            action=e.action,
            place=e.place,
            purpose=e.purpose,
            released=json.loads(e.released),
            refused=[(name, Reason(reason)) for name, reason in json.loads(e.refused)],
            outcome=e.outcome,
        )
        for e in events
    ]


def _subject(reader: Requester) -> int:
    if reader.member_id is None:
        raise ValueError("only a member has an access log")
    return reader.member_id


def events_page(session: Session, reader: Requester, filt: EventFilter, page: int) -> EventPage:
    """One page of the reader's own events, newest first, requesters named as they may be.

    Raises:
        AccessLogUnavailable: the views of requesters' names could not be logged.
    """
    where = _conditions(session, _subject(reader), filt)
    total = session.scalar(select(func.count()).select_from(AccessEvent).where(*where)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    events = session.scalars(
        select(AccessEvent)
        .where(*where)
        .order_by(AccessEvent.seq.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return EventPage(_rows(session, reader, events, Place.ACCESS_LOG), page, pages, total)


def iter_events(
    session: Session, reader: Requester, filt: EventFilter, place: Place = Place.ACCESS_LOG
) -> Iterator[EventRow]:
    """Every matching event of the reader, oldest first, in batches (for downloads).

    Raises:
        AccessLogUnavailable: the views of requesters' names could not be logged.
    """
    where = _conditions(session, _subject(reader), filt)
    after = -1
    while True:
        batch = session.scalars(
            select(AccessEvent)
            .where(*where, AccessEvent.seq > after)
            .order_by(AccessEvent.seq)
            .limit(1000)
        ).all()
        if not batch:
            return
        yield from _rows(session, reader, batch, place)
        after = batch[-1].seq


def _utc_day(session: Session) -> ColumnElement:
    # SQLite keeps UTC text, whose date() is the UTC day; PostgreSQL must be told the zone.
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", AccessEvent.occurred_at))
    return func.date(AccessEvent.occurred_at)


def daily_counts(
    session: Session, subject_id: int, today: date, days: int = CHART_DAYS
) -> list[tuple[date, int]]:
    """Accesses per UTC day over the last ``days`` days ending ``today``, zeros included."""
    first = today - timedelta(days=days - 1)
    day_column = _utc_day(session)
    counts = {
        (d if isinstance(d, date) else date.fromisoformat(d)): n
        for d, n in session.execute(
            select(day_column, func.count())
            .where(
                AccessEvent.subject_id == subject_id,
                AccessEvent.occurred_at >= _day_start(first),
            )
            .group_by(day_column)
        )
    }
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def requester_options(rows: Sequence[EventRow], chosen: str | None) -> list[tuple[str, str]]:
    """(handle or "anonymous", name) of the requesters on this page, for the "Who" filter.

    Only names the page already shows: listing everyone who ever accessed the
    member would disclose (and log) names the member did not ask to see.
    """
    options: dict[str, str] = {}
    for row in rows:
        if row.requester_id is None:
            options.setdefault(ANONYMOUS, "Anonymous visitors")
        elif row.requester_handle:
            options.setdefault(row.requester_handle, row.requester_name)
    if chosen and chosen not in options:
        options[chosen] = "Anonymous visitors" if chosen == ANONYMOUS else f"Member {chosen}"
    return list(options.items())


def apps_of(session: Session, subject_id: int) -> list[int]:
    """The ids of apps that accessed the member's data."""
    return list(
        session.scalars(
            select(AccessEvent.app_id)
            .where(AccessEvent.subject_id == subject_id, AccessEvent.app_id.is_not(None))
            .distinct()
            .order_by(AccessEvent.app_id)
        )
    )
