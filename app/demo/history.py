"""A few weeks of access history for the demo network, made through the real paths.

A newcomer's "Who accessed my data" page should not be empty: members view
each other's profiles, search, and the recruiter exports contacts, on days
in the past. Every event is written by :func:`app.disclosure.service.disclose`
(or the export service) with the app's clock set to that day, so the log,
its hash chain and the quotas are exactly what real use would leave.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import clock_at, utcnow
from app.disclosure.service import Requester, disclose
from app.exports.quota import DatabaseQuota
from app.exports.selection import Selection, SelectionKind, connection_ids
from app.exports.service import ExportLimits, ExportOrder, start_export
from app.models.accounts import Member
from app.models.audit import AccessEvent, Place
from permissions import Action, Field, Purpose

DAYS = 21
EXPORT_DAYS = (3, 10, 17)
GENEROUS = ExportLimits(contacts_per_day=100_000, marketing_per_day=100_000)


def load_history(
    session: Session, member_ids: Sequence[int], recruiter_id: int, rng: random.Random
) -> int:
    """Write ``DAYS`` days of views and exports ending yesterday; nothing if any event exists.

    Returns how many access events were written.
    """
    if session.scalar(select(func.count()).select_from(AccessEvent)):
        return 0
    handles = dict(session.execute(select(Member.id, Member.handle)).all())
    start = (utcnow() - timedelta(days=DAYS)).replace(hour=8, minute=0, second=0, microsecond=0)
    for day in range(DAYS):
        with clock_at(start + timedelta(days=day, minutes=rng.randint(0, 600))) as clock:
            for _ in range(rng.randint(6, 16)):
                viewer, subject = rng.sample(list(member_ids), 2)
                disclose(
                    session, Requester(viewer), [subject], action=Action.VIEW, place=Place.PROFILE
                )
                clock.advance(minutes=rng.randint(1, 30))
            if day in EXPORT_DAYS:
                _export(session, recruiter_id, rng, handles)
    return int(session.scalar(select(func.count()).select_from(AccessEvent)) or 0)


def _export(
    session: Session, recruiter_id: int, rng: random.Random, handles: dict[int, str]
) -> None:
    chosen = rng.sample(sorted(connection_ids(session, recruiter_id)), 25)  # the same each load
    order = ExportOrder(
        Selection(SelectionKind.PEOPLE, tuple(handles[i] for i in chosen)),
        (Field.FIRST_NAME, Field.LAST_NAME, Field.COMPANY, Field.EMAIL),
        "csv",
        Purpose.RECRUITING,
    )
    prepared = start_export(
        session, Requester(recruiter_id), order, GENEROUS, DatabaseQuota(session)
    )
    for _chunk in prepared.body:  # the file goes nowhere; its decisions are logged
        pass
