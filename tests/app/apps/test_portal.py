"""The developer portal: register (secret shown once), list with grant counts, rotate, delete."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.apps.credentials import digest
from app.apps.registration import AppError, check_url, delete_app
from app.models.apps import OAuthClient, OAuthEvent, OAuthEventKind, OAuthGrant
from tests.app.apps.helpers import Harness, basic
from tests.conftest import post_form, sign_in_as
from tests.factories import make_member

FORM = {
    "name": "Talent Radar",
    "description": "Finds candidates among your connections.",
    "homepage": "https://radar.example",
    "purpose": "recruiting",
    "redirect_uris": "https://radar.example/cb\r\nhttp://127.0.0.1:8080/cb\r\n",
    "scopes": ["basic:view", "contact:view"],
    "auth_method": "client_secret_basic",
}
SECRET = re.compile(r'id="client-secret">(fgcs_[A-Za-z0-9_-]+)<')


@pytest.fixture
def developer(client: FlaskClient, session) -> object:
    member = make_member(session, "Dana", "Developer")
    session.commit()
    sign_in_as(client, member)
    return member


def test_registering_shows_the_secret_once_and_stores_its_digest(
    client: FlaskClient, session, developer
) -> None:
    response = post_form(client, "/developers/apps/new", FORM)
    assert response.status_code == 201
    secret = SECRET.search(response.get_data(as_text=True)).group(1)
    registered = session.scalars(select(OAuthClient)).one()
    assert registered.secret_hash == digest(secret)
    assert registered.allowed_scope == "basic:view contact:view"
    assert registered.redirect_uris == '["https://radar.example/cb", "http://127.0.0.1:8080/cb"]'
    detail = client.get(f"/developers/apps/{registered.id}").get_data(as_text=True)
    assert registered.client_id in detail and secret not in detail
    assert "hidden (made " in detail
    listing = client.get("/developers").get_data(as_text=True)
    assert "Talent Radar" in listing and registered.client_id in listing


def test_a_first_time_developer_finds_the_api_reference_from_the_portal(
    client: FlaskClient, session, developer
) -> None:
    """Found by a new-user walk: nothing linked to /api/v1/docs, so the portal ended at OAuth."""
    portal = client.get("/developers").get_data(as_text=True)
    assert 'href="/api/v1/docs">API reference</a>' in portal
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"redirect_uris": "http://radar.example/cb"}, "must use https"),
        ({"redirect_uris": "http://localhost:8080/cb"}, "must use https"),
        (
            {"redirect_uris": "https://*.radar.example/cb"},
            "without a fragment, user name or wildcard",
        ),
        ({"redirect_uris": "https://radar.example/cb#x"}, "without a fragment"),
        ({"redirect_uris": "radar.example/cb"}, "must be a full URL"),
        ({"redirect_uris": "\r\n"}, "Register at least one redirect URI."),
        ({"homepage": "ftp://radar.example"}, "must use https"),
        ({"scopes": []}, "Choose at least one scope"),
        ({"scopes": ["admin:all"]}, "is not a valid choice"),
        ({"purpose": "spam"}, "Not a valid choice"),
        ({"auth_method": "none"}, "Not a valid choice"),
    ],
)
def test_a_bad_registration_is_refused_with_a_message(
    client: FlaskClient, session, developer, change: dict, message: str
) -> None:
    response = post_form(client, "/developers/apps/new", {**FORM, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert session.scalars(select(OAuthClient)).all() == []


WTFORMS_OWN = ("This field is required", "Field must be", "Field cannot be")


def test_a_blank_registration_says_what_to_give_at_each_box(
    client: FlaskClient, session, developer
) -> None:
    """Found by review: the registration form gave WTForms' own "This field is required."."""
    blank = dict.fromkeys(("name", "description", "homepage", "redirect_uris", "purpose"), "")
    page = post_form(client, "/developers/apps/new", {**FORM, **blank, "auth_method": ""})
    shown = page.get_data(as_text=True).replace("&#39;", "'")
    for message in (
        "Give the app a name.",
        "Say what the app does.",
        "Give the app's homepage.",
        "Register at least one redirect URI.",
        "Choose the app's purpose.",
        "Choose how the app authenticates at the token endpoint.",
    ):
        assert message in shown
    long = post_form(client, "/developers/apps/new", {**FORM, "name": "n" * 81})
    assert "Use at most 80 characters." in long.get_data(as_text=True)
    for text in (shown, long.get_data(as_text=True)):
        assert not any(own in text for own in WTFORMS_OWN)
    assert session.scalars(select(OAuthClient)).all() == []


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://app.example/cb", True),
        ("http://127.0.0.1:8080/cb", True),
        ("http://[::1]:8080/cb", True),
        ("http://app.example/cb", False),
        ("http://localhost:8080/cb", False),
        ("https://*.example/cb", False),
        ("https://app.example/cb#frag", False),
        ("https://user@app.example/cb", False),
        ("com.example.app:/cb", False),
        ("/relative/cb", False),
        ("https://app.example:99999/cb", False),
        ("https://app.example/c b", False),
        ("https://app.éxample/cb", False),
        ("https://xn--app-9na.example/cb", True),
        ("https://%zz/cb", False),
        ("https://app..example/cb", False),
        ("https://-app.example/cb", False),
        ("https://app_x.example/cb", False),
        # An IPv6 zone id is no host a browser can reach, and its text went into
        # the consent page's CSP header, where ';' and ',' start new directives
        # and policies (found by review).
        ("https://[fe80::1%25eth0]/cb", False),
        ("https://[fe80::1%;sandbox;]/cb", False),
        ("http://[::1%,script-src]:8080/cb", False),
    ],
)
def test_the_redirect_uri_rules(url: str, ok: bool) -> None:
    if ok:
        assert check_url(url, "redirect URI") == url
    else:
        with pytest.raises(AppError):
            check_url(url, "redirect URI")


def test_the_portal_counts_live_grants(oauth: Harness, app: Flask) -> None:
    oauth.full_flow()
    developer_browser = app.test_client()
    developer = oauth.session.get(type(oauth.member), oauth.app.developer_id)
    sign_in_as(developer_browser, developer)
    page = developer_browser.get("/developers").get_data(as_text=True)
    row = page[page.index(oauth.app.client_id) :]
    assert re.search(r"<td[^>]*>1</td>", row)


def test_rotating_the_secret_retires_the_old_one_at_once(oauth: Harness, app: Flask) -> None:
    issued = oauth.full_flow()
    developer_browser = app.test_client()
    sign_in_as(developer_browser, oauth.session.get(type(oauth.member), oauth.app.developer_id))

    page = post_form(developer_browser, f"/developers/apps/{oauth.app.id}/secret")

    new_secret = SECRET.search(page.get_data(as_text=True)).group(1)
    refresh = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    old = oauth.http.post(
        "/oauth/token", data=refresh, headers=basic(oauth.client_id, oauth.secret)
    )
    assert old.status_code == 401
    new = oauth.http.post("/oauth/token", data=refresh, headers=basic(oauth.client_id, new_secret))
    assert new.status_code == 200  # members' grants and tokens stay valid


def test_deleting_an_app_revokes_every_grant(oauth: Harness, app: Flask) -> None:
    issued = oauth.full_flow()
    developer_browser = app.test_client()
    sign_in_as(developer_browser, oauth.session.get(type(oauth.member), oauth.app.developer_id))

    response = post_form(developer_browser, f"/developers/apps/{oauth.app.id}/delete")

    assert response.status_code == 302
    assert oauth.api(issued["access_token"]).status_code == 401
    assert oauth.refresh(issued["refresh_token"]).status_code == 401  # the app is unknown now
    params, _ = oauth.authorize_params()
    assert oauth.authorize(params).status_code == 400  # an unknown client: the error page
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    assert grant.revoked_reason == "app_deleted"
    ann_saw = oauth.session.scalars(
        select(OAuthEvent.kind).where(OAuthEvent.member_id == oauth.member.id)
    ).all()
    assert ann_saw[-1] is OAuthEventKind.APP_DELETED
    assert "You have not registered an app yet." in developer_browser.get("/developers").get_data(
        as_text=True
    )
    assert developer_browser.get(f"/developers/apps/{oauth.app.id}").status_code == 404


def test_a_deleted_app_keeps_its_name_and_not_what_the_developer_wrote(
    oauth: Harness, app: Flask
) -> None:
    oauth.full_flow()  # Ann used the app
    with app.app_context():
        delete_app(oauth.session, oauth.app)
    oauth.session.commit()
    oauth.session.expire_all()

    row = oauth.session.get(OAuthClient, oauth.app.id)
    assert row.deleted_at is not None
    assert (row.name, row.client_id) == ("CRM Sync", oauth.client_id)
    assert (row.description, row.homepage, row.redirect_uris, row.secret_hash) == ("", "", "[]", "")
    # Members who used it still see it by name in their history.
    names = oauth.session.scalars(
        select(OAuthEvent.app_name).where(OAuthEvent.member_id == oauth.member.id)
    ).all()
    assert set(names) == {"CRM Sync"}
    page = oauth.http.get("/apps").get_data(as_text=True)
    assert "CRM Sync" in page and "crm.example" not in page


def test_a_developer_manages_only_their_own_apps(oauth: Harness) -> None:
    # Ann is signed in; the app is Dev's.
    assert oauth.http.get(f"/developers/apps/{oauth.app.id}").status_code == 404
    assert post_form(oauth.http, f"/developers/apps/{oauth.app.id}/secret").status_code == 404
    assert post_form(oauth.http, f"/developers/apps/{oauth.app.id}/delete").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "CRM\u202eccyS"}, "The name contains a control character"),
        ({"name": "CRM\x1b[2J"}, "The name contains a control character"),
        ({"description": "Line one\r\nLine\x07 two"}, "The description contains a control"),
        ({"homepage": "https://radar.example/\x01"}, "must be plain ASCII"),
        ({"redirect_uris": "https://radar.example/\x7fcb"}, "must be plain ASCII"),
    ],
)
def test_names_and_urls_that_could_mislead_or_break_are_refused(
    client: FlaskClient, session, developer, change: dict, message: str
) -> None:
    response = post_form(client, "/developers/apps/new", {**FORM, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(OAuthClient)).all() == []


def _hidden(page: str, name: str) -> str:
    found = re.search(
        rf'name="{name}" type="hidden" value="([^"]+)"|type="hidden" name="{name}" value="([^"]+)"',
        page,
    )
    assert found, f"no hidden {name} field"
    return found.group(1) or found.group(2)


def test_the_registration_form_sent_again_registers_nothing(
    client: FlaskClient, session, developer
) -> None:
    # A reload of the page that shows the secret sends the same form again.
    once = _hidden(client.get("/developers/apps/new").get_data(as_text=True), "once")
    first = post_form(client, "/developers/apps/new", {**FORM, "once": once})
    assert first.status_code == 201 and SECRET.search(first.get_data(as_text=True))

    again = post_form(client, "/developers/apps/new", {**FORM, "once": once})

    registered = session.scalars(select(OAuthClient)).one()
    assert again.status_code == 302
    assert again.headers["Location"] == f"/developers/apps/{registered.id}"
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "nothing new was registered" in page and not SECRET.search(page)
    another = _hidden(client.get("/developers/apps/new").get_data(as_text=True), "once")
    assert another != once
    assert post_form(client, "/developers/apps/new", {**FORM, "once": another}).status_code == 201
    assert len(session.scalars(select(OAuthClient)).all()) == 2


def test_a_secret_replacement_sent_again_replaces_nothing(oauth: Harness, app: Flask) -> None:
    developer_browser = app.test_client()
    sign_in_as(developer_browser, oauth.session.get(type(oauth.member), oauth.app.developer_id))
    url = f"/developers/apps/{oauth.app.id}"
    replaces = _hidden(developer_browser.get(url).get_data(as_text=True), "replaces")

    first = post_form(developer_browser, f"{url}/secret", {"replaces": replaces})
    new_secret = SECRET.search(first.get_data(as_text=True)).group(1)
    again = post_form(developer_browser, f"{url}/secret", {"replaces": replaces})

    assert again.status_code == 302 and again.headers["Location"] == url
    oauth.session.expire_all()
    assert oauth.session.get(OAuthClient, oauth.app.id).secret_hash == digest(new_secret)
    page = developer_browser.get(url).get_data(as_text=True)
    assert "was replaced already" in page and "hidden (replaced " in page


def test_every_problem_of_a_registration_shows_at_once(
    client: FlaskClient, session, developer
) -> None:
    bad = {
        **FORM,
        "homepage": "radar.example",
        "redirect_uris": "http://radar.example/cb\r\nhttps://radar.example/cb#x",
        "scopes": [],
    }
    response = post_form(client, "/developers/apps/new", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose at least one scope" in page
    assert "The homepage &#39;radar.example&#39; must be a full URL" in page
    assert "&#39;http://radar.example/cb&#39; must use https" in page
    assert "&#39;https://radar.example/cb#x&#39; must be a full URL without a fragment" in page
    assert session.scalars(select(OAuthClient)).all() == []
