"""Driving the OAuth server the way a member's browser and a partner app would."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.apps.credentials import digest
from app.apps.grants import consent
from app.apps.registration import AppDetails, register_app
from app.apps.scopes import scope_string
from app.apps.tokens import store_tokens
from app.clock import utcnow
from app.disclosure.service import Requester
from app.extensions import db
from app.models.accounts import Member
from app.models.apps import AuthorizationCode, OAuthClient, OAuthToken
from permissions import Purpose, Scope
from tests.factories import make_member

BASE = "http://localhost"  # the test client's origin; Authlib allows plain http there
CB = "https://crm.example/cb"
LOOPBACK_CB = "http://127.0.0.1:8765/cb"
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect target, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


_CONTINUE = re.compile(r'<a class="button" href="([^"]+)">Continue to ')


def refused_link(response: TestResponse) -> str:
    """Where the page of a refused authorization request offers to go back to the app.

    Never a redirect (RFC 9700 4.11.2: no app's redirect URI is trusted to
    be sent to by itself): a 400 page with a link the member may follow.
    """
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    match = _CONTINUE.search(page)
    assert match, "no link back to the app on the page"
    return html.unescape(match.group(1))


def basic(client_id: str, secret: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def new_app(
    app: Flask,
    session: Session,
    developer: Member,
    *,
    name: str = "CRM Sync",
    scopes: tuple[Scope, ...] = (Scope.BASIC_VIEW, Scope.CONTACT_VIEW, Scope.CONTACT_SYNC),
    purpose: Purpose = Purpose.RECRUITING,
    redirect_uris: tuple[str, ...] = (CB, LOOPBACK_CB),
    auth_method: str = "client_secret_basic",
) -> tuple[OAuthClient, str]:
    """A registered app and its client secret, committed."""
    details = AppDetails(
        name=name,
        description="Keeps your CRM in step with your network.",
        homepage="https://crm.example",
        purpose=purpose,
        redirect_uris=list(redirect_uris),
        scopes=frozenset(scopes),
        auth_method=auth_method,
    )
    with app.test_request_context():
        client_app, secret = register_app(session, developer.id, details)
    session.commit()
    return client_app, secret


@dataclass
class Harness:
    """A signed-in member's browser (``http``) and a registered app's credentials."""

    http: FlaskClient
    session: Session
    member: Member
    app: OAuthClient
    secret: str
    issued: list[dict[str, Any]] = field(default_factory=list)

    @property
    def client_id(self) -> str:
        return self.app.client_id

    def authorize_params(self, **overrides: Any) -> tuple[dict[str, str], str]:
        """Authorization request parameters (None drops one) and the PKCE verifier."""
        verifier, challenge = pkce_pair()
        params: dict[str, Any] = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": CB,
            "scope": "basic:view",
            "state": "st-123",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}, verifier

    def authorize(self, params: dict[str, str]) -> TestResponse:
        return self.http.get("/oauth/authorize", query_string=params)

    def consent(self, params: dict[str, str], decision: str = "allow") -> TestResponse:
        """Open the authorization URL and, if asked, answer the consent page."""
        page = self.authorize(params)
        if page.status_code != 200:
            return page
        match = _CSRF.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the consent page"
        return self.http.post(
            "/oauth/authorize",
            query_string=params,
            data={"csrf_token": match.group(1), "decision": decision},
        )

    def get_code(self, **overrides: Any) -> tuple[str, str, dict[str, str]]:
        """A fresh code, its verifier, and the whole redirect query."""
        params, verifier = self.authorize_params(**overrides)
        response = self.consent(params)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        found = query_of(response.headers["Location"])
        return found["code"], verifier, found

    def token(self, data: dict[str, str], auth: bool = True, **kw: Any) -> TestResponse:
        if auth:
            kw["headers"] = {**basic(self.client_id, self.secret), **kw.get("headers", {})}
        return self.http.post("/oauth/token", data=data, **kw)

    def exchange(self, code: str, verifier: str | None, **extra: Any) -> TestResponse:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CB,
            "code_verifier": verifier,
            **extra,
        }
        return self.token({k: v for k, v in data.items() if v is not None})

    def full_flow(self, **overrides: Any) -> dict[str, Any]:
        """Authorize, consent, exchange: the token response."""
        code, verifier, _ = self.get_code(**overrides)
        response = self.exchange(code, verifier)
        assert response.status_code == 200, response.get_data(as_text=True)
        return dict(response.get_json())

    def refresh(self, refresh_token: str, **extra: Any) -> TestResponse:
        return self.token({"grant_type": "refresh_token", "refresh_token": refresh_token, **extra})

    def api(self, access_token: str, path: str = "/api/v1/me") -> TestResponse:
        return self.http.get(path, headers={"Authorization": f"Bearer {access_token}"})

    def revoke(self, token: str, **extra: str) -> TestResponse:
        headers = basic(self.client_id, self.secret)
        return self.http.post("/oauth/revoke", data={"token": token, **extra}, headers=headers)

    def introspect(self, token: str, **extra: str) -> TestResponse:
        headers = basic(self.client_id, self.secret)
        return self.http.post("/oauth/introspect", data={"token": token, **extra}, headers=headers)


def reload(session: Session, row: Any) -> Any:
    """``row`` as the database has it now."""
    session.expire_all()
    return session.get(type(row), db.inspect(row).identity[0])


def committed_app_and_member(app: Flask) -> tuple[OAuthClient, str, Member]:
    """Dev's registered app, its secret, and Mia, committed (inside ``app``'s app context).

    For tests that open sessions of their own on a committed database.
    """
    developer = make_member(db.session, "Dev", "Eloper")
    member = make_member(db.session, "Mia", "Member")
    db.session.commit()
    registered, secret = new_app(app, db.session, developer)
    return registered, secret, member


def issue_token(
    session: Session, member_id: int, app: OAuthClient, scopes: frozenset[Scope] = frozenset(Scope)
) -> tuple[str, OAuthToken]:
    """A grant of ``scopes`` and a live access token for it, without a browser; committed."""
    grant = consent(session, member_id, app, scopes, timedelta(days=365))
    now = utcnow()
    code = AuthorizationCode(
        code_hash=digest(f"fgac_{secrets.token_hex(8)}"),
        app_id=app.id,
        member_id=member_id,
        grant_id=grant.id,
        redirect_uri=CB,
        scope=scope_string(scopes),
        code_challenge="unused",
        code_challenge_method="S256",
        expires_at=now,
        used_at=now,
    )
    session.add(code)
    session.flush()
    access = f"fgat_{secrets.token_hex(8)}"
    row = store_tokens(
        session,
        {"access_token": access, "refresh_token": f"fgrt_{secrets.token_hex(8)}"},
        grant=grant,
        family_id=code.id,
        parent_id=None,
        granted_scope=scope_string(scopes),
        access_expires_at=now + timedelta(hours=1),
        refresh_expires_at=now + timedelta(days=30),
    )
    session.commit()
    return access, row


def through_app(
    session: Session,
    member_id: int,
    app: OAuthClient,
    scopes: frozenset[Scope] = frozenset(Scope),
    purpose: Purpose | None = None,
) -> Requester:
    """The member reading through ``app``: a grant of ``scopes`` and a live token, committed."""
    _access, row = issue_token(session, member_id, app, scopes)
    return Requester(
        member_id, app_id=app.id, scopes=scopes, purpose=purpose or app.purpose, token_id=row.id
    )
