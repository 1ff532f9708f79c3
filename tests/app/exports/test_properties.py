"""The core invariant for exports, over random members, values, policies, consents and purposes.

For every exporter: the file holds exactly the values the rule allows (each
parsed back with an independent parser), no withheld value appears in it in
any form, and every contact decided was logged with an access event.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent
from exporters import names
from permissions import Purpose
from tests.app.exports.contacts import check_contact, contact, expected_values, parsed, seed
from tests.app.exports.helpers import run_export
from tests.properties import no_leak


@no_leak
@given(contacts=st.lists(contact(), min_size=1, max_size=4), purpose=st.sampled_from(list(Purpose)))
def test_every_format_holds_exactly_the_allowed_values(
    app: Flask, session: Session, contacts: list[dict[str, Any]], purpose: Purpose
) -> None:
    rita, members = seed(session, contacts)
    for fmt in names():
        _check_export(app, session, rita, members, contacts, purpose, fmt)


def _check_export(
    app: Flask,
    session: Session,
    rita: Any,
    members: list[Any],
    contacts: list[dict[str, Any]],
    purpose: Purpose,
    fmt: str,
) -> None:
    before = {m.id: _logged(session, m.id, rita.id) for m in members}
    data, _run = run_export(app, session, rita, fmt=fmt, purpose=purpose)

    found = parsed(fmt, data)
    for member, c in zip(members, contacts, strict=True):
        expected = expected_values(c, purpose)
        for _f, _label, text, _p in c["values"]:
            marker = text.rsplit(" ", 1)[1]
            allowed = expected is not None and any(t == text for _, _, t in expected)
            assert (marker.encode() in data) == allowed, (text, allowed)
        if not expected:  # refused whole, or nothing they allow in downloads: not in the file
            assert member.handle not in data.decode("utf-8-sig")
        else:
            key = member.handle if fmt != "vcard" else next(k for k in found if member.handle in k)
            check_contact(fmt, found[key], expected)
        assert _logged(session, member.id, rita.id) == before[member.id] + 1


def _logged(session: Session, subject_id: int, requester_id: int) -> int:
    return (
        session.query(AccessEvent).filter_by(subject_id=subject_id, requester_id=requester_id)
    ).count()
