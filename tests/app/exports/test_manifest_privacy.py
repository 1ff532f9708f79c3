"""A manifest never tells who withheld what, over random selections and members' choices.

For any selection of people and any choices they made, the manifest (the
preview, the one kept under Past exports, and the one inside JSON and NDJSON
files) counts people and values only; a member's own choices are one bucket;
below five people it gives no reasons and no withheld counts at all; and a
world where each member made the *other* own choice gives the very same
manifest, so nothing in it can tell the two apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.disclosure.service import Requester
from app.exports.manifest import (
    APP_SCOPE,
    MIN_PEOPLE_FOR_REASONS,
    NOTHING_DOWNLOADABLE,
    THEIR_SETTINGS,
    ManifestTally,
)
from app.exports.selection import Selection, SelectionKind
from app.exports.service import ExportOrder, preview
from app.models.accounts import Member
from app.models.exports import ExportRun
from app.models.network import Connection
from app.network.services import connect
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from permissions import (
    Audience,
    Field,
    Outcome,
    Purpose,
    Reason,
    Relation,
    ValueLabel,
    ValueRecord,
    default_policy,
    policy,
)
from tests.app.exports.helpers import run_export
from tests.factories import make_member, set_policy
from tests.properties import no_leak

SHARES = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)
VIEW_ONLY = policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)
NOTHING = policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)
CHOICES = ["shares", "hides_email", "nothing", "suppressed", "objects"]
# The two ways a member keeps themselves out by their own choice.
SWAP = {"suppressed": "objects", "objects": "suppressed"}
FIELDS = (Field.FIRST_NAME, Field.LAST_NAME, Field.EMAIL)


def _world(session: Session, choices: list[str], purpose: Purpose) -> Any:
    rita = make_member(session, "Rita", "Requester")
    for choice in choices:
        member = make_member(session, "Contact", "Person")
        connect(session, rita.id, member.id)
        set_policy(session, member.id, Field.EMAIL, VIEW_ONLY if choice != "shares" else SHARES)
        if choice == "nothing":
            for field in (Field.FIRST_NAME, Field.LAST_NAME):
                set_policy(session, member.id, field, NOTHING)
        opted_in = choice != "objects"
        answers = {Purpose.MARKETING: opted_in}
        if choice == "objects" and purpose is not Purpose.MARKETING:
            answers[purpose] = False
        set_purposes(session, member.id, answers)
        if choice == "suppressed":
            suppress(session, member.id, rita.id)
    session.flush()
    return rita


def _without_time(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k != "generated_at"}


def _order(purpose: Purpose, fmt: str = "json") -> ExportOrder:
    return ExportOrder(Selection(), FIELDS, fmt, purpose)


@no_leak
@given(
    choices=st.lists(st.sampled_from(CHOICES), min_size=1, max_size=8),
    purpose=st.sampled_from(list(Purpose)),
)
def test_a_manifest_never_tells_who_withheld_what(
    app: Flask, session: Session, choices: list[str], purpose: Purpose
) -> None:
    rita = _world(session, choices, purpose)
    with app.test_request_context():
        seen = preview(session, Requester(rita.id), _order(purpose))

    people, values = seen["people"], seen["values"]
    assert people["selected"] == len(choices)
    assert people["included"] + people["left_out"] == len(choices)
    assert people["included"] == sum(c in ("shares", "hides_email") for c in choices)
    if len(choices) < MIN_PEOPLE_FOR_REASONS:
        assert people["left_out_by_reason"] is None and values["withheld"] is None
    else:
        reasons = people["left_out_by_reason"]
        assert set(reasons) <= {"own_choice", "nothing_downloadable"}
        assert reasons.get("own_choice", 0) == sum(c in SWAP for c in choices)
    text = json.dumps(seen)
    assert "suppress" not in text and "object" not in text and "opt" not in text

    # The same export where each of them made the other own choice: not a byte differs.
    swapped = _world(session, [SWAP.get(c, c) for c in choices], purpose)
    with app.test_request_context():
        other = preview(session, Requester(swapped.id), _order(purpose))
    assert _without_time(other) == _without_time(seen)

    # What is kept, and what travels inside a JSON or NDJSON file, is that same manifest.
    for fmt in ("json", "ndjson"):
        data, run_id = run_export(app, session, rita, fmt=fmt, purpose=purpose, fields=FIELDS)
        kept = json.loads(session.get(ExportRun, run_id).manifest)
        if fmt == "json":
            carried = json.loads(data)["manifest"]
        else:
            carried = json.loads(data.decode().splitlines()[-1])
            assert carried.pop("type") == "manifest"
        assert (
            _without_time(kept) == _without_time(carried) == _without_time(seen | {"format": fmt})
        )


def test_people_chosen_by_hand_get_no_reasons_however_many(app: Flask, session: Session) -> None:
    # Five known people, then the same five and one more: with reasons, the
    # difference would be exactly what the sixth person chose.
    rita = _world(session, ["shares"] * 5 + ["suppressed"], Purpose.RECRUITING)
    handles = [m.handle for m in _connections_of(session, rita.id)]
    by_hand = [Selection(SelectionKind.PEOPLE, handles=tuple(handles))]
    by_hand.append(Selection(SelectionKind.SEARCH, query="Person"))
    with app.test_request_context():
        everyone = preview(session, Requester(rita.id), _order(Purpose.RECRUITING))
        chosen = [
            preview(
                session,
                Requester(rita.id),
                ExportOrder(selection, FIELDS, "json", Purpose.RECRUITING),
            )
            for selection in by_hand
        ]
    assert everyone["people"]["left_out_by_reason"] == {"own_choice": 1}
    assert everyone["values"]["withheld"] is not None
    for seen in chosen:
        assert seen["people"]["selected"] == 6 and seen["people"]["left_out"] == 1
        assert seen["people"]["left_out_by_reason"] is None
        assert seen["values"]["withheld"] is None


def _connections_of(session: Session, member_id: int) -> list[Any]:
    return list(
        session.scalars(
            select(Member)
            .join(Connection, Connection.other_id == Member.id)
            .where(Connection.member_id == member_id)
            .order_by(Member.id)
        )
    )


def test_the_tally_counts_people_and_values_by_field_and_why_they_were_withheld():
    def value(field, label=None):
        return ValueRecord(0, field, label, "", default_policy(field))

    name, email = value(Field.FIRST_NAME), value(Field.EMAIL, ValueLabel.WORK)
    phone = value(Field.PHONE, ValueLabel.MOBILE)
    tally = ManifestTally("csv", Purpose.RECRUITING, [Field.FIRST_NAME, Field.EMAIL, Field.PHONE])
    tally.add(
        [
            Outcome(i, Relation.CONNECTION, [name, email], [(phone, Reason.AUDIENCE)])
            for i in range(4)
        ]
    )
    tally.add(
        [
            Outcome(10, Relation.CONNECTION, [name], [(email, Reason.SCOPE)]),
            Outcome(11, Relation.CONNECTION, [], [(name, Reason.AUDIENCE)]),
        ]
    )
    document = tally.document(datetime(2026, 11, 29, tzinfo=UTC))

    assert document["people"] == {
        "selected": 6,
        "included": 5,
        "with_contact_details": 4,
        "left_out": 1,
        "left_out_by_reason": {NOTHING_DOWNLOADABLE: 1},
    }
    assert document["values"]["included"] == {"first_name": 5, "email": 4, "phone": 0}
    assert document["values"]["withheld"] == {
        "email": {APP_SCOPE: 1},
        "phone": {THEIR_SETTINGS: 4},
    }
