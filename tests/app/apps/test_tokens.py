"""Access tokens are short-lived; refresh tokens rotate, are watched for reuse, and expire."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.apps import oauth as oauth_module
from app.apps import tokens
from app.clock import FixedClock, utcnow
from app.extensions import db
from app.models.apps import OAuthEvent, OAuthEventKind, OAuthGrant, OAuthToken
from tests.app.apps.helpers import (
    Harness,
    basic,
    committed_app_and_member,
    issue_token,
    new_app,
    query_of,
)

DAY = 24 * 3600


def test_an_access_token_lives_one_hour_by_default(oauth: Harness, clock: FixedClock) -> None:
    issued = oauth.full_flow()
    assert issued["expires_in"] == 3600
    clock.advance(seconds=3599)
    assert oauth.api(issued["access_token"]).status_code == 200
    clock.advance(seconds=2)
    expired = oauth.api(issued["access_token"])
    assert expired.status_code == 401 and expired.get_json()["code"] == "invalid_token"


def test_the_access_token_lifetime_is_configurable(
    app: Flask, oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OAUTH2_ACCESS_TOKEN_SECONDS", 600)
    issued = oauth.full_flow()
    assert issued["expires_in"] == 600
    assert oauth.refresh(issued["refresh_token"]).get_json()["expires_in"] == 600


def test_refresh_tokens_rotate_on_every_use(oauth: Harness) -> None:
    issued = oauth.full_flow()
    response = oauth.refresh(issued["refresh_token"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = response.get_json()
    assert new["refresh_token"] != issued["refresh_token"]
    assert new["access_token"] != issued["access_token"]
    assert oauth.api(new["access_token"]).status_code == 200
    # One live access token per family: rotation retires the previous one.
    assert oauth.api(issued["access_token"]).status_code == 401
    newer = oauth.refresh(new["refresh_token"]).get_json()
    assert oauth.api(newer["access_token"]).status_code == 200


def test_a_rotated_out_refresh_token_revokes_the_whole_grant(oauth: Harness) -> None:
    issued = oauth.full_flow()
    other_family = oauth.full_flow()  # the same member and app: the same grant
    new = oauth.refresh(issued["refresh_token"]).get_json()

    reused = oauth.refresh(issued["refresh_token"])

    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"
    assert oauth.api(new["access_token"]).status_code == 401
    assert oauth.refresh(new["refresh_token"]).status_code == 400
    assert oauth.api(other_family["access_token"]).status_code == 401
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    assert grant.revoked_at is not None and grant.revoked_reason == "refresh_token_reuse"
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert kinds.count(OAuthEventKind.REFRESH_REUSE) == 1
    # The member is asked again.
    params, _ = oauth.authorize_params()
    assert oauth.authorize(params).status_code == 200


def test_the_refresh_lifetime_is_absolute_and_rotation_never_extends_it(
    oauth: Harness, clock: FixedClock
) -> None:
    issued = oauth.full_flow()
    clock.advance(days=20)
    new = oauth.refresh(issued["refresh_token"])
    assert new.status_code == 200
    clock.advance(days=9, hours=23)
    newer = oauth.refresh(new.get_json()["refresh_token"])
    assert newer.status_code == 200
    clock.advance(hours=2)  # 30 days and an hour after the code exchange
    late = oauth.refresh(newer.get_json()["refresh_token"])
    assert late.status_code == 400 and late.get_json()["error"] == "invalid_grant"
    rows = oauth.session.scalars(select(OAuthToken)).all()
    assert len({row.refresh_expires_at for row in rows}) == 1


def test_no_token_outlives_its_grant(
    app: Flask, oauth: Harness, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OAUTH2_GRANT_DAYS", 1)
    issued = oauth.full_flow()
    clock.advance(hours=23, minutes=30)
    refreshed = oauth.refresh(issued["refresh_token"]).get_json()
    assert refreshed["expires_in"] == 1800  # capped at the grant's expiry
    clock.advance(minutes=31)
    assert oauth.api(refreshed["access_token"]).status_code == 401
    assert oauth.refresh(refreshed["refresh_token"]).status_code == 400


def test_a_refresh_may_narrow_the_scope_but_never_widen_it(oauth: Harness) -> None:
    issued = oauth.full_flow(scope="basic:view contact:view")
    narrow = oauth.refresh(issued["refresh_token"], scope="contact:view").get_json()
    assert narrow["scope"] == "contact:view"
    assert oauth.api(narrow["access_token"]).get_json()["code"] == "insufficient_scope"
    wide = oauth.refresh(narrow["refresh_token"], scope="basic:view contact:sync")
    assert wide.status_code == 400 and wide.get_json()["error"] == "invalid_scope"
    back = oauth.refresh(narrow["refresh_token"]).get_json()  # omitted: as originally granted
    assert back["scope"] == "basic:view contact:view"


def test_a_refresh_token_is_bound_to_its_app(oauth: Harness, app: Flask) -> None:
    issued = oauth.full_flow()
    other, secret = new_app(app, oauth.session, oauth.member, name="Other")
    stolen = oauth.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
        headers=basic(other.client_id, secret),
    )
    assert stolen.status_code == 400 and stolen.get_json()["error"] == "invalid_grant"
    assert oauth.refresh(issued["refresh_token"]).status_code == 200  # untouched


def test_an_app_must_authenticate_with_its_registered_method(oauth: Harness, app: Flask) -> None:
    code, verifier, _ = oauth.get_code()
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://crm.example/cb",
        "code_verifier": verifier,
    }
    attempts = [
        {},
        {"headers": basic(oauth.client_id, "wrong")},
        {"data": {**data, "client_id": oauth.client_id}},  # no secret: not a public client
        {"data": {**data, "client_id": oauth.client_id, "client_secret": oauth.secret}},  # post
        {"headers": {"Authorization": "Basic w6k6w6k="}},  # "é:é" in Latin-1: not UTF-8
        {"headers": {"Authorization": "Basic \u00e9\u00e9"}},  # not base64 of ASCII
    ]
    for extra in attempts:
        response = oauth.http.post("/oauth/token", **{"data": data, **extra})
        assert response.status_code == 401, extra
        assert response.get_json()["error"] == "invalid_client"
    assert oauth.exchange(code, verifier).status_code == 200


def test_a_client_secret_post_app_authenticates_in_the_body(oauth: Harness, app: Flask) -> None:
    poster, secret = new_app(
        app, oauth.session, oauth.member, name="Poster", auth_method="client_secret_post"
    )
    params, verifier = oauth.authorize_params(client_id=poster.client_id)
    code = query_of(oauth.consent(params).headers["Location"])["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://crm.example/cb",
        "code_verifier": verifier,
        "client_id": poster.client_id,
    }
    basic_auth = oauth.http.post("/oauth/token", data=data, headers=basic(poster.client_id, secret))
    assert basic_auth.status_code == 401
    issued = oauth.http.post("/oauth/token", data={**data, "client_secret": secret}).get_json()
    refreshed = oauth.http.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "client_id": poster.client_id,
            "client_secret": secret,
        },
    )
    assert refreshed.status_code == 200


def test_of_two_concurrent_refreshes_one_wins_and_the_other_counts_as_reuse(
    oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = oauth.full_flow()
    original = oauth_module.RefreshTokenGrant.authenticate_refresh_token

    def racing(self, presented):  # type: ignore[no-untyped-def]
        found = original(self, presented)
        # Another worker rotates the same token between our read and our rotation.
        db.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == found.row.id)
            .values(refresh_rotated_at=utcnow())
        )
        return found

    monkeypatch.setattr(oauth_module.RefreshTokenGrant, "authenticate_refresh_token", racing)
    response = oauth.refresh(issued["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    assert grant.revoked_reason == "refresh_token_reuse"


def test_a_refresh_that_loses_a_race_to_the_apps_own_revocation_raises_no_alarm(
    oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = oauth.full_flow()
    original = oauth_module.RefreshTokenGrant.authenticate_refresh_token

    def racing(self, presented):  # type: ignore[no-untyped-def]
        found = original(self, presented)
        # The app revokes its tokens (RFC 7009, another worker) between our read
        # and our rotation: the token was revoked, never rotated out.
        tokens.revoke_tokens(db.session, OAuthToken.grant_id == found.row.grant_id)
        return found

    monkeypatch.setattr(oauth_module.RefreshTokenGrant, "authenticate_refresh_token", racing)
    response = oauth.refresh(issued["refresh_token"])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    # Not a reuse: the member's consent stays, as after any revocation by the
    # app, and their history shows no stolen-credential alarm.
    grant = oauth.session.scalars(select(OAuthGrant)).one()
    assert grant.revoked_at is None
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert OAuthEventKind.REFRESH_REUSE not in kinds


def test_a_revocation_waiting_on_a_refresh_revokes_the_token_it_issued(
    committed_app: Flask,
) -> None:
    # Found by review: a refresh inserts its new token while holding the old one's row;
    # the app's RFC 7009 revocation waiting on that row then updated only the rows its
    # statement began with, and on PostgreSQL the new access token came out alive.
    with committed_app.app_context():
        registered, secret, member = committed_app_and_member(committed_app)
        access, old = issue_token(db.session, member.id, registered)
        client_id, grant_id, old_id, family = (
            registered.client_id,
            old.grant_id,
            old.id,
            old.family_id,
        )
        scope = old.granted_scope
        db.session.rollback()  # this session holds no transaction (SQLite's would lock)
        answers: list[int] = []

        def revoke() -> None:
            response = committed_app.test_client().post(
                "/oauth/revoke", data={"token": access}, headers=basic(client_id, secret)
            )
            answers.append(response.status_code)

        with Session(db.engine) as refresher:  # a refresh, between its rotation and its commit
            tokens.lock_grant(refresher, grant_id)
            assert tokens.rotate(refresher, old_id)
            now = utcnow()
            new = tokens.store_tokens(
                refresher,
                {"access_token": "fgat_new", "refresh_token": "fgrt_new"},
                grant=refresher.get(OAuthGrant, grant_id),
                family_id=family,
                parent_id=old_id,
                granted_scope=scope,
                access_expires_at=now + timedelta(hours=1),
                refresh_expires_at=now + timedelta(days=30),
            )
            refresher.flush()
            new_id = new.id
            revoker = threading.Thread(target=revoke)
            revoker.start()
            revoker.join(0.5)
            assert revoker.is_alive()  # the revocation waits for the refresh
            refresher.commit()
        revoker.join(30)
        row = db.session.get(OAuthToken, new_id)
        assert answers == [200] and row is not None
        assert row.access_revoked_at is not None and row.refresh_revoked_at is not None
        db.session.remove()
