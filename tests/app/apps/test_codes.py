"""Authorization codes: single use, at most ten minutes, a replay revokes what they produced."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select, update

from app.apps import oauth as oauth_module
from app.apps import tokens
from app.clock import FixedClock, utcnow
from app.extensions import db
from app.models.apps import AuthorizationCode, OAuthEvent, OAuthEventKind, OAuthGrant, OAuthToken
from tests.app.apps.helpers import Harness, pkce_pair


def test_a_replayed_code_is_refused_and_revokes_the_tokens_issued_from_it(oauth: Harness) -> None:
    code, verifier, _ = oauth.get_code()
    issued = oauth.exchange(code, verifier).get_json()
    assert oauth.api(issued["access_token"]).status_code == 200

    replay = oauth.exchange(code, verifier)

    assert replay.status_code == 400 and replay.get_json()["error"] == "invalid_grant"
    assert oauth.api(issued["access_token"]).status_code == 401
    assert oauth.refresh(issued["refresh_token"]).get_json()["error"] == "invalid_grant"
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert OAuthEventKind.CODE_REPLAY in kinds


def test_replaying_a_code_again_adds_no_alarm_once_its_tokens_are_dead(oauth: Harness) -> None:
    # Otherwise an app could replay one of its own codes and fill the member's
    # history with alarms, pushing another app's alarm out of sight (found by
    # review; a revocation of dead tokens already adds nothing).
    code, verifier, _ = oauth.get_code()
    assert oauth.exchange(code, verifier).status_code == 200
    for _ in range(3):
        assert oauth.exchange(code, verifier).get_json()["error"] == "invalid_grant"
    kinds = oauth.session.scalars(select(OAuthEvent.kind)).all()
    assert kinds.count(OAuthEventKind.CODE_REPLAY) == 1


def test_a_replay_revokes_tokens_rotated_from_the_code_but_not_other_families(
    oauth: Harness,
) -> None:
    first = oauth.full_flow()
    code, verifier, _ = oauth.get_code()
    second = oauth.exchange(code, verifier).get_json()
    rotated = oauth.refresh(second["refresh_token"]).get_json()

    oauth.exchange(code, verifier)

    assert oauth.api(rotated["access_token"]).status_code == 401
    assert oauth.refresh(rotated["refresh_token"]).status_code == 400
    assert oauth.api(first["access_token"]).status_code == 200


def test_a_code_lives_ten_minutes_at_most(oauth: Harness, clock: FixedClock) -> None:
    code, verifier, _ = oauth.get_code()
    row = oauth.session.scalars(select(AuthorizationCode)).one()
    assert (row.expires_at - row.issued_at).total_seconds() == 600
    clock.advance(seconds=601)
    response = oauth.exchange(code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


def test_a_shorter_code_lifetime_is_configurable(
    app: Flask, oauth: Harness, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "OAUTH2_CODE_SECONDS", 60)
    code, verifier, _ = oauth.get_code()
    clock.advance(seconds=61)
    assert oauth.exchange(code, verifier).status_code == 400


def test_a_verifier_for_a_code_without_challenge_is_refused(oauth: Harness) -> None:
    """A code stored without a challenge (RFC 9700 4.8) can never be redeemed."""
    code, _, _ = oauth.get_code()
    oauth.session.execute(
        update(AuthorizationCode).values(code_challenge=None, code_challenge_method=None)
    )
    oauth.session.commit()
    response = oauth.exchange(code, pkce_pair()[0])
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert "code_challenge" in response.get_json()["error_description"]
    assert oauth.exchange(code, None).get_json()["error"] == "invalid_request"


def test_a_code_of_a_grant_revoked_before_redemption_is_refused(oauth: Harness) -> None:
    code, verifier, _ = oauth.get_code()
    oauth.session.execute(update(OAuthGrant).values(revoked_at=utcnow()))
    oauth.session.commit()
    assert oauth.exchange(code, verifier).status_code == 400


def test_a_code_is_bound_to_its_app(oauth: Harness, app: Flask) -> None:
    from tests.app.apps.helpers import basic, new_app

    code, verifier, _ = oauth.get_code()
    other, secret = new_app(app, oauth.session, oauth.member, name="Other")
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://crm.example/cb",
        "code_verifier": verifier,
    }
    stolen = oauth.http.post("/oauth/token", data=data, headers=basic(other.client_id, secret))
    assert stolen.status_code == 400 and stolen.get_json()["error"] == "invalid_grant"
    assert oauth.exchange(code, verifier).status_code == 200  # and not revoked for it


def test_of_two_concurrent_redemptions_only_one_wins(
    oauth: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, verifier, _ = oauth.get_code()
    original = oauth_module.AuthorizationCodeGrant.query_authorization_code

    def racing(self, presented, client):  # type: ignore[no-untyped-def]
        found = original(self, presented, client)
        # Another worker redeems the same code between our read and our claim.
        assert tokens.claim_code(db.session, found.row.id)
        return found

    monkeypatch.setattr(oauth_module.AuthorizationCodeGrant, "query_authorization_code", racing)
    response = oauth.exchange(code, verifier)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"
    assert oauth.session.scalars(select(OAuthToken)).all() == []
