"""Building requesters with contacts, and running exports, for the export tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.disclosure.service import Requester
from app.exports.quota import DatabaseQuota
from app.exports.selection import Selection
from app.exports.service import ExportLimits, ExportOrder, start_export
from app.models.accounts import Member
from app.models.exports import ExportRun
from app.network.services import connect
from permissions import Field, Purpose
from tests.factories import make_member

GENEROUS = ExportLimits(contacts_per_day=1_000_000, marketing_per_day=1_000_000)


def recruiter_with(session: Session, n: int) -> tuple[Member, list[Member]]:
    """A requester connected to ``n`` new members (default policies).

    Exports take contacts in handle order; these members' handles sort in the
    order they were made (a prefix on the random handle), so a test's
    ``contacts[:2]`` is an export's first chunk of two.
    """
    requester = make_member(session, "Rita", "Recruiter")
    contacts = [make_member(session, f"Contact{i}", f"Person{i}") for i in range(n)]
    for i, contact in enumerate(contacts):
        contact.handle = ordered_handle(i, contact.handle)  # before connecting: see set_handle
        connect(session, requester.id, contact.id)
    session.flush()
    return requester, contacts


def ordered_handle(position: int, handle: str) -> str:
    """``handle`` with a prefix that sorts it at ``position`` (in any collation)."""
    return f"r{position:05d}{handle[6:]}"


def run_export(
    app,
    session: Session,
    requester: Member,
    *,
    fmt: str = "csv",
    purpose: Purpose = Purpose.RECRUITING,
    fields: Sequence[Field] = tuple(Field),
    selection: Selection | None = None,
    limits: ExportLimits = GENEROUS,
) -> tuple[bytes, int]:
    """Run an export through the service and return the whole file and the run id."""
    order = ExportOrder(selection or Selection(), tuple(fields), fmt, purpose)
    with app.test_request_context():
        prepared = start_export(
            session, Requester(requester.id), order, limits, DatabaseQuota(session)
        )
        return b"".join(prepared.body), prepared.run_id


def finished_run(session: Session, requester: Member, **details: Any) -> ExportRun:
    """A finished one-contact export of the requester's, with a manifest."""
    run = ExportRun(
        requester_id=requester.id,
        fields='["first_name"]',
        contacts_selected=1,
        contacts_done=1,
        status="complete",
        manifest=json.dumps({"contacts": 1, "fields": ["first_name"]}),
        **details,
    )
    session.add(run)
    session.flush()
    return run
