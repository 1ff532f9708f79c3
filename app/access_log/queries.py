"""Reading the access log for the member it is about: filters, pages, daily counts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.audit.leaves import LEAF_KEYS, leaf_bytes
from app.audit.recorder import field_bit
from app.disclosure.accountability import requester_labels
from app.disclosure.service import Requester
from app.models.accounts import Member
from app.models.apps import OAuthClient
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
    field: Field | None = None


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
    leaf_index: int | None = None
    leaf: bytes = b""
    subject_id: int = 0
    request_id: str = ""

    @property
    def sealed(self) -> bool:
        """True once the sequencer has put the event into the Merkle tree."""
        return self.leaf_index is not None


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events, newest first, with the cursors of the pages around it.

    Pages are found by ``seq`` (keyset), never by counting rows to skip, so a
    member with hundreds of thousands of events pages as fast as one with ten.
    """

    rows: list[EventRow]
    newer: int | None  # show events after this seq ("?after=")
    older: int | None  # show events before this seq ("?before=")


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
    if filt.field is not None:
        where.append(AccessEvent.fields_mask.op("&")(field_bit(filt.field)) != 0)
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
            leaf_index=e.leaf_index,
            leaf=leaf_bytes(_columns(e)),
            subject_id=e.subject_id,
            request_id=e.request_id,
        )
        for e in events
    ]


def _columns(event: AccessEvent) -> dict[str, Any]:
    return {key: getattr(event, key) for key in LEAF_KEYS}


def _subject(reader: Requester) -> int:
    if reader.member_id is None:
        raise ValueError("only a member has an access log")
    return reader.member_id


def events_page(
    session: Session,
    reader: Requester,
    filt: EventFilter,
    *,
    before: int | None = None,
    after: int | None = None,
) -> EventPage:
    """A page of the reader's own events, newest first, requesters named as they may be.

    ``before`` gives the page of older events below that seq; ``after`` the
    page of newer ones above it; neither gives the newest page.

    Raises:
        AccessLogUnavailable: the views of requesters' names could not be logged.
    """
    where = _conditions(session, _subject(reader), filt)
    stmt = select(AccessEvent).where(*where)
    if after is not None:
        stmt = stmt.where(AccessEvent.seq > after).order_by(AccessEvent.seq)
    else:
        if before is not None:
            stmt = stmt.where(AccessEvent.seq < before)
        stmt = stmt.order_by(AccessEvent.seq.desc())
    found = list(session.scalars(stmt.limit(PER_PAGE + 1)))
    more = len(found) > PER_PAGE
    events = found[:PER_PAGE]
    if after is not None:
        events.reverse()
    rows = _rows(session, reader, events, Place.ACCESS_LOG)
    if not rows:
        return EventPage(rows, None, None)
    newest, oldest = rows[0].seq, rows[-1].seq
    has_newer = (
        more
        if after is not None
        else before is not None and _exists(session, where, AccessEvent.seq > newest)
    )
    has_older = more if after is None else _exists(session, where, AccessEvent.seq < oldest)
    return EventPage(rows, newest if has_newer else None, oldest if has_older else None)


def _exists(
    session: Session, where: list[ColumnElement[bool]], beyond: ColumnElement[bool]
) -> bool:
    return session.scalar(select(AccessEvent.seq).where(*where, beyond).limit(1)) is not None


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


def apps_of(session: Session, subject_id: int) -> list[tuple[int, str]]:
    """The apps that accessed the member's data, by name (apps are always named)."""
    app_ids = (
        select(AccessEvent.app_id)
        .where(AccessEvent.subject_id == subject_id, AccessEvent.app_id.is_not(None))
        .distinct()
        .subquery()
    )
    rows = session.execute(
        select(app_ids.c.app_id, OAuthClient.name)
        .outerjoin(OAuthClient, OAuthClient.id == app_ids.c.app_id)
        .order_by(app_ids.c.app_id)
    ).all()
    return [(app_id, name or f"App #{app_id}") for app_id, name in rows]
