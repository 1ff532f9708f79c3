"""Reading the access log for the member it is about: filters, pages, daily counts."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Tuple,
    literal,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from app.audit.leaves import BY_HANDLE, leaf_bytes
from app.audit.recorder import field_bit
from app.disclosure.accountability import RequesterLabel, requester_labels
from app.disclosure.handles import handles_of
from app.disclosure.service import Requester
from app.models.accounts import Member
from app.models.apps import OAuthClient
from app.models.audit import AccessEvent, EventAction, EventOutcome, Place
from permissions import Action, Field, Purpose, Reason

PER_PAGE = 25
BATCH = 1000  # events read at once by downloads
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
    released: tuple[str, ...]
    refused: tuple[tuple[str, Reason], ...]
    outcome: EventOutcome
    leaf_index: int | None = None
    subject_id: int = 0
    request_id: str = ""
    stored_released: str = "[]"  # the value lists as stored, for the leaf
    stored_refused: str = "[]"
    salt: str | None = None  # the leaf's secret: only ever shown to the event's subject
    leaf_format: int | None = None  # leaves.BY_HANDLE: the leaf names the requester by handle
    leaf_requester_handle: str | None = None  # the handle such a leaf holds (a former member's too)

    @property
    def sealed(self) -> bool:
        """True once the sequencer has put the event into the Merkle tree."""
        return self.leaf_index is not None

    @property
    def leaf(self) -> bytes:
        """The exact bytes of the event's Merkle leaf (made only when a proof needs them)."""
        return leaf_bytes(
            {
                "leaf_format": self.leaf_format,
                "requester_handle": self.leaf_requester_handle,
                "action": self.action,
                "app_id": self.app_id,
                "occurred_at": self.occurred_at,
                "outcome": self.outcome,
                "place": self.place,
                "purpose": self.purpose,
                "refused": self.stored_refused,
                "released": self.stored_released,
                "request_id": self.request_id,
                "requester_id": self.requester_id,
                "salt": self.salt,
                "seq": self.seq,
                "subject_id": self.subject_id,
            }
        )


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of events, newest first, with the cursors of the pages around it.

    Events are in time order (``occurred_at``, then ``seq`` between events of
    the same moment). Pages are found by keyset, never by counting rows to
    skip: a cursor is an event's ``seq``, and the page goes on from that
    event's place in time, so a member with hundreds of thousands of events
    pages, and filters by date, as fast as one with ten.
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


# Plain rows, not ORM objects: naming requesters commits (their views are
# logged), and a commit would expire loaded objects and reload each one.
_COLUMNS = (
    AccessEvent.seq,
    AccessEvent.occurred_at,
    AccessEvent.requester_id,
    AccessEvent.app_id,
    AccessEvent.subject_id,
    AccessEvent.action,
    AccessEvent.place,
    AccessEvent.purpose,
    AccessEvent.released,
    AccessEvent.refused,
    AccessEvent.outcome,
    AccessEvent.request_id,
    AccessEvent.leaf_index,
    AccessEvent.salt,
    AccessEvent.leaf_format,
)
_NEWEST_FIRST = (AccessEvent.occurred_at.desc(), AccessEvent.seq.desc())
_OLDEST_FIRST = (AccessEvent.occurred_at, AccessEvent.seq)
Labels = dict[int | None, RequesterLabel]


def _in_time_order(moment: datetime | None = None, seq: int | None = None) -> Tuple:
    """(occurred_at, seq): of the events, or of one event, bound with the columns' own types."""
    if moment is None or seq is None:
        return tuple_(AccessEvent.occurred_at, AccessEvent.seq)
    return tuple_(literal(moment, AccessEvent.occurred_at.type), literal(seq, AccessEvent.seq.type))


def _earlier(moment: datetime, seq: int) -> ColumnElement[bool]:
    """Events before the event (moment, seq) in time order: one range of the subject's index."""
    return _in_time_order() < _in_time_order(moment, seq)


def _later(moment: datetime, seq: int) -> ColumnElement[bool]:
    """Events after the event (moment, seq) in time order."""
    return _in_time_order() > _in_time_order(moment, seq)


def _select(where: Sequence[ColumnElement[bool]]) -> Select[*tuple[Any, ...]]:
    return select(*_COLUMNS).where(*where)


# Events repeat a handful of shapes (a profile view, a name in a list, an
# export of the same fields), so each distinct stored text is parsed once.
@functools.lru_cache(maxsize=1024)
def value_names(stored: str) -> tuple[str, ...]:
    """The value names of an event's stored ``released`` list."""
    return tuple(json.loads(stored))


@functools.lru_cache(maxsize=1024)
def refusals(stored: str) -> tuple[tuple[str, Reason], ...]:
    """(value name, reason) of an event's stored ``refused`` list."""
    return tuple((name, Reason(reason)) for name, reason in json.loads(stored))


def _event_row(e: Row[Any], label: RequesterLabel, leaf_handles: dict[int, str]) -> EventRow:
    return EventRow(
        seq=e.seq,
        occurred_at=e.occurred_at,
        requester_id=e.requester_id,
        requester_handle=label.handle,
        requester_name=label.name,
        app_id=e.app_id,
        action=e.action,
        place=e.place,
        purpose=e.purpose,
        released=value_names(e.released),
        refused=refusals(e.refused),
        outcome=e.outcome,
        leaf_index=e.leaf_index,
        subject_id=e.subject_id,
        request_id=e.request_id,
        stored_released=e.released,
        stored_refused=e.refused,
        salt=e.salt,
        leaf_format=e.leaf_format,
        leaf_requester_handle=None if e.requester_id is None else leaf_handles.get(e.requester_id),
    )


def _leaf_handles(session: Session, events: Sequence[Row[Any]]) -> dict[int, str]:
    """The handles that the leaves of ``events`` name their requesters by (leaves.BY_HANDLE).

    Read as the sequencer read them, former members' included: a leaf keeps
    the handle it was sealed with. A query of its own rather than a join in
    the page's query, so that query's plan stays one range of the subject's index.
    """
    ids = {e.requester_id for e in events if e.leaf_format == BY_HANDLE and e.requester_id}
    return handles_of(session, ids, former=True) if ids else {}


def _rows(
    session: Session,
    reader: Requester,
    events: Sequence[Row[Any]],
    place: Place,
    labels: Labels,
    action: Action = Action.VIEW,
) -> list[EventRow]:
    """Rows named as the reader may see (``action``: view or download) them.

    Names not in ``labels`` yet are decided (and logged).
    """
    unnamed = {e.requester_id for e in events} - labels.keys()
    if unnamed:
        labels.update(requester_labels(session, reader, unnamed, place, action))
    leaf_handles = _leaf_handles(session, events)
    return [_event_row(e, labels[e.requester_id], leaf_handles) for e in events]


def _subject(reader: Requester) -> int:
    if reader.member_id is None:
        raise ValueError("only a member has an access log")
    return reader.member_id


def _position(session: Session, seq: int, *, older: bool) -> ColumnElement[bool] | None:
    """Where a cursor stands in time: beyond (``older``: before) the event numbered ``seq``.

    The event may belong to anyone (only its time is read, to place the
    cursor) or be gone (pruned): then the nearest event on the cursor's
    side stands in for it. None when there is none: nothing lies beyond.
    """
    nearest = select(AccessEvent.occurred_at)
    if older:
        nearest = nearest.where(AccessEvent.seq <= seq).order_by(AccessEvent.seq.desc())
    else:
        nearest = nearest.where(AccessEvent.seq >= seq).order_by(AccessEvent.seq)
    moment = session.scalar(nearest.limit(1))
    if moment is None:
        return None
    return _earlier(moment, seq) if older else _later(moment, seq)


def events_page(
    session: Session,
    reader: Requester,
    filt: EventFilter,
    *,
    before: int | None = None,
    after: int | None = None,
) -> EventPage:
    """A page of the reader's own events, newest first, requesters named as they may be.

    ``before`` gives the page of older events below that event (by seq);
    ``after`` the page of newer ones above it; neither gives the newest page.

    Raises:
        AccessLogUnavailable: the views of requesters' names could not be logged.
    """
    where = _conditions(session, _subject(reader), filt)
    cursor = before if after is None else after
    beyond = None if cursor is None else _position(session, cursor, older=after is None)
    if cursor is not None and beyond is None:
        return EventPage([], None, None)
    stmt = _select(where if beyond is None else [*where, beyond])
    stmt = stmt.order_by(*(_OLDEST_FIRST if after is not None else _NEWEST_FIRST))
    found = list(session.execute(stmt.limit(PER_PAGE + 1)))
    more = len(found) > PER_PAGE
    events = found[:PER_PAGE]
    if after is not None:
        events.reverse()
    rows = _rows(session, reader, events, Place.ACCESS_LOG, {})
    if not rows:
        return EventPage(rows, None, None)
    newest, oldest = rows[0], rows[-1]
    has_newer = (
        more
        if after is not None
        else before is not None and _exists(session, where, _later(*_at(newest)))
    )
    has_older = more if after is None else _exists(session, where, _earlier(*_at(oldest)))
    return EventPage(rows, newest.seq if has_newer else None, oldest.seq if has_older else None)


def _at(row: EventRow) -> tuple[datetime, int]:
    return row.occurred_at, row.seq


def _exists(
    session: Session, where: list[ColumnElement[bool]], beyond: ColumnElement[bool]
) -> bool:
    return session.scalar(select(AccessEvent.seq).where(*where, beyond).limit(1)) is not None


def iter_events(
    session: Session, reader: Requester, filt: EventFilter, place: Place = Place.ACCESS_LOG
) -> Iterator[EventRow]:
    """Every matching event of the reader, oldest first, in batches (for downloads).

    Each requester is named once per download: their name is decided as a
    download (the names go into a file) and logged with the first batch they
    appear in.

    Raises:
        AccessLogUnavailable: the views of requesters' names could not be logged.
    """
    where = _conditions(session, _subject(reader), filt)
    labels: Labels = {}
    beyond: list[ColumnElement[bool]] = []
    while True:
        stmt = _select([*where, *beyond]).order_by(*_OLDEST_FIRST).limit(BATCH)
        batch = list(session.execute(stmt))
        if not batch:
            return
        yield from _rows(session, reader, batch, place, labels, Action.DOWNLOAD)
        last = batch[-1]
        beyond = [_later(last.occurred_at, last.seq)]


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


def named_apps(session: Session, app_ids: Select[Any]) -> list[tuple[int, str]]:
    """The apps whose ids ``app_ids`` selects (a column ``app_id``), by name, in id order.

    Apps are always named: a deleted app keeps its row and name, and an id
    with no row at all is "App #<id>". The member's log and its CSV, and the
    operator's report, name apps this one way.
    """
    ids = app_ids.subquery()
    rows = session.execute(
        select(ids.c.app_id, OAuthClient.name)
        .outerjoin(OAuthClient, OAuthClient.id == ids.c.app_id)
        .order_by(ids.c.app_id)
    ).all()
    return [(app_id, name or f"App #{app_id}") for app_id, name in rows]


def apps_of(session: Session, subject_id: int) -> list[tuple[int, str]]:
    """The apps that accessed the member's data, by name."""
    return named_apps(
        session,
        select(AccessEvent.app_id)
        .where(AccessEvent.subject_id == subject_id, AccessEvent.app_id.is_not(None))
        .distinct(),
    )
