"""RFC 7009 revocation and RFC 7662 introspection, for authenticated apps and their own tokens."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from app.apps.history import HISTORY_LIMIT, record, security_history
from app.clock import FixedClock
from app.models.apps import OAuthEvent, OAuthEventKind, OAuthGrant
from tests.app.apps.helpers import BASE, Harness, basic, new_app

DAY = 24 * 3600


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
@pytest.mark.parametrize("wrong_hint", [True, False])
def test_revoking_either_token_kills_every_token_of_the_grant(
    oauth: Harness, which: str, wrong_hint: bool
) -> None:
    issued = oauth.full_flow()
    second = oauth.full_flow()  # another family of the same grant
    extra = {}
    if wrong_hint:
        extra["token_type_hint"] = "refresh_token" if which == "access_token" else "access_token"

    response = oauth.revoke(issued[which], **extra)

    assert response.status_code == 200
    for tokens in (issued, second):
        assert oauth.api(tokens["access_token"]).status_code == 401
        assert oauth.refresh(tokens["refresh_token"]).status_code == 400
    # The member's consent itself stays: a new authorization needs no page.
    assert oauth.session.scalars(select(OAuthGrant)).one().revoked_at is None
    params, _ = oauth.authorize_params()
    assert oauth.authorize(params).status_code == 302
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert OAuthEventKind.REVOKED_BY_APP in kinds


def test_revoking_dead_tokens_again_adds_nothing_to_the_members_history(oauth: Harness) -> None:
    # Otherwise an app could fill the member's page with revocations of
    # long-dead tokens and push an alarm out of sight.
    issued = oauth.full_flow()
    for _ in range(3):
        assert oauth.revoke(issued["access_token"]).status_code == 200
        assert oauth.revoke(issued["refresh_token"]).status_code == 200
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert kinds.count(OAuthEventKind.REVOKED_BY_APP) == 1


def test_an_alarm_stays_in_the_history_after_many_later_events(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.refresh(issued["refresh_token"])
    assert oauth.refresh(issued["refresh_token"]).status_code == 400  # reuse: the alarm
    for _ in range(HISTORY_LIMIT + 5):
        record(oauth.session, oauth.member.id, oauth.app, OAuthEventKind.REFRESHED)
    oauth.session.commit()

    shown = security_history(oauth.session, oauth.member.id)

    assert [e.kind for e in shown[:HISTORY_LIMIT]] == [OAuthEventKind.REFRESHED] * HISTORY_LIMIT
    assert [e.kind for e in shown[HISTORY_LIMIT:]] == [OAuthEventKind.REFRESH_REUSE]
    page = oauth.http.get("/apps").get_data(as_text=True)
    assert OAuthEventKind.REFRESH_REUSE.caption in page


def test_revocation_needs_the_app_to_authenticate_and_own_the_token(
    oauth: Harness, app: Flask
) -> None:
    issued = oauth.full_flow()
    anonymous = oauth.http.post("/oauth/revoke", data={"token": issued["access_token"]})
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "invalid_client"
    other, secret = new_app(app, oauth.session, oauth.member, name="Other")
    foreign = oauth.http.post(
        "/oauth/revoke",
        data={"token": issued["access_token"]},
        headers=basic(other.client_id, secret),
    )
    assert foreign.status_code == 400
    assert oauth.api(issued["access_token"]).status_code == 200
    assert oauth.revoke("fgat_unknown").status_code == 200  # RFC 7009 2.2: not an error


def test_introspection_is_only_for_authenticated_apps(oauth: Harness) -> None:
    issued = oauth.full_flow()
    token = {"token": issued["access_token"]}
    for extra in (
        {},
        {"headers": basic(oauth.client_id, "wrong")},
        {"data": {**token, "client_id": oauth.client_id}},  # a client id alone is not enough
    ):
        response = oauth.http.post("/oauth/introspect", **{"data": token, **extra})
        assert response.status_code == 401 and response.get_json()["error"] == "invalid_client"


def test_an_app_introspects_its_own_tokens(oauth: Harness, clock: FixedClock) -> None:
    issued = oauth.full_flow()
    body = oauth.introspect(issued["access_token"]).get_json()
    assert body["active"] is True
    assert body["scope"] == "basic:view" and body["client_id"] == oauth.client_id
    assert body["iss"] == BASE and body["purpose"] == "recruiting"
    assert body["token_type"] == "Bearer"
    assert body["exp"] - body["iat"] == 3600
    assert body["sub"] == oauth.member.handle  # the public handle, never the e-mail
    refresh = oauth.introspect(issued["refresh_token"]).get_json()
    assert refresh["active"] is True and refresh["exp"] - refresh["iat"] == 30 * DAY
    clock.advance(hours=2)  # the access token expired, the refresh token did not
    assert oauth.introspect(issued["access_token"]).get_json() == {"active": False}
    assert oauth.introspect(issued["refresh_token"]).get_json()["active"] is True


def test_another_apps_token_introspects_as_inactive(oauth: Harness, app: Flask) -> None:
    issued = oauth.full_flow()
    other, secret = new_app(app, oauth.session, oauth.member, name="Other")
    response = oauth.http.post(
        "/oauth/introspect",
        data={"token": issued["access_token"]},
        headers=basic(other.client_id, secret),
    )
    assert response.get_json() == {"active": False}


def test_a_revoked_token_introspects_as_inactive(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.revoke(issued["refresh_token"])
    assert oauth.introspect(issued["access_token"]).get_json() == {"active": False}


def test_a_hint_the_server_does_not_know_is_ignored(oauth: Harness) -> None:
    # RFC 7009 2.1: an invalid token_type_hint is ignored (Authlib refused it with a 401).
    issued = oauth.full_flow()
    looked_up = oauth.introspect(issued["access_token"], token_type_hint="id_token")
    assert looked_up.status_code == 200 and looked_up.get_json()["active"] is True
    assert oauth.revoke(issued["access_token"], token_type_hint="bogus").status_code == 200
    assert oauth.api(issued["access_token"]).status_code == 401


@pytest.mark.parametrize("endpoint", ["/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize("given", [{}, {"token": ""}])
def test_without_a_token_the_request_is_a_400(
    oauth: Harness, endpoint: str, given: dict[str, str]
) -> None:
    # Found by review: an empty `token=` was revoked as an unknown token (200 {}),
    # but RFC 7009 2.1 and RFC 7662 2.1 make the token REQUIRED.
    response = oauth.http.post(
        endpoint,
        data={"token_type_hint": "access_token", **given},
        headers=basic(oauth.client_id, oauth.secret),
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_than_post_get_an_oauth_error(
    oauth: Harness, endpoint: str, method: str
) -> None:
    # Found by review: a GET was answered with the HTML page of a 405.
    response = oauth.http.open(endpoint, method=method)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json() == {"error": "invalid_request", "error_description": "Use POST."}


@pytest.mark.parametrize("endpoint", ["/oauth/token", "/oauth/revoke", "/oauth/introspect"])
def test_a_wrong_secret_is_told_how_apps_authenticate(oauth: Harness, endpoint: str) -> None:
    # Found by review: "cannot authenticate with methods: ['client_secret_basic',
    # 'client_secret_post']", though each app may use only the one it registered.
    data = {"token": "x", "grant_type": "refresh_token", "refresh_token": "x"}
    response = oauth.http.post(endpoint, data=data, headers=basic(oauth.client_id, "wrong"))
    assert response.status_code == 401
    description = response.get_json()["error_description"]
    assert "methods:" not in description
    assert "secret" in description and "registered" in description
    assert description in response.headers["WWW-Authenticate"]
