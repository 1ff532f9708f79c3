"""The export center pages: download, preview, errors, quota, history, self export."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.apps.blocks import block
from app.apps.grants import consent, revoke
from app.apps.registration import delete_app
from app.clock import FixedClock
from app.disclosure.service import Requester
from app.exports.quota import DatabaseQuota
from app.exports.selection import Selection
from app.exports.service import ExportOrder, start_export
from app.exports.views import PREVIEW_LIMIT
from app.extensions import limiter
from app.models.accounts import Member
from app.models.apps import OAuthEventKind
from app.models.exports import ExportRun
from app.notifications.services import set_digest_enabled
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from app.profiles.services import add_value
from permissions import Audience, Field, Policy, Purpose, Scope, ValueLabel, policy
from tests.app.apps.helpers import CB, LOOPBACK_CB, Harness, new_app
from tests.app.audit.helpers import events, released
from tests.app.exports.helpers import GENEROUS, finished_run, recruiter_with
from tests.conftest import Auth, post_form, sign_in_as
from tests.database import short_lived_app
from tests.factories import handles_against_registration, make_member, set_policy
from tests.settings import app_config

DOWNLOADABLE = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)
ORDER = {
    "contacts": "all",
    "fields": [f.value for f in Field],
    "format": "csv",
    "purpose": "recruiting",
}


def test_a_recruiter_downloads_a_csv_of_permitted_values(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, (open_, closed) = recruiter_with(session, 2)
    set_policy(session, open_.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)

    response = post_form(client, "/exports/download", ORDER)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert open_.email in text and closed.email not in text
    assert len(list(csv.DictReader(io.StringIO(text)))) == 2


def test_the_preview_shows_counts_and_releases_nothing(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, (open_, closed) = recruiter_with(session, 2)
    set_policy(session, open_.id, Field.EMAIL, DOWNLOADABLE)
    set_purposes(session, closed.id, {Purpose.RECRUITING: False})
    session.commit()
    auth.login(rita.email)
    before = len(events(session, action="download"))

    page = post_form(client, "/exports/preview", ORDER).get_data(as_text=True)

    assert "Manifest preview" in page
    assert "<strong>1</strong> of 2 selected people would be included" in page
    assert "Left out: <strong>1 person</strong>" in page
    # Two people: the reason would say what one of them chose, so none is given.
    assert "objected" not in page and "by their own choice" not in page
    assert "reasons are shown only for all your connections, 5 people or more" in page
    assert open_.email not in page
    assert len(events(session, action="download")) == before


def test_with_no_connections_the_center_says_why_there_is_nobody_to_export(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    """Found by a new-user walk: a newcomer's export answered only "No contacts are selected"."""
    newcomer = make_member(session, "Nia", "Newcomer")
    session.commit()
    auth.login(newcomer.email)

    for page in (
        client.get("/exports").get_data(as_text=True),
        post_form(client, "/exports/preview", ORDER).get_data(as_text=True),
    ):
        assert "You have no connections yet, so there is nobody to export." in page
        assert 'href="/search">Find people you know</a>' in page
    rita, _ = recruiter_with(session, 1)
    session.commit()
    auth.logout()
    auth.login(rita.email)
    assert "You have no connections yet" not in client.get("/exports").get_data(as_text=True)


def test_missing_purpose_and_unknown_choices_get_a_400(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, _ = recruiter_with(session, 1)
    session.commit()
    auth.login(rita.email)

    for bad, message in (
        ({"purpose": ""}, "Say why you export"),
        ({"format": "xlsx"}, "Not a valid choice"),
        ({"fields": ["salary"]}, "is not a valid choice"),
        ({"fields": []}, "Choose at least one field."),
        ({"purpose": "spying"}, "Not a valid choice"),
        ({"contacts": "bogus"}, "Not a valid choice"),
        ({"contacts": "people", "people": []}, "Tick at least one person"),
        ({"contacts": "search", "query": ""}, "Type part of a name"),
        # A name typed, or people ticked, under "all": exporting everyone was not
        # what was asked (found by review: the name was ignored, all were exported).
        ({"contacts": "all", "query": "Park"}, "You typed a name"),
        ({"contacts": "all", "people": ["someone"]}, "You ticked people"),
        ({"contacts": "search", "query": "Park", "people": ["someone"]}, "You ticked people"),
        ({"contacts": "people", "people": ["someone"], "query": "Park"}, "You typed a name"),
    ):
        for url in ("/exports/download", "/exports/preview"):
            response = post_form(client, url, {**ORDER, **bad})
            assert response.status_code == 400, bad
            page = response.get_data(as_text=True)
            assert message in page, (url, bad)
            assert 'id="export-form"' in page, bad  # the form again, with its error
    assert events(session, action="download") == []


def test_choosing_a_stranger_is_a_400_naming_the_problem(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, _ = recruiter_with(session, 1)
    stranger = make_member(session, "Stan", "Ger")
    session.commit()
    auth.login(rita.email)

    response = post_form(
        client, "/exports/download", {**ORDER, "contacts": "people", "people": [stranger.handle]}
    )

    assert response.status_code == 400
    assert "1 of the chosen people is not among your connections" in response.get_data(as_text=True)
    assert events(session, subject_id=stranger.id) == []


def test_a_stranger_and_a_handle_nobody_has_read_alike(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, (contact,) = recruiter_with(session, 1)
    stranger = make_member(session, "Stan", "Ger")
    session.commit()
    auth.login(rita.email)

    pages = []
    for handle in (stranger.handle, "zzzzzzzzzzzz"):
        order = {**ORDER, "contacts": "people", "people": [contact.handle, handle]}
        response = post_form(client, "/exports/download", order)
        assert response.status_code == 400
        pages.append(response.get_data(as_text=True))

    said = "1 of the chosen people is not among your connections."
    assert said in pages[0] and said in pages[1]


def test_over_the_limit_is_a_429_with_the_reset_time(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, contacts = recruiter_with(session, 3)
    for contact in contacts:
        set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)
    app.config["EXPORT_CONTACTS_PER_DAY"] = 2
    try:
        response = post_form(client, "/exports/download", ORDER)
    finally:
        app.config["EXPORT_CONTACTS_PER_DAY"] = 1000

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert "resets at 00:00 UTC" in page and "contact details of 3 people" in page
    # Back at the form, with the choices kept.
    assert 'id="export-form"' in page
    assert '<option selected value="recruiting">' in page


def test_history_lists_past_exports_with_their_manifest_only(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, (contact,) = recruiter_with(session, 1)
    set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)
    post_form(client, "/exports/download", ORDER).get_data()
    run = session.query(ExportRun).filter_by(requester_id=rita.id).one()

    page = client.get("/exports").get_data(as_text=True)
    shown = client.get(f"/exports/{run.id}/manifest").get_data(as_text=True)
    manifest = client.get(f"/exports/{run.id}/manifest.json").get_json()
    asked = client.get(f"/exports/{run.id}/manifest", headers={"Accept": "application/json"})

    assert "Past exports" in page and "1 person" in page and "1 people" not in page
    assert "Export manifest" in shown and "<strong>1</strong> of 1 selected person was" in shown
    assert "counted once each" in shown and "Values included" in shown
    assert "own_choice" not in shown
    assert manifest["people"]["included"] == 1 and contact.email not in json.dumps(manifest)
    assert asked.get_json() == manifest
    auth.logout()
    other = make_member(session)
    session.commit()
    auth.login(other.email)
    assert client.get(f"/exports/{run.id}/manifest").status_code == 404


def test_past_exports_opened_in_the_browser_show_inside_the_export_center(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: opened as a page, /exports/history was a bare fragment, unstyled.
    rita = make_member(session)
    run = finished_run(session, rita, format="csv", purpose="recruiting")
    session.commit()
    auth.login(rita.email)

    for query, target in (("", "/exports#history"), ("?history=2", "/exports?history=2#history")):
        response = client.get(f"/exports/history{query}")
        assert (response.status_code, response.location) == (302, target)
        assert "X-Requested-With" in response.headers["Vary"]
    page = client.get("/exports/history", follow_redirects=True).get_data(as_text=True)
    assert "<html" in page and 'href="/static/css/app.css' in page
    assert "Past exports" in page and f"/exports/{run.id}/manifest" in page


def test_the_export_centers_own_refresh_gets_past_exports_and_quota_alone(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita = make_member(session)
    run = finished_run(session, rita, format="csv", purpose="recruiting")
    session.commit()
    auth.login(rita.email)

    response = client.get("/exports/history", headers={"X-Requested-With": "fetch"})

    assert response.status_code == 200
    assert "X-Requested-With" in response.headers["Vary"]
    fragment = response.get_data(as_text=True)
    assert 'id="history"' in fragment and 'id="quota"' in fragment
    assert f"/exports/{run.id}/manifest" in fragment
    assert "<html" not in fragment and "<header" not in fragment


def test_a_stopped_exports_manifest_says_it_stopped_and_what_its_counts_cover(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita = make_member(session)
    done = finished_run(session, rita, format="csv", purpose="recruiting")
    stopped = finished_run(session, rita, format="csv", purpose="recruiting")
    stopped.status, stopped.contacts_selected = "failed", 3
    session.commit()
    auth.login(rita.email)
    note = "This export stopped after 1 of 3 people"
    assert note in client.get(f"/exports/{stopped.id}/manifest").get_data(as_text=True)
    assert "stopped after" not in client.get(f"/exports/{done.id}/manifest").get_data(as_text=True)


def test_an_export_whose_worker_died_reads_as_interrupted_an_hour_after_it_started(
    app: Flask, client: FlaskClient, auth: Auth, session: Session, clock: FixedClock
) -> None:
    # Found by review: a run nothing settled (its worker died mid-stream) stayed
    # "in progress" in the member's history for good.
    rita, _ = recruiter_with(session, 3)
    session.commit()
    order = ExportOrder(Selection(), (Field.FIRST_NAME,), "csv", Purpose.RECRUITING, ticket="died")
    with app.test_request_context():
        start_export(
            session, Requester(rita.id), order, GENEROUS, DatabaseQuota(session), chunk_size=1
        )  # the first person is decided and logged; the body is never streamed
    logged = [e.seq for e in events(session, requester_id=rita.id, place="export")]
    auth.login(rita.email)

    clock.advance(minutes=59)
    assert "in progress (1 of 3)" in client.get("/exports").get_data(as_text=True)
    assert client.get("/exports/progress/died").get_json()["status"] == "running"

    clock.advance(minutes=2)
    page = client.get("/exports").get_data(as_text=True)
    fragment = client.get("/exports/history", headers={"X-Requested-With": "fetch"})
    for shown in (page, fragment.get_data(as_text=True)):
        assert "interrupted after 1 of 3" in shown and "in progress" not in shown
    assert client.get("/exports/progress/died").get_json()["status"] == "interrupted"
    [kept] = json.loads(_self_export(client).read("exports.json"))
    assert (kept["status"], kept["manifest"]) == ("interrupted", None)
    assert [e.seq for e in events(session, requester_id=rita.id, place="export")] == logged
    assert len(logged) == 1


def test_progress_reports_the_run_by_ticket(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, _ = recruiter_with(session, 2)
    session.commit()
    auth.login(rita.email)

    post_form(client, "/exports/download", {**ORDER, "ticket": "abcdef123456"}).get_data()

    assert client.get("/exports/progress/abcdef123456").get_json() == {
        "status": "complete",
        "done": 2,
        "selected": 2,
    }
    assert client.get("/exports/progress/unknownticket").get_json()["status"] == "waiting"


def test_self_export_is_a_zip_of_everything_and_is_logged(
    client: FlaskClient, auth: Auth, session: Session, clock: FixedClock
) -> None:
    rita, (contact,) = recruiter_with(session, 1)
    set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)

    response = client.get("/exports/mine")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {
        "profile.json",
        "profile.csv",
        "privacy.json",
        "connections.json",
        "connections.csv",
        "invitations.json",
        "access_log.json",
        "app_grants.json",
        "README.txt",
    } <= names
    profile = json.loads(archive.read("profile.json"))
    assert profile["sign_in_email"] == rita.email
    assert {v["field"] for v in profile["values"]} >= {"first_name", "email"}
    connections = json.loads(archive.read("connections.json"))
    assert [c["id"] for c in connections["contacts"]] == [contact.handle]
    assert "Contact0" in archive.read("connections.csv").decode("utf-8-sig")
    assert {info.date_time[:3] for info in archive.infolist()} == {clock().timetuple()[:3]}
    [self_event] = events(session, subject_id=rita.id, place="self-export")
    assert self_event.requester_id == rita.id
    [seen] = events(session, subject_id=contact.id, place="self-export")
    assert (seen.action.value, released(seen)) == ("download", ["first_name", "last_name"])
    assert seen.purpose.value == "personal"


def test_a_head_request_for_my_own_data_logs_no_download(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # HEAD sends no body: the download it logged (before the first byte) never happened.
    rita, _ = recruiter_with(session, 1)
    session.commit()
    auth.login(rita.email)

    response = client.head("/exports/mine")

    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert events(session, subject_id=rita.id) == []


def test_the_own_profile_csv_is_neutralised_but_phone_numbers_are_not(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    ada = make_member(session, values={Field.HEADLINE: '=HYPERLINK("http://evil","x")'})
    add_value(session, ada.id, Field.PHONE, "+44 20 7946 0991", label=ValueLabel.MOBILE)
    session.commit()
    auth.login(ada.email)

    archive = zipfile.ZipFile(io.BytesIO(client.get("/exports/mine").get_data()))

    rows = list(csv.DictReader(io.StringIO(archive.read("profile.csv").decode())))
    values = {(r["field"], r["label"]): r["value"] for r in rows}
    assert values[("headline", "")] == '\'=HYPERLINK("http://evil","x")'
    assert values[("phone", "mobile")] == "+442079460991"


def test_the_self_export_carries_no_other_members_contact_details(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Regression: the self export used to download every connection's e-mails
    # and phones for purpose "personal", with no quota, suppression or manifest.
    rita, (contact,) = recruiter_with(session, 1)
    set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)
    add_value(session, contact.id, Field.PHONE, "+44 20 7946 0991", label=ValueLabel.WORK)
    set_policy(session, contact.id, Field.PHONE, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)

    data = client.get("/exports/mine").get_data()

    archive = zipfile.ZipFile(io.BytesIO(data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert contact.email.encode() not in everything
    assert b"7946" not in everything
    for seen in events(session, subject_id=contact.id):
        assert seen.action.value == "download" and seen.purpose.value == "personal"
        assert not {"email", "phone"} & set(released(seen))


def test_the_self_export_holds_only_the_names_connections_let_you_download(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Writing a name into a file is a download: a name only seen, or a
    # connection who keeps the member out of exports, stays out of the file.
    rita, (seen_only, keeping_out, open_) = recruiter_with(session, 3)
    view_only = Policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)
    set_policy(session, seen_only.id, Field.LAST_NAME, view_only)
    suppress(session, keeping_out.id, rita.id)
    session.commit()
    auth.login(rita.email)

    archive = zipfile.ZipFile(io.BytesIO(client.get("/exports/mine").get_data()))

    listed = archive.read("connections.csv").decode("utf-8-sig")
    assert "Person0" not in listed and "Contact0" in listed  # seen, never downloaded
    assert "Contact1" not in listed and "Person1" not in listed  # keeps Rita out
    assert "Contact2" in listed and "Person2" in listed
    assert {c["id"] for c in json.loads(archive.read("connections.json"))["contacts"]} == {
        seen_only.handle, keeping_out.handle, open_.handle
    }  # fmt: skip
    [refused] = events(session, subject_id=keeping_out.id, place="self-export")
    assert (refused.action.value, released(refused)) == ("download", [])


def test_the_people_list_and_its_logged_views_appear_only_when_choosing_people(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, (contact,) = recruiter_with(session, 1)
    session.commit()
    auth.login(rita.email)

    page = client.get("/exports").get_data(as_text=True)
    assert contact.handle not in page and events(session, subject_id=contact.id) == []

    page = client.get("/exports?contacts=people").get_data(as_text=True)
    assert f'value="{contact.handle}"' in page
    assert [e.action.value for e in events(session, subject_id=contact.id)] == ["view"]


def test_each_export_gets_a_file_name_of_its_own_and_the_center_answers_with_a_slash(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, _ = recruiter_with(session, 1)
    session.commit()
    auth.login(rita.email)

    names = {
        post_form(client, "/exports/download", ORDER).headers["Content-Disposition"]
        for _ in range(2)
    }

    assert len(names) == 2
    response = client.get("/exports/?contacts=people")
    assert response.status_code == 302 and response.location.endswith("/exports?contacts=people")


def test_the_center_says_how_many_contact_details_remain_today(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, contacts = recruiter_with(session, 2)
    for contact in contacts:
        set_policy(session, contact.id, Field.EMAIL, DOWNLOADABLE)
    session.commit()
    auth.login(rita.email)
    limit = app.config["EXPORT_CONTACTS_PER_DAY"]
    assert f"contact details (e-mail or phone) of {limit} of {limit} people" in client.get(
        "/exports"
    ).get_data(as_text=True)

    post_form(client, "/exports/download", ORDER).get_data()

    page = client.get("/exports").get_data(as_text=True)
    assert f"contact details (e-mail or phone) of {limit - 2} of {limit} people" in page
    preview = post_form(client, "/exports/preview", ORDER).get_data(as_text=True)
    assert f"This export would use 2 of the {limit - 2} contacts" in preview


def test_the_self_export_holds_my_grants_blocks_and_security_history(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, _ = recruiter_with(session, 1)
    crm, secret = new_app(app, session, rita, name="CRM Sync")
    other, _ = new_app(app, session, rita, name="Spam Cannon")
    with app.app_context():
        first = consent(session, rita.id, crm, {Scope.BASIC_VIEW}, timedelta(days=365))
        revoke(session, first, crm, "member", OAuthEventKind.REVOKED_BY_MEMBER)
        consent(session, rita.id, crm, {Scope.CONTACT_VIEW}, timedelta(days=365))
        block(session, rita.id, other)
    session.commit()
    auth.login(rita.email)

    archive = zipfile.ZipFile(io.BytesIO(client.get("/exports/mine").get_data()))
    document = json.loads(archive.read("app_grants.json"))

    grants = {(g["app"], tuple(g["scopes"]), g["revoked_because"]) for g in document["grants"]}
    assert grants == {
        ("CRM Sync", ("basic:view",), "member"),
        ("CRM Sync", ("contact:view",), None),
    }
    assert document["blocked_apps"][0]["app"] == "Spam Cannon"
    history = [(e["app"], e["event"]) for e in document["security_history"]]
    assert ("CRM Sync", "revoked-by-member") in history and ("Spam Cannon", "blocked") in history
    assert {a["name"] for a in document["apps_you_registered"]} == {"CRM Sync", "Spam Cannon"}
    assert secret not in archive.read("app_grants.json").decode()


def _self_export(browser: FlaskClient) -> zipfile.ZipFile:
    response = browser.get("/exports/mine")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_the_self_export_holds_my_digest_choice_and_when_i_made_it(
    app: Flask, oauth: Harness, clock: FixedClock
) -> None:
    untouched = json.loads(_self_export(oauth.http).read("notifications.json"))
    assert untouched["weekly_access_digest"] == {"on": True, "changed": None}

    with app.app_context():
        set_digest_enabled(oauth.session, oauth.member.id, False)
    oauth.session.commit()

    document = json.loads(_self_export(oauth.http).read("notifications.json"))
    assert document["weekly_access_digest"] == {"on": False, "changed": "2026-11-23T12:00:00Z"}
    assert document["notifications"] == []


def test_the_self_export_holds_the_apps_i_registered_and_deleted(
    app: Flask, oauth: Harness, clock: FixedClock
) -> None:
    old, _ = new_app(app, oauth.session, oauth.member, name="Ann Old Tool")
    clock.advance(minutes=5)  # within the sign-in session
    new_app(app, oauth.session, oauth.member, name="Ann New Tool")
    with app.app_context():
        delete_app(oauth.session, old)
    oauth.session.commit()

    document = json.loads(_self_export(oauth.http).read("app_grants.json"))

    kept, deleted = document["apps_you_registered"]  # newest first
    assert (kept["name"], kept["deleted"], kept["homepage"]) == (
        "Ann New Tool",
        None,
        "https://crm.example",
    )
    assert kept["redirect_uris"] == [CB, LOOPBACK_CB]
    assert deleted == {
        "name": "Ann Old Tool",
        "client_id": old.client_id,
        "description": "",
        "homepage": "",
        "purpose": "recruiting",
        "scopes": ["basic:view", "contact:sync", "contact:view"],
        "redirect_uris": [],
        "registered": "2026-11-23T12:00:00Z",
        "secret_replaced": None,
        "deleted": "2026-11-23T12:05:00Z",
        "members_with_access": 0,
    }


def test_the_self_export_names_the_app_that_made_an_export(app: Flask, oauth: Harness) -> None:
    for app_id in (None, oauth.app.id):
        finished_run(oauth.session, oauth.member, app_id=app_id, format="csv", purpose="sales")
    with app.app_context():
        delete_app(oauth.session, oauth.app)  # a deleted app is still named
    oauth.session.commit()

    runs = json.loads(_self_export(oauth.http).read("exports.json"))

    assert [(r["app"], r["status"]) for r in runs] == [(None, "complete"), ("CRM Sync", "complete")]


MANIFEST_V1 = {  # as stored before manifest version 2: one person, their reason named
    "generated_at": "2026-01-01T00:00:00Z",
    "format": "csv",
    "purpose": "recruiting",
    "contacts_selected": 1,
    "contacts": 0,
    "contacts_with_contact_details": 0,
    "left_out": {"suppressed": 1},
    "fields": ["email"],
    "released_values": {"email": 0},
    "withheld_values": {},
}


def _old_run(session: Session, requester: Member, manifest: dict) -> ExportRun:
    """A finished export whose manifest was stored as version 1 (before manifest version 2)."""
    run = ExportRun(
        requester_id=requester.id,
        format=manifest["format"],
        purpose=Purpose(manifest["purpose"]),
        fields=json.dumps(manifest["fields"]),
        contacts_selected=manifest["contacts_selected"],
        status="complete",
        manifest=json.dumps(manifest),
    )
    session.add(run)
    session.commit()
    return run


def test_the_self_export_shows_old_manifests_as_the_manifest_pages_do(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita = make_member(session, "Rita", "Recruiter")
    run = _old_run(session, rita, MANIFEST_V1)
    auth.login(rita.email)
    page = client.get(f"/exports/{run.id}/manifest.json").get_json()

    archive = zipfile.ZipFile(io.BytesIO(client.get("/exports/mine").get_data()))

    [kept] = json.loads(archive.read("exports.json"))
    assert kept["manifest"] == page
    assert kept["manifest"]["people"]["left_out_by_reason"] is None
    assert "suppressed" not in json.dumps(kept)


def test_the_self_export_does_not_tell_which_connection_registered_first(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    rita, contacts = recruiter_with(session, 3)
    handles = handles_against_registration(session, contacts)
    session.commit()
    auth.login(rita.email)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/exports/mine").get_data()))
    connections = json.loads(archive.read("connections.json"))
    assert [c["id"] for c in connections["contacts"]] == handles == ["aaaa0", "bbbb0", "cccc0"]


def test_the_people_to_choose_from_do_not_tell_who_registered_first(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: the list to tick people from was in id order, and with
    # more than 500 connections it showed the 500 who registered first.
    rita, contacts = recruiter_with(session, 3)
    handles = handles_against_registration(session, contacts)
    session.commit()
    auth.login(rita.email)
    page = client.get("/exports?contacts=people").get_data(as_text=True)
    listed = re.findall(r'name="people" value="([^"]+)"', page)
    assert listed == handles == ["aaaa0", "bbbb0", "cccc0"]


def test_an_old_manifest_of_many_people_gives_no_reasons(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: a version 1 manifest says nothing of how its people were
    # chosen, and five ticked by hand were shown with their reasons.
    rita = make_member(session, "Rita", "Recruiter")
    ticked = {
        **MANIFEST_V1,
        "contacts_selected": 5,
        "contacts": 3,
        "contacts_with_contact_details": 3,
        "left_out": {"suppressed": 1, "audience": 1},
        "released_values": {"email": 3},
        "withheld_values": {"email": {"audience": 1}},
    }
    run = _old_run(session, rita, ticked)
    auth.login(rita.email)
    shown = client.get(f"/exports/{run.id}/manifest.json").get_json()
    assert shown["people"] == {
        "selected": 5,
        "included": 3,
        "with_contact_details": 3,
        "left_out": 2,
        "left_out_by_reason": None,
    }
    assert shown["values"] == {"included": {"email": 3}, "withheld": None}
    page = client.get(f"/exports/{run.id}/manifest").get_data(as_text=True)
    assert "suppress" not in page.casefold() and "audience" not in page.casefold()


def test_previews_have_a_limit_of_their_own(
    app: Flask, database_url: str, session: Session
) -> None:
    rita, _ = recruiter_with(session, 1)
    session.commit()
    allowed = int(PREVIEW_LIMIT.split()[0])
    try:
        with short_lived_app(app_config(database_url, RATELIMIT_ENABLED=True)) as limited:
            browser = limited.test_client()
            sign_in_as(browser, rita)
            answers = [
                post_form(browser, "/exports/preview", ORDER).status_code
                for _ in range(allowed + 1)
            ]
    finally:
        limiter.reset()
        limiter.init_app(app)  # one limiter object for every app: give it back, limits off
    assert answers[:allowed] == [200] * allowed
    assert answers[-1] == 429
