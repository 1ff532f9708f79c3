"""Reading a member's log: pages in time order by keyset, date filters, named once per download."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.access_log import queries
from app.access_log.daily import daily_counts
from app.access_log.queries import (
    EventFilter,
    EventPage,
    events_page,
    iter_events,
)
from app.audit.leaves import LEAF_KEYS, leaf_bytes
from app.clock import FixedClock
from app.disclosure.service import Requester
from app.models.audit import AccessEvent, Place
from permissions import Field
from tests.app.audit.helpers import events, write_events
from tests.factories import connect_members, make_member


def _day_by_day(app: Flask, session: Session, clock: FixedClock, subject: int, days: int) -> None:
    for _ in range(days):
        write_events(app, session, [subject], fields=[Field.EMAIL])
        clock.advance(days=1)


def _walk_older(session: Session, reader: Requester, filt: EventFilter) -> list[EventPage]:
    pages = [events_page(session, reader, filt)]
    while pages[-1].older is not None:
        pages.append(events_page(session, reader, filt, before=pages[-1].older))
    return pages


def test_pages_walk_back_through_every_event_once_newest_first(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    session.commit()
    _day_by_day(app, session, clock, member.id, 60)
    reader = Requester(member.id)

    pages = _walk_older(session, reader, EventFilter())

    assert [len(p.rows) for p in pages] == [25, 25, 10]
    seen = [row.occurred_at for page in pages for row in page.rows]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 60
    assert pages[0].newer is None and pages[1].newer == pages[1].rows[0].seq
    back = events_page(session, reader, EventFilter(), after=pages[2].newer)
    assert [r.seq for r in back.rows] == [r.seq for r in pages[1].rows]


def test_events_are_in_the_order_they_happened_even_when_numbered_otherwise(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Two requests: the later one's events can be numbered first (a slow
    # request commits last), and the page must still read as a timeline.
    member = make_member(session)
    session.commit()
    _day_by_day(app, session, clock, member.id, 3)
    first = events(session, subject_id=member.id)[0]
    session.execute(
        update(AccessEvent)
        .where(AccessEvent.seq == first.seq)
        .values(occurred_at=clock.advance(days=2))
    )
    session.commit()

    rows = events_page(session, Requester(member.id), EventFilter()).rows

    assert rows[0].seq == first.seq
    assert [r.occurred_at for r in rows] == sorted((r.occurred_at for r in rows), reverse=True)


def test_a_month_filter_pages_within_that_month(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    session.commit()
    clock.current = datetime.fromisoformat("2026-01-01T08:00:00+00:00")
    _day_by_day(app, session, clock, member.id, 120)
    march = EventFilter(start=date(2026, 3, 1), end=date(2026, 3, 31))

    pages = _walk_older(session, Requester(member.id), march)

    days = [row.occurred_at.date() for page in pages for row in page.rows]
    assert len(days) == 31 and min(days) == date(2026, 3, 1) and max(days) == date(2026, 3, 31)


def test_a_cursor_from_elsewhere_only_places_the_page_in_time(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    ada, bob = make_member(session), make_member(session)
    session.commit()
    _day_by_day(app, session, clock, ada.id, 4)
    write_events(app, session, [bob.id])
    _day_by_day(app, session, clock, ada.id, 4)
    bobs = events(session, subject_id=bob.id)[0]

    page = events_page(session, Requester(ada.id), EventFilter(), before=bobs.seq)

    assert len(page.rows) == 4 and all(r.subject_id == ada.id for r in page.rows)
    assert all(r.occurred_at <= bobs.occurred_at for r in page.rows)
    beyond = events_page(session, Requester(ada.id), EventFilter(), after=10**12)
    assert beyond.rows == []


def test_a_download_names_each_requester_once_however_many_batches(
    app: Flask, session: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "BATCH", 4)
    ada, bob = make_member(session, "Ada", "Byron"), make_member(session, "Bob", "Viewer")
    connect_members(session, ada, bob)
    session.commit()
    for _ in range(10):
        write_events(app, session, [ada.id], requester_id=bob.id, fields=[Field.EMAIL])
        clock.advance(hours=1)

    with app.test_request_context():
        rows = list(iter_events(session, Requester(ada.id), EventFilter()))

    assert len(rows) == 10 and {r.requester_name for r in rows} == {"Bob Viewer"}
    views_of_bob = events(session, subject_id=bob.id, place=Place.ACCESS_LOG)
    assert len(views_of_bob) == 1  # one logged view of Bob's name, not one per batch


def test_a_rows_leaf_is_the_leaf_the_log_hashed(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    session.commit()
    write_events(app, session, [member.id], fields=[Field.EMAIL, Field.PHONE])
    stored = events(session, subject_id=member.id)[0]

    (row,) = events_page(session, Requester(member.id), EventFilter()).rows

    assert row.leaf == leaf_bytes({key: getattr(stored, key) for key in LEAF_KEYS})


def test_daily_counts_put_each_event_on_its_utc_day_with_zeros_between(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    session.commit()
    for moment in ("2026-03-01T23:59:59", "2026-03-02T00:00:00", "2026-03-02T12:00:00"):
        clock.current = datetime.fromisoformat(moment + "+00:00")
        write_events(app, session, [member.id])
    clock.current = datetime.fromisoformat("2026-01-01T00:00:00+00:00")  # before the chart
    write_events(app, session, [member.id])

    counts = daily_counts(session, member.id, date(2026, 3, 3), days=5)

    assert counts == [
        (date(2026, 2, 27), 0),
        (date(2026, 2, 28), 0),
        (date(2026, 3, 1), 1),
        (date(2026, 3, 2), 2),
        (date(2026, 3, 3), 0),
    ]
