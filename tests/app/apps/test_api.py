"""The partner API's first resource, GET /api/v1/me, behind bearer tokens."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.clock import FixedClock
from app.models.apps import OAuthGrant
from app.models.audit import AccessEvent, EventAction, Place
from permissions import Purpose
from tests.app.apps.helpers import Harness


def test_me_returns_my_values_within_the_tokens_scopes(oauth: Harness) -> None:
    issued = oauth.full_flow(scope="basic:view")
    body = oauth.api(issued["access_token"]).get_json()
    assert body["handle"] == oauth.member.handle
    assert body["purpose"] == "recruiting" and body["scope"] == "basic:view"
    assert {(v["field"], v["value"]) for v in body["values"]} == {
        ("first_name", "Ann"),
        ("last_name", "Member"),
    }
    assert body["withheld"] == [{"field": "email", "label": "personal", "reason": "scope"}]
    assert oauth.member.email not in json.dumps(body)


def test_with_contact_scope_the_email_is_released(oauth: Harness) -> None:
    issued = oauth.full_flow(scope="basic:view contact:view")
    body = oauth.api(issued["access_token"]).get_json()
    assert ("email", oauth.member.email) in {(v["field"], v["value"]) for v in body["values"]}
    assert body["withheld"] == []


def test_every_read_is_an_api_read_in_the_members_access_log(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.api(issued["access_token"])
    event = oauth.session.scalars(
        select(AccessEvent).where(AccessEvent.subject_id == oauth.member.id)
    ).one()
    assert event.subject_id == oauth.member.id and event.requester_id == oauth.member.id
    assert event.app_id == oauth.app.id
    assert event.action is EventAction.API_READ and event.place is Place.API
    assert event.purpose is Purpose.RECRUITING
    assert json.loads(event.refused) == [["email:personal", "scope"]]


def test_a_missing_token_is_a_401_with_a_bearer_challenge(oauth: Harness) -> None:
    response = oauth.http.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="fieldgate"'
    assert response.get_json()["code"] == "missing_token"
    assert response.get_json()["message"]


def test_an_unknown_or_dead_token_is_a_401_invalid_token(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.revoke(issued["access_token"])
    for token in (issued["access_token"], "fgat_nonsense", "\u00e9"):
        response = oauth.api(token)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert response.get_json()["code"] == "invalid_token"
    basic = oauth.http.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_a_token_without_the_scope_is_a_403_naming_it(oauth: Harness) -> None:
    issued = oauth.full_flow(scope="contact:view")
    response = oauth.api(issued["access_token"])
    assert response.status_code == 403
    assert response.get_json() == {
        "code": "insufficient_scope",
        "message": "This token was not granted the scope basic:view.",
        "scope": "basic:view",
    }
    assert 'scope="basic:view"' in response.headers["WWW-Authenticate"]


def test_using_a_token_marks_the_grant_as_used(oauth: Harness, clock: FixedClock) -> None:
    issued = oauth.full_flow()
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    assert grant.last_used_at is None
    clock.advance(minutes=5)
    oauth.api(issued["access_token"])
    oauth.session.expire_all()
    assert oauth.session.scalars(select(OAuthGrant)).one().last_used_at == clock.current


def test_the_access_log_names_the_app(oauth: Harness) -> None:
    issued = oauth.full_flow()
    oauth.api(issued["access_token"])
    page = oauth.http.get(f"/access?app={oauth.app.id}").get_data(as_text=True)
    assert "through CRM Sync" in page
    assert f'<option value="{oauth.app.id}" selected>CRM Sync</option>' in page
