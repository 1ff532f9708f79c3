"""The connected apps page: grants, what each app received, other apps, blocks, history."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from app.apps.registration import delete_app
from app.clock import FixedClock
from app.disclosure.service import disclose
from app.models.apps import OAuthGrant
from app.models.audit import Place
from app.privacy.services import set_purposes
from app.shell.templating import format_when
from permissions import Action, Purpose, Scope
from tests.app.apps.helpers import Harness, new_app, through_app
from tests.conftest import post_form, sign_in_as
from tests.factories import connect_members, make_member


def test_the_page_shows_each_grant_and_what_the_app_received(oauth: Harness) -> None:
    issued = oauth.full_flow(scope="basic:view contact:view")
    oauth.api(issued["access_token"])
    oauth.api(issued["access_token"])

    page = oauth.http.get("/apps").get_data(as_text=True)

    assert "CRM Sync" in page and "Recruiting" in page
    assert "See the names, headlines" in page and "basic:view" in page and "contact:view" in page
    assert "2 reads" in page
    assert "First name" in page and "E-mail (personal)" in page
    assert oauth.member.email not in page  # names of values, never values
    assert "You allowed access" in page  # the security history
    assert f"/access?app={oauth.app.id}" in page


def test_an_apps_card_says_when_the_members_own_purposes_keep_their_profile_from_it(
    oauth: Harness,
) -> None:
    issued = oauth.full_flow(scope="basic:view")
    notice = "do not allow recruiting use of your data"
    assert notice not in oauth.http.get("/apps").get_data(as_text=True)
    set_purposes(oauth.session, oauth.member.id, {Purpose.RECRUITING: False})
    oauth.session.commit()
    assert notice in oauth.http.get("/apps").get_data(as_text=True)
    assert oauth.api(issued["access_token"]).get_json()["values"] == []  # as it says


def test_an_app_reading_through_someone_elses_grant_is_listed_and_can_be_blocked(
    app: Flask, oauth: Harness
) -> None:
    bob = make_member(oauth.session, "Bob", "Granter")
    connect_members(oauth.session, oauth.member, bob)
    radar, _ = new_app(app, oauth.session, bob, name="Talent Radar")
    through_bob = through_app(oauth.session, bob.id, radar, frozenset({Scope.BASIC_VIEW}))
    with app.test_request_context():
        disclose(oauth.session, through_bob, [oauth.member.id], action=Action.VIEW, place=Place.API)

    page = oauth.http.get("/apps").get_data(as_text=True)
    assert "Other apps with your data" in page and "Talent Radar" in page
    assert "Through other members' grants" in page

    post_form(oauth.http, f"/apps/{radar.id}/block")
    page = oauth.http.get("/apps").get_data(as_text=True)
    assert "Other apps with your data" not in page
    blocked = page[page.index('id="blocked"') :]
    assert "Talent Radar" in blocked and "Unblock" in blocked
    assert "You blocked this app" in page


def test_with_nothing_connected_the_page_says_so(oauth: Harness) -> None:
    page = oauth.http.get("/apps").get_data(as_text=True)
    assert "You have not connected any apps." in page
    assert "No blocked apps." in page


def test_an_app_whose_grant_was_revoked_is_listed_as_once_allowed(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.api(issued["access_token"])
    grant = oauth.session.scalars(select(OAuthGrant)).one()

    post_form(oauth.http, f"/apps/grants/{grant.id}/revoke")

    page = oauth.http.get("/apps").get_data(as_text=True)
    others = page[page.index("Other apps with your data") :]
    assert "CRM Sync" in others and "You allowed it until" in others
    assert "Through other members' grants" not in others
    # Not "you have not connected any apps" above a list of an app once allowed.
    # About grants of one's own: apps may still read through others' (found by review).
    assert "No app holds a grant from you now." in page
    assert "You have not connected any apps." not in page


def test_revoking_asks_first_naming_the_app(oauth: Harness) -> None:
    oauth.full_flow()
    page = oauth.http.get("/apps").get_data(as_text=True)
    card = page[page.index('class="card app-card"') :]
    assert '<details class="confirm">' in card[: card.index("Block")]
    assert "Revoke CRM Sync&#39;s access? Its tokens stop working at once" in card


def test_an_app_deleted_after_my_grant_ran_out_is_listed_as_allowed_until_it_ran_out(
    app: Flask, oauth: Harness, clock: FixedClock
) -> None:
    issued = oauth.full_flow()
    oauth.api(issued["access_token"])
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    ran_out = format_when(grant.expires_at)
    clock.advance(days=400)  # the grant expired 35 days ago; then the developer deletes the app
    with app.app_context():
        delete_app(oauth.session, oauth.app)
    oauth.session.commit()
    sign_in_as(oauth.http, oauth.member)

    page = oauth.http.get("/apps").get_data(as_text=True)

    others = page[page.index("Other apps with your data") :]
    assert f"You allowed it until {ran_out}" in others
