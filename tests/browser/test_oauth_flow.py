"""A partner app end to end: registered in the portal, authorized in a real browser, then driven
by Authlib's own client (OAuth2Session, PKCE S256) against the app on a loopback port."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from flask import Flask
from playwright.sync_api import Page, Route, expect

from app.apps import registration
from app.disclosure.service import disclose
from app.extensions import db
from app.models.audit import Place
from app.network.services import connect
from app.privacy.services import set_purposes
from permissions import Action, Purpose, Reason, Scope
from tests.app.apps.helpers import through_app
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, seed_member, sign_in, sign_out, sign_up

pytestmark = pytest.mark.browser

# Registered and never contacted: the browser's request to it is intercepted.
CALLBACK = "http://127.0.0.1:9/callback"


class Callback:
    """The app's redirect endpoint, as the member's browser reaches it."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        page.route(re.compile(r"^http://127\.0\.0\.1:9/"), self._arrive)

    def _arrive(self, route: Route) -> None:
        self.urls.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Back at the app.</p>")

    @property
    def last(self) -> dict[str, str]:
        assert self.urls, "the browser never came back to the app"
        return {k: v[0] for k, v in parse_qs(urlsplit(self.urls[-1]).query).items()}


def register_app(page: Page, name: str = "CRM Sync") -> tuple[str, str]:
    """Register an app through the developer portal; returns its client id and secret."""
    page.goto("/developers")
    page.get_by_role("link", name="Register an app").click()
    page.get_by_label("App name").fill(name)
    page.get_by_label("Homepage").fill("https://crm.example")
    page.get_by_label("What the app does").fill("Keeps your CRM in step with your network.")
    page.get_by_label("Purpose").select_option("recruiting")
    page.get_by_label("Redirect URIs").fill(CALLBACK)
    page.get_by_role("checkbox", name=re.compile(r"basic:view: See")).check()
    page.get_by_role("checkbox", name=re.compile(r"contact:view: See")).check()
    page.get_by_role("checkbox", name=re.compile(r"basic:download: ")).check()
    page.get_by_role("button", name="Register the app").click()
    expect(page.get_by_role("heading", name="Copy the client secret now")).to_be_visible()
    return page.locator("#client-id").inner_text(), page.locator("#client-secret").inner_text()


def session_for(client_id: str, secret: str) -> OAuth2Session:
    return OAuth2Session(
        client_id,
        secret,
        scope="basic:view contact:view basic:download",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


@pytest.fixture
def people(live_app: Flask) -> None:
    """Dana develops apps; Ann uses them; Carl is Ann's connection."""
    seed_member(live_app, "Dana", "Developer", "dana@example.com")
    seed_member(live_app, "Ann", "Member", "ann@example.com")
    seed_member(live_app, "Carl", "Contact", "carl@example.com")
    ann, carl = (find_member(live_app, f"{n}@example.com") for n in ("ann", "carl"))
    with live_app.test_request_context():
        connect(db.session, ann.id, carl.id)
        db.session.commit()


def test_register_authorize_exchange_call_refresh_revoke(
    new_page, live_server: str, people: None
) -> None:
    developer = new_page()
    sign_in(developer, "dana@example.com")
    client_id, secret = register_app(developer)
    screenshot(developer, "50-developer-app-registered")
    developer.goto("/developers")
    expect(developer.get_by_role("cell", name=re.compile("^CRM Sync"))).to_be_visible()
    screenshot(developer, "51-developer-portal")

    meta = requests.get(f"{live_server}/.well-known/oauth-authorization-server", timeout=5).json()
    assert meta["issuer"] == live_server
    client = session_for(client_id, secret)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier
    )
    assert "code_challenge_method=S256" in url

    member = new_page()
    callback = Callback(member)
    member.goto(url)  # signed out: sign in first, then come back to the request
    member.get_by_label("E-mail").fill("ann@example.com")
    member.get_by_label("Password").fill("correct horse battery staple")
    member.get_by_role("button", name="Sign in").click()
    expect(
        member.get_by_role("heading", name="Allow CRM Sync to use your Fieldgate data?")
    ).to_be_visible()
    expect(member.get_by_text("Made by Dana Developer")).to_be_visible()
    screenshot(member, "52-consent")
    member.get_by_role("button", name="Allow").click()
    expect(member.get_by_text("Back at the app.")).to_be_visible()
    back = callback.last
    assert back["state"] == state and back["iss"] == meta["issuer"]  # RFC 9207: check iss

    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=callback.urls[-1], code_verifier=verifier
    )
    assert token["expires_in"] == 3600
    assert token["scope"] == "basic:download basic:view contact:view"
    me = client.get(f"{live_server}/api/v1/me", timeout=5)
    assert me.status_code == 200
    assert ("email", "ann@example.com") in {(v["field"], v["value"]) for v in me.json()["values"]}
    listed = client.get(f"{live_server}/api/v1/connections", timeout=5).json()
    assert [c["fields"]["first_name"] for c in listed["connections"]] == ["Carl"]
    # Carl's e-mail is viewable by connections (the default) but not downloadable.
    assert listed["connections"][0]["fields"]["email"][0]["value"] == "carl@example.com"
    export = client.get(
        f"{live_server}/api/v1/exports/contacts",
        params={"format": "csv", "purpose": "recruiting"},
        timeout=5,
    )
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    assert "Carl" in export.text and "carl@example.com" not in export.text
    manifest = client.get(f"{live_server}{export.links['describedby']['url']}", timeout=5)
    assert manifest.json()["people"]["included"] == 1

    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(meta["token_endpoint"])
    assert refreshed["refresh_token"] != old_refresh
    assert client.get(f"{live_server}/api/v1/me", timeout=5).status_code == 200
    info = client.introspect_token(meta["introspection_endpoint"], token=refreshed["access_token"])
    assert info.json()["active"] is True

    member.goto("/apps")
    expect(member.get_by_role("heading", name="CRM Sync")).to_be_visible()
    expect(member.get_by_text("2 reads")).to_be_visible()
    screenshot(member, "53-connected-apps")

    revoked = client.revoke_token(
        meta["revocation_endpoint"],
        token=refreshed["refresh_token"],
        token_type_hint="refresh_token",
    )
    assert revoked.status_code == 200
    gone = client.get(f"{live_server}/api/v1/me", timeout=5)
    assert gone.status_code == 401 and gone.headers["WWW-Authenticate"].startswith("Bearer")
    with pytest.raises(OAuthError):
        client.refresh_token(meta["token_endpoint"])


def test_a_remembered_grant_sends_the_member_straight_back_even_after_signing_in(
    new_page, live_server: str, people: None
) -> None:
    developer = new_page()
    sign_in(developer, "dana@example.com")
    client_id, secret = register_app(developer)
    client = session_for(client_id, secret)
    member = new_page()
    callback = Callback(member)
    sign_in(member, "ann@example.com")
    url, _ = client.create_authorization_url(
        f"{live_server}/oauth/authorize", code_verifier=generate_token(48)
    )
    member.goto(url)
    member.get_by_role("button", name="Allow").click()
    expect(member.get_by_text("Back at the app.")).to_be_visible()
    member.goto("/")
    sign_out(member)

    url, state = client.create_authorization_url(
        f"{live_server}/oauth/authorize", code_verifier=generate_token(48)
    )
    member.goto(url)
    member.get_by_label("E-mail").fill("ann@example.com")
    member.get_by_label("Password").fill("correct horse battery staple")
    # The sign-in form's CSP (form-action 'self') covers the redirects that follow it,
    # so the way back to the app must not be one of them.
    member.get_by_role("button", name="Sign in").click()
    expect(member.get_by_text("Back at the app.")).to_be_visible()  # no consent page this time
    assert callback.last["state"] == state and "code" in callback.last


def ann_meets_danas_app(new_page) -> tuple[Page, Callback, OAuth2Session]:
    """Dana registers CRM Sync; Ann, signed in, is about to be sent to it by the app."""
    developer = new_page()
    sign_in(developer, "dana@example.com")
    member = new_page()
    callback = Callback(member)
    sign_in(member, "ann@example.com")
    return member, callback, session_for(*register_app(developer))


def test_denying_sends_the_member_back_with_access_denied(
    new_page, live_server: str, live_app: Flask, people: None
) -> None:
    member, callback, oauth = ann_meets_danas_app(new_page)
    with live_app.app_context():  # Ann objects to recruiting: the page tells her what that means
        set_purposes(
            db.session, find_member(live_app, "ann@example.com").id, {Purpose.RECRUITING: False}
        )
        db.session.commit()
    url, state = oauth.create_authorization_url(
        f"{live_server}/oauth/authorize", code_verifier=generate_token(48)
    )
    member.set_viewport_size({"width": 390, "height": 844})  # consent is often given on a phone
    member.goto(url)
    expect(member.get_by_role("note")).to_contain_text("do not allow recruiting use of your data")
    screenshot(member, "55-consent-phone")
    member.get_by_role("button", name="Deny").click()
    expect(member.get_by_text("Back at the app.")).to_be_visible()
    back = callback.last
    assert back["error"] == "access_denied" and back["state"] == state
    assert back["iss"] == live_server and "code" not in back
    member.goto("/apps")
    expect(member.get_by_text("You have not connected any apps.")).to_be_visible()
    expect(member.get_by_text("You denied access")).to_be_visible()


def test_a_crafted_request_stops_on_a_page_that_says_where_its_link_leads(
    new_page, live_server: str, people: None
) -> None:
    # RFC 9700 4.11.2 (found by review): an app's erroneous request sent the member's
    # browser straight on to the app's site, from Fieldgate's own address.
    member, callback, oauth = ann_meets_danas_app(new_page)
    url, state = oauth.create_authorization_url(
        f"{live_server}/oauth/authorize", code_verifier=generate_token(48), scope="personal:view"
    )
    member.goto(url)
    expect(
        member.get_by_role("heading", name="CRM Sync asked for something Fieldgate cannot give")
    ).to_be_visible()
    expect(member.get_by_text("http://127.0.0.1:9", exact=True)).to_be_visible()
    member.wait_for_timeout(500)  # nothing moves on by itself
    assert callback.urls == []
    screenshot(member, "58-authorization-refused")
    member.get_by_role("link", name="Continue to CRM Sync").click()
    expect(member.get_by_text("Back at the app.")).to_be_visible()
    back = callback.last
    assert back["error"] == "invalid_scope" and back["state"] == state
    assert back["iss"] == live_server and "code" not in back


def test_a_member_blocks_an_app_that_reads_through_someone_elses_grant(
    new_page, live_app: Flask, people: None
) -> None:
    seed_member(live_app, "Bob", "Granter", "bob@example.com")
    ann, bob, dana = (find_member(live_app, f"{n}@example.com") for n in ("ann", "bob", "dana"))
    with live_app.test_request_context():
        connect(db.session, ann.id, bob.id)
        radar, _ = registration.register_app(
            db.session,
            dana.id,
            registration.AppDetails(
                name="Talent Radar",
                description="Finds candidates.",
                homepage="https://radar.example",
                purpose=Purpose.RECRUITING,
                redirect_uris=[CALLBACK],
                scopes=frozenset({Scope.BASIC_VIEW}),
            ),
        )
        through_bob = through_app(db.session, bob.id, radar, frozenset({Scope.BASIC_VIEW}))
        disclose(db.session, through_bob, [ann.id], action=Action.VIEW, place=Place.API)
        db.session.commit()

    member = new_page()
    sign_in(member, "ann@example.com")
    member.goto("/apps")
    others = member.locator(".card", has_text="Other apps with your data")
    expect(others).to_contain_text("Talent Radar")
    expect(others).to_contain_text("1 read")
    member.set_viewport_size({"width": 390, "height": 844})
    wide, window = member.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"/apps is {wide}px wide on a {window}px phone"
    screenshot(member, "54-connected-apps-others-phone")
    member.set_viewport_size({"width": 1280, "height": 900})
    others.get_by_role("button", name="Block").click()
    expect(member.get_by_text("Talent Radar is blocked")).to_be_visible()
    blocked = member.locator("#blocked")
    expect(blocked).to_contain_text("Talent Radar")
    expect(member.get_by_text("You blocked this app")).to_be_visible()
    screenshot(member, "54-connected-apps-blocked")

    with live_app.test_request_context():
        refused = disclose(db.session, through_bob, [ann.id], action=Action.VIEW, place=Place.API)
    assert refused[ann.id].subject_reason is Reason.APP_BLOCKED
    blocked.get_by_role("button", name="Unblock").click()
    expect(member.get_by_text("Talent Radar is no longer blocked.")).to_be_visible()


def test_the_api_reference_reads_like_documentation(new_page) -> None:
    page = new_page()
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Fieldgate API")).to_be_visible()
    expect(page.get_by_role("heading", name="Scopes")).to_be_visible()
    operations = page.locator("section.operation")
    expect(operations).to_have_count(9)  # five partner operations, four of /api/me
    page.get_by_role("link", name="GET /api/v1/exports/contacts").click()
    export = page.locator("#get--api-v1-exports-contacts")
    expect(export.locator("td code.nowrap", has_text="purpose")).to_be_visible()
    screenshot(page, "56-api-reference")
    phone = new_page(390, 844)
    phone.goto("/api/v1/docs")
    screenshot(phone, "57-api-reference-phone")


def test_required_fields_are_marked_and_an_error_moves_no_other_field(new_page) -> None:
    # Found by review: an error under Homepage pushed App name down (the row aligned its
    # fields at the bottom), and nothing said which fields are required until a refusal.
    page = new_page()
    sign_up(page, "Dana", "Developer", "dana@example.com")
    page.goto("/developers/apps/new")
    name, homepage = page.get_by_label("App name"), page.get_by_label("Homepage")
    expect(page.get_by_text("Fields marked * are required.")).to_be_visible()
    for box in (name, homepage, page.get_by_label("Redirect URIs")):
        expect(page.locator(f"label[for={box.get_attribute('id')}]")).to_contain_text("*")
        expect(box).to_have_attribute("required", "")
    expect(page.get_by_role("group", name="Scopes the app may ask for")).to_contain_text("*")

    name.fill("CRM Sync")
    homepage.fill("crm.example")
    page.get_by_role("button", name="Register the app").click()
    expect(page.locator("#homepage-error")).to_be_visible()
    assert name.bounding_box()["y"] == page.get_by_label("Homepage").bounding_box()["y"]
    screenshot(page, "52-developer-register-refused")
