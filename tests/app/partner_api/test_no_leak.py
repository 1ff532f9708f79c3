"""The core invariant through the partner API, over random policies, scopes, purposes and blocks.

For every API path and every export format an app can reach: what comes back
is exactly what the rule allows for that app (the token's scopes, each
contact's policy and purpose choices, suppression for downloads, blocks), no
withheld value appears in any form, and every contact read has an access
event naming the app, whose released values cover every value sent.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.apps.blocks import block
from app.models.accounts import Member
from app.models.audit import AccessEvent
from app.privacy.services import set_purposes
from exporters import names
from permissions import Action, Purpose, Scope
from tests.app.apps.helpers import Harness, new_app
from tests.app.exports.contacts import check_contact, contact, expected_values, parsed, seed
from tests.conftest import sign_in_as
from tests.factories import make_member
from tests.properties import no_leak

READ_SCOPES = [s for s in Scope if not s.endswith(":sync")]


def _events(session: Session, subject: Member, app_id: int) -> list[AccessEvent]:
    return list(
        session.scalars(
            select(AccessEvent)
            .where(AccessEvent.subject_id == subject.id, AccessEvent.app_id == app_id)
            .order_by(AccessEvent.seq)
        )
    )


def _released_fields(event: AccessEvent) -> set[str]:
    return {entry.split(":", 1)[0] for entry in json.loads(event.released)}


def _as_json(expected: list[Any] | None) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for f, label, text in expected or []:
        if f.multi_valued:
            document.setdefault(f.value, []).append({"label": label.value, "value": text})
        else:
            document[f.value] = text
    return document


@st.composite
def world(draw: st.DrawFn) -> dict[str, Any]:
    contacts = draw(st.lists(contact(), min_size=1, max_size=3))
    return {
        "contacts": contacts,
        "blocked": [draw(st.booleans()) for _ in contacts],
        "scopes": frozenset(draw(st.sets(st.sampled_from(READ_SCOPES), min_size=1))),
        "purpose": draw(st.sampled_from(list(Purpose))),
        # Rita's own answer for that purpose (an objection, or a marketing opt-in).
        "rita_allows": draw(st.booleans()),
    }


def _grant(app: Flask, client: FlaskClient, session: Session, w: dict[str, Any]):
    rita, members = seed(session, w["contacts"])
    set_purposes(session, rita.id, {w["purpose"]: w["rita_allows"]})
    developer = make_member(session, "Dev", "Eloper")
    session.commit()
    registered, secret = new_app(
        app,
        session,
        developer,
        name=f"App {uuid.uuid4().hex[:6]}",
        scopes=tuple(Scope),
        purpose=w["purpose"],
    )
    for member, blocked in zip(members, w["blocked"], strict=True):
        if blocked:
            block(session, member.id, registered)
    session.commit()
    sign_in_as(client, rita)
    harness = Harness(client, session, rita, registered, secret)
    token = harness.full_flow(scope=" ".join(sorted(w["scopes"])))["access_token"]
    return harness, token, members


@no_leak
@given(w=world())
def test_an_app_receives_exactly_what_the_rule_allows(
    app: Flask, client: FlaskClient, session: Session, w: dict[str, Any]
) -> None:
    harness, token, members = _grant(app, client, session, w)
    _check_me(harness, token, w)
    _check_views(harness, token, members, w)
    for fmt in names():
        _check_export(harness, token, members, w, fmt)


def _check_me(harness: Harness, token: str, w: dict[str, Any]) -> None:
    rita = harness.member
    response = harness.api(token, "/api/v1/me")
    events = _events(harness.session, rita, harness.app.id)
    if Scope.BASIC_VIEW not in w["scopes"]:
        assert response.status_code == 403 and events == []
        return
    document = response.get_json()
    sent = {v["field"] for v in document["values"]}
    assert len(events) == 1 and sent <= _released_fields(events[0])
    if not w["rita_allows"]:
        # Her own purposes bind the app acting for her: nothing of hers, for that reason.
        assert sent == set() and rita.email not in response.get_data(as_text=True)
        assert {v["reason"] for v in document["withheld"]} == {"purpose"}
        return
    assert (rita.email in response.get_data(as_text=True)) == (Scope.CONTACT_VIEW in w["scopes"])
    assert sent == {"first_name", "last_name"} | (
        {"email"} if Scope.CONTACT_VIEW in w["scopes"] else set()
    )


def _check_views(harness: Harness, token: str, members: list[Member], w: dict[str, Any]) -> None:
    listing = harness.api(token, "/api/v1/connections?limit=100")
    singles = [harness.api(token, f"/api/v1/connections/{m.handle}") for m in members]
    if Scope.BASIC_VIEW not in w["scopes"]:
        for response in (listing, *singles):
            assert response.status_code == 403
            assert response.get_json()["code"] == "insufficient_scope"
        for member in members:
            assert _events(harness.session, member, harness.app.id) == []
        return
    assert listing.status_code == 200
    listed = {c["handle"]: c["fields"] for c in listing.get_json()["connections"]}
    for member, c, blocked, single in zip(
        members, w["contacts"], w["blocked"], singles, strict=True
    ):
        expected = expected_values(c, w["purpose"], Action.VIEW, w["scopes"], blocked=blocked)
        for document in (listed[member.handle], single.get_json()["fields"]):
            assert document == _as_json(expected)
        for _f, _label, text, _p in c["values"]:
            allowed = expected is not None and any(t == text for _, _, t in expected)
            marker = text.rsplit(" ", 1)[1].encode()
            assert (marker in listing.data) == allowed and (marker in single.data) == allowed
        events = _events(harness.session, member, harness.app.id)
        assert len(events) == 2
        for event in events:
            assert event.action == "api-read" and event.purpose is w["purpose"]
            assert set(listed[member.handle]) <= _released_fields(event)


def _check_export(
    harness: Harness, token: str, members: list[Member], w: dict[str, Any], fmt: str
) -> None:
    before = {m.id: len(_events(harness.session, m, harness.app.id)) for m in members}
    response = harness.api(token, f"/api/v1/exports/contacts?format={fmt}&purpose={w['purpose']}")
    if Scope.BASIC_DOWNLOAD not in w["scopes"]:
        assert response.status_code == 403 and response.get_json()["scope"] == "basic:download"
        for member in members:
            assert len(_events(harness.session, member, harness.app.id)) == before[member.id]
        return
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.data
    found = parsed(fmt, data)
    for member, c, blocked in zip(members, w["contacts"], w["blocked"], strict=True):
        expected = expected_values(c, w["purpose"], Action.DOWNLOAD, w["scopes"], blocked=blocked)
        for _f, _label, text, _p in c["values"]:
            allowed = expected is not None and any(t == text for _, _, t in expected)
            assert (text.rsplit(" ", 1)[1].encode() in data) == allowed, (fmt, text, allowed)
        if not expected:
            assert member.handle not in data.decode("utf-8-sig")
        else:
            key = member.handle if fmt != "vcard" else next(k for k in found if member.handle in k)
            check_contact(fmt, found[key], expected)
        events = _events(harness.session, member, harness.app.id)
        assert len(events) == before[member.id] + 1
        last = events[-1]
        assert last.action == "download" and last.purpose is w["purpose"]
        assert {f.value for f, _, _ in expected or []} <= _released_fields(last)
