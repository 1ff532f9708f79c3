"""Writing access events through the recorder, and reading them back, in tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.recorder import AccessContext, record_outcomes
from app.models.accounts import Member
from app.models.audit import AccessEvent, EventAction, Place
from permissions import (
    Field,
    Outcome,
    Purpose,
    Reason,
    Relation,
    ValueLabel,
    ValueRecord,
    default_policy,
)


def _requester(session: Session, member_id: int | None) -> None:
    """A bare member row for the requester if it has none: every request's requester has one."""
    if member_id is not None and session.get(Member, member_id) is None:
        session.add(
            Member(id=member_id, email=f"requester{member_id}@example.com", password_hash="!")
        )
        session.flush()


def _value(field: Field) -> ValueRecord:
    label = ValueLabel.WORK if field.multi_valued else None
    return ValueRecord(1, field, label, "not logged", default_policy(field))


def write_events(
    app: Flask,
    session: Session,
    subjects: Iterable[int],
    *,
    requester_id: int | None = 7,
    action: EventAction = EventAction.VIEW,
    place: Place = Place.PROFILE,
    purpose: Purpose | None = None,
    app_id: int | None = None,
    fields: Iterable[Field] = (),
    refused: Reason | None = None,
) -> None:
    """One event per subject, written (and committed) by the recorder as a request writes them.

    Each subject gets ``fields`` released, or, with ``refused``, withheld whole
    for that reason.
    """
    _requester(session, requester_id)
    values = [_value(f) for f in fields]
    context = AccessContext(
        requester_id=requester_id, action=action, place=place, app_id=app_id, purpose=purpose
    )
    if refused is None:
        outcomes = [Outcome(s, Relation.CONNECTION, values, []) for s in subjects]
    else:
        withheld = [(v, refused) for v in values]
        outcomes = [Outcome(s, Relation.CONNECTION, [], withheld, refused) for s in subjects]
    with app.test_request_context():
        record_outcomes(session, context, outcomes)


def events(session: Session, **where: Any) -> list[AccessEvent]:
    """Events matching column equalities, in chain order."""
    stmt = select(AccessEvent).order_by(AccessEvent.seq)
    for column, value in where.items():
        stmt = stmt.where(getattr(AccessEvent, column) == value)
    return list(session.scalars(stmt))


def released(event: AccessEvent) -> list[str]:
    """The value names an event says were released."""
    names: list[str] = json.loads(event.released)
    return names


def refused(event: AccessEvent) -> dict[str, str]:
    """Value name -> reason, for the values an event says were refused."""
    return dict(json.loads(event.refused))
