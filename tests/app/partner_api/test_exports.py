"""GET /api/v1/exports/contacts: the export center's service, for an app, within its grant."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.apps.blocks import block
from app.disclosure.service import Requester
from app.exports.selection import Selection, SelectionKind, resolve
from app.models.accounts import Member
from app.models.audit import AccessEvent, EventAction, Place
from app.models.exports import ExportRun, QuotaUsage
from app.network.services import connect
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from permissions import Audience, Field, Policy, Purpose
from tests.app.apps.helpers import Harness
from tests.factories import make_member, set_policy

DOWNLOADABLE = Policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)
EXPORT = "/api/v1/exports/contacts?format=csv&purpose=recruiting"


def _contacts(partner: Harness, n: int, *, emails: bool = True) -> list[Member]:
    people = [make_member(partner.session, f"Con{i}", f"Tact{i}") for i in range(n)]
    for person in people:
        connect(partner.session, partner.member.id, person.id)
        if emails:
            set_policy(partner.session, person.id, Field.EMAIL, DOWNLOADABLE)
    partner.session.commit()
    return people


def _rows(data: bytes) -> dict[str, dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return {row["Contact id"]: row for row in reader}


@pytest.fixture
def token(partner: Harness) -> str:
    return partner.full_flow(scope="basic:download contact:download")["access_token"]


def test_a_csv_export_holds_what_each_contact_lets_the_member_download(
    partner: Harness, token: str
) -> None:
    allowing, withholding = _contacts(partner, 2)
    set_policy(
        partner.session,
        withholding.id,
        Field.EMAIL,
        Policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY),
    )
    partner.session.commit()
    response = partner.api(token, EXPORT)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response.data)
    assert rows[allowing.handle]["E-mail (personal)"] == allowing.email
    assert rows[withholding.handle]["First name"] == "Con1"
    assert withholding.email.encode() not in response.data


def test_each_contact_is_logged_as_a_download_through_the_app(partner: Harness, token: str) -> None:
    people = _contacts(partner, 2)
    partner.api(token, EXPORT)
    for person in people:
        event = partner.session.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == person.id)
        ).one()
        assert event.action is EventAction.DOWNLOAD and event.place is Place.EXPORT
        assert event.app_id == partner.app.id and event.requester_id == partner.member.id
        assert event.purpose is Purpose.RECRUITING


def test_a_head_request_starts_no_export(partner: Harness, token: str) -> None:
    # Found by review: HEAD ran the export up to its first chunk and never sent
    # it. Each contact's log said the app had downloaded their e-mail, the
    # member's daily limit was spent, and the run stayed "running" forever.
    people = _contacts(partner, 2)
    response = partner.http.head(EXPORT, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    partner.session.expire_all()
    logged = select(AccessEvent).where(AccessEvent.subject_id.in_([p.id for p in people]))
    assert partner.session.scalars(logged).all() == []
    assert partner.session.scalars(select(ExportRun)).all() == []
    assert partner.session.scalars(select(QuotaUsage)).all() == []


def test_without_the_contact_scope_emails_stay_out(partner: Harness) -> None:
    (person,) = _contacts(partner, 1)
    narrow = partner.full_flow(scope="basic:download")["access_token"]
    response = partner.api(narrow, EXPORT)
    assert response.status_code == 200
    assert _rows(response.data)[person.handle]["First name"] == "Con0"
    assert person.email.encode() not in response.data


def test_suppression_and_blocks_keep_a_contact_out_of_the_file(
    partner: Harness, token: str
) -> None:
    kept, suppressing, blocking = _contacts(partner, 3)
    suppress(partner.session, suppressing.id, partner.member.id)
    block(partner.session, blocking.id, partner.app)
    partner.session.commit()
    data = partner.api(token, EXPORT).data
    assert set(_rows(data)) == {kept.handle}
    for person in (suppressing, blocking):
        assert person.email.encode() not in data and b"Con1" not in data and b"Con2" not in data


@pytest.mark.parametrize("fmt", ["vcard", "json", "ndjson"])
def test_every_format_streams_with_its_manifest(partner: Harness, token: str, fmt: str) -> None:
    (person,) = _contacts(partner, 1)
    response = partner.api(token, f"/api/v1/exports/contacts?format={fmt}&purpose=recruiting")
    assert response.status_code == 200
    assert person.email.encode() in response.data
    run_id = int(response.headers["X-Export-Id"])
    assert response.headers["Link"] == f'</api/v1/exports/{run_id}/manifest>; rel="describedby"'
    manifest = partner.api(token, f"/api/v1/exports/{run_id}/manifest")
    assert manifest.status_code == 200
    assert manifest.get_json()["people"]["included"] == 1
    assert person.email not in manifest.get_data(as_text=True)


def test_a_selection_of_people_or_a_name_query(partner: Harness, token: str) -> None:
    first, second, third = _contacts(partner, 3)
    chosen = partner.api(token, f"{EXPORT}&people={first.handle},{third.handle}")
    assert set(_rows(chosen.data)) == {first.handle, third.handle}
    found = partner.api(token, f"{EXPORT}&query=Con1")
    assert set(_rows(found.data)) == {second.handle}
    # A blank choice is not everyone (found by review: ?people= exported all three).
    for blank in ("people=", "query=", "people=%20", "query=%20"):
        refused = partner.api(token, f"{EXPORT}&{blank}")
        assert refused.status_code == 400 and refused.get_json()["code"] == "invalid_request"


def test_a_name_query_matches_only_names_the_app_would_receive(
    partner: Harness, token: str
) -> None:
    # A match (200, "selected: 1") against "nobody selected" (400) would
    # otherwise confirm, guess by guess, a name the app is refused.
    kept, blocking, objecting, undownloadable = _contacts(partner, 4)
    block(partner.session, blocking.id, partner.app)
    set_purposes(partner.session, objecting.id, {Purpose.RECRUITING: False})
    set_policy(
        partner.session,
        undownloadable.id,
        Field.LAST_NAME,
        Policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY),
    )
    partner.session.commit()
    assert set(_rows(partner.api(token, f"{EXPORT}&query=Tact0").data)) == {kept.handle}
    for refused in ("Tact1", "act2", "Tact3", "Con3 Tact3"):
        response = partner.api(token, f"{EXPORT}&query={refused}")
        assert response.status_code == 400, refused
        assert response.get_json()["message"].startswith("No contacts are selected")
    # The member, who sees the view-only name, still finds that contact by it.
    by_name = Selection(SelectionKind.SEARCH, query="Tact3")
    assert resolve(partner.session, Requester(partner.member.id), by_name) == [undownloadable.id]


def test_fields_choose_the_columns(partner: Harness, token: str) -> None:
    (person,) = _contacts(partner, 1)
    response = partner.api(token, f"{EXPORT}&fields=last_name")
    assert _rows(response.data)[person.handle]["Last name"] == "Tact0"
    assert person.email.encode() not in response.data and b"Con0" not in response.data


def test_the_run_is_in_the_members_history_by_the_app(partner: Harness, token: str) -> None:
    _contacts(partner, 1)
    run_id = int(partner.api(token, EXPORT).headers["X-Export-Id"])
    run = partner.session.get(ExportRun, run_id)
    assert run is not None and run.app_id == partner.app.id
    page = partner.http.get("/exports").get_data(as_text=True)
    assert "by Talent Finder" in page


def test_a_purpose_other_than_the_grants_is_refused(partner: Harness, token: str) -> None:
    _contacts(partner, 1)
    response = partner.api(token, "/api/v1/exports/contacts?format=csv&purpose=sales")
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "purpose_mismatch" and "recruiting" in body["message"]
    assert partner.session.scalars(select(ExportRun)).all() == []


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("purpose=recruiting", "format"),
        ("format=xlsx&purpose=recruiting", "format"),
        ("format=csv", "purpose"),
        ("format=csv&purpose=charity", "purpose"),
        ("format=csv&purpose=recruiting&people=a,b&query=x", "people"),
        ("format=csv&purpose=recruiting&people=no;pe", "people"),
    ],
)
def test_bad_export_parameters_are_a_400_naming_them(
    partner: Harness, token: str, query: str, named: str
) -> None:
    response = partner.api(token, f"/api/v1/exports/contacts?{query}")
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_request"
    assert f"'{named}'" in response.get_json()["message"]


def test_people_who_are_not_connections_are_a_400(partner: Harness, token: str) -> None:
    stranger = make_member(partner.session, "Stan", "Ger")
    partner.session.commit()
    response = partner.api(token, f"{EXPORT}&people={stranger.handle}")
    assert response.status_code == 400
    assert "Stan" not in response.get_data(as_text=True)


def test_a_stranger_and_nobody_get_the_same_answer(partner: Harness, token: str) -> None:
    stranger = make_member(partner.session, "Stan", "Ger")
    partner.session.commit()
    stranger_answer = partner.api(token, f"{EXPORT}&people={stranger.handle}")
    nobody_answer = partner.api(token, f"{EXPORT}&people=zzzzzzzzzzzz")
    assert stranger_answer.status_code == nobody_answer.status_code == 400
    assert stranger_answer.get_json() == nobody_answer.get_json()
    assert stranger_answer.get_json()["code"] == "invalid_request"


def test_view_scopes_alone_cannot_export(partner: Harness) -> None:
    viewer = partner.full_flow(scope="basic:view contact:view")["access_token"]
    response = partner.api(viewer, EXPORT)
    assert response.status_code == 403
    assert response.get_json()["scope"] == "basic:download"


def test_the_manifest_of_another_apps_or_members_export_is_not_found(
    partner: Harness, token: str
) -> None:
    _contacts(partner, 1)
    run_id = int(partner.api(token, EXPORT).headers["X-Export-Id"])
    own = partner.http.get(f"/exports/{run_id}/manifest.json")
    assert own.status_code == 200
    other = partner.session.scalars(select(ExportRun)).one()
    other.app_id = None  # as if the member had made it in the export center
    partner.session.commit()
    assert partner.api(token, f"/api/v1/exports/{run_id}/manifest").status_code == 404
    assert partner.api(token, "/api/v1/exports/99999999999999/manifest").status_code == 404


@pytest.fixture
def small_app_quota(app: Flask) -> Iterator[None]:
    before = app.config["EXPORT_APP_CONTACTS_PER_DAY"]
    app.config["EXPORT_APP_CONTACTS_PER_DAY"] = 2
    yield
    app.config["EXPORT_APP_CONTACTS_PER_DAY"] = before


def test_the_apps_own_daily_limit_per_member(
    partner: Harness, token: str, small_app_quota: None
) -> None:
    _contacts(partner, 2)
    assert partner.api(token, EXPORT).status_code == 200
    refused = partner.api(token, EXPORT)
    assert refused.status_code == 429
    assert refused.get_json()["code"] == "quota_exceeded"
    assert "this app" in refused.get_json()["message"]
    assert int(refused.headers["Retry-After"]) > 0


def test_an_app_limit_of_0_lets_no_contact_details_through_apps(
    app: Flask, partner: Harness, token: str
) -> None:
    (person,) = _contacts(partner, 1)
    before = app.config["EXPORT_APP_CONTACTS_PER_DAY"]
    app.config["EXPORT_APP_CONTACTS_PER_DAY"] = 0
    try:
        bodies = []
        for path in (EXPORT, EXPORT.replace("csv", "json"), EXPORT.replace("csv", "vcard")):
            refused = partner.api(token, path)
            assert refused.status_code == 429
            assert refused.get_json()["code"] == "quota_exceeded"
            bodies.append(refused.data)
        assert all(person.email.encode() not in body for body in bodies)
        # The refusals took nothing from the member's own limit.
        center = partner.http.get("/exports/", follow_redirects=True).get_data(as_text=True)
        limit = app.config["EXPORT_CONTACTS_PER_DAY"]
        assert f"contact details (e-mail or phone) of {limit} of {limit} people" in center
    finally:
        app.config["EXPORT_APP_CONTACTS_PER_DAY"] = before


def test_an_apps_exports_count_against_the_members_own_limit(
    app: Flask, partner: Harness, token: str
) -> None:
    _contacts(partner, 2)
    before = app.config["EXPORT_CONTACTS_PER_DAY"]
    app.config["EXPORT_CONTACTS_PER_DAY"] = 3
    try:
        assert partner.api(token, EXPORT).status_code == 200
        center = partner.http.get("/exports/", follow_redirects=True).get_data(as_text=True)
        assert "contact details (e-mail or phone) of 1 of 3 people" in center
        assert partner.api(token, EXPORT).status_code == 429
    finally:
        app.config["EXPORT_CONTACTS_PER_DAY"] = before
