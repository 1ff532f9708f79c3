"""Authlib's authorization code and refresh token grants, held to RFC 9700.

Line references are to the installed Authlib 1.9.9. Our rows are wrapped in
small adapters implementing Authlib's ``rfc6749`` interfaces (its
``sqla_oauth2`` mixins assume plaintext secrets and tokens, and compare the
client secret in clear), so the tables stay plain and hold digests only.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oauth2.rfc9207 import IssuerParameter

from app.apps import grants as member_grants
from app.apps import history, tokens
from app.apps.credentials import Credential, digest, matches, new_credential
from app.apps.registration import TOKEN_AUTH_METHODS, redirect_uris_of
from app.apps.scopes import UnknownScope, parse_scopes, scope_string
from app.apps.settings import issuer, lifetimes
from app.clock import utcnow
from app.extensions import db
from app.models.accounts import Member
from app.models.apps import (
    AuthorizationCode,
    OAuthClient,
    OAuthEventKind,
    OAuthGrant,
    OAuthToken,
)

CLIENT_ID_PATTERN = re.compile(r"^fgc_[A-Za-z0-9_-]{1,60}$")


class AppClient(ClientMixin):
    """A registered app as Authlib sees it: confidential, code and refresh grants only."""

    def __init__(self, row: OAuthClient) -> None:
        self.row = row

    @property
    def client_id(self) -> str:
        return self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        # Never used: every authorization request must name its redirect URI.
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Strict: an empty, unknown or unregistered scope is an error, not silently dropped.

        None makes Authlib answer ``invalid_scope`` (authorization_code.py:382-384).
        """
        try:
            requested = parse_scopes(scope)
        except UnknownScope:
            return None
        if not requested or not requested <= parse_scopes(self.row.allowed_scope):
            return None
        return scope_string(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in redirect_uris_of(self.row)  # exact string match

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(self.row.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # One registered method for the token, revocation and introspection endpoints.
        return method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


class IssuedCode(AuthorizationCodeMixin):
    """An unused, unexpired code of a live grant, as the token endpoint redeems it."""

    def __init__(self, row: AuthorizationCode, grant: OAuthGrant) -> None:
        self.row, self.grant = row, grant
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class TokenKind(StrEnum):
    """Which credential of a token row was presented."""

    ACCESS = "access_token"
    REFRESH = "refresh_token"


class TokenView(TokenMixin):
    """One side (access or refresh) of a token row.

    Authlib's introspection (rfc7662/introspection.py:74) and bearer
    validation (rfc6750/validator.py:33-41) ask whatever lookup returned
    ``is_expired()`` and ``is_revoked()``; one row holds two credentials
    with different lifetimes, so each lookup returns a view of one side.
    """

    def __init__(self, row: OAuthToken, kind: TokenKind, grant: OAuthGrant) -> None:
        self.row, self.kind, self.grant = row, kind, grant

    def check_client(self, client: AppClient) -> bool:
        return self.row.app_id == client.row.id

    def get_scope(self) -> str:
        if self.kind is TokenKind.ACCESS:
            # The grant's scope bounds its live tokens, whatever they were issued with.
            return scope_string(parse_scopes(self.row.scope) & parse_scopes(self.grant.scope))
        return self.row.granted_scope

    def get_expires_in(self) -> int:
        return int((self.row.access_expires_at - self.row.issued_at).total_seconds())

    def expires_at(self) -> datetime:
        if self.kind is TokenKind.ACCESS:
            return self.row.access_expires_at
        return self.row.refresh_expires_at

    def is_expired(self) -> bool:
        return self.expires_at() <= utcnow()

    def is_revoked(self) -> bool:
        if self.kind is TokenKind.ACCESS:
            revoked = self.row.access_revoked_at
        else:
            revoked = self.row.refresh_revoked_at
        return revoked is not None or not self.grant.is_active(utcnow())

    def get_user(self) -> Member | None:
        return db.session.get(Member, self.row.member_id)

    def get_client(self) -> AppClient | None:
        app = db.session.get(OAuthClient, self.row.app_id)
        return AppClient(app) if app is not None else None


def _view(found: tokens.Found | None, kind: TokenKind) -> TokenView | None:
    return None if found is None else TokenView(found.token, kind, found.grant)


def find_access_token(token: str) -> TokenView | None:
    """The access side of the row whose access token is ``token`` (one query), if any."""
    return _view(tokens.token_by_access(db.session, token), TokenKind.ACCESS)


def find_token(token: str, hint: str | None) -> TokenView | None:
    """The view of whichever credential ``token`` is, trying the hinted kind first."""
    kinds = [TokenKind.ACCESS, TokenKind.REFRESH]
    if hint == TokenKind.REFRESH:
        kinds.reverse()
    for kind in kinds:
        lookup = tokens.token_by_access if kind is TokenKind.ACCESS else tokens.token_by_refresh
        view = _view(lookup(db.session, token), kind)
        if view is not None:
            return view
    return None


class S256OnlyCodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only.

    ``CodeChallenge(required=True)`` is not enough: it lets an authorization
    request without a challenge through (challenge.py:73-74), accepts
    ``plain`` (and a missing method means plain, :123-125), and insists on a
    verifier only for public clients (:96). Both hooks are tightened here.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar = ("S256",)
    CODE_CHALLENGE_METHODS: ClassVar = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send a 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")
        # The base refuses a verifier for a code without a challenge (RFC 9700
        # 4.8, challenge.py:109-113) and compares with our S256 only.
        super().validate_code_verifier(grant, result)


class FieldgateIssuerParameter(IssuerParameter):
    """RFC 9207: ``iss`` on every authorization response.

    Authlib adds it to what passes through ``create_authorization_response``;
    errors raised before the consent page get it from the server's
    ``error_redirect``, which calls :meth:`add_issuer_parameter` itself.
    """

    def get_issuer(self) -> str:
        return issuer()


def _app_of(app_id: int) -> OAuthClient:
    app = db.session.get(OAuthClient, app_id)
    assert app is not None, "a code or token outlived its app row"
    return app


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The only grant that issues tokens for member data (no implicit, password or client creds)."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = list(TOKEN_AUTH_METHODS)
    consent: OAuthGrant | None = None  # the member's grant, set when they allow

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: AppClient) -> str:
        # The base falls back to a default URI and echoes the URI into the
        # error (grants/base.py:117-131), where a '"' or non-ASCII character
        # makes Authlib itself raise (oauth2/base.py:40-43). Required, exact, not echoed.
        uri = request.payload.redirect_uri
        if not uri:
            raise InvalidRequestError("Missing 'redirect_uri' in request.")
        if not client.check_redirect_uri(uri):
            raise InvalidRequestError("'redirect_uri' is not registered for this client.")
        return str(uri)

    def generate_authorization_code(self) -> str:
        return new_credential(Credential.CODE)

    def save_authorization_code(self, code: str, request: Any) -> None:
        assert self.consent is not None, "a code is issued only under a member's grant"
        data = request.payload.data
        now = utcnow()
        db.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                app_id=request.client.row.id,
                member_id=request.user.id,
                grant_id=self.consent.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                issued_at=now,
                expires_at=now + lifetimes().code,
            )
        )
        db.session.commit()

    def query_authorization_code(self, code: str, client: AppClient) -> IssuedCode | None:
        # Authlib never checks a code's expiry itself: it is checked here.
        row = tokens.code_by_value(db.session, code)
        if row is None or row.app_id != client.row.id:
            return None
        if row.used_at is not None:
            self._replayed(row)
            return None
        grant = db.session.get(OAuthGrant, row.grant_id)
        now = utcnow()
        if grant is None or row.expires_at <= now or not grant.is_active(now):
            return None
        return IssuedCode(row, grant)

    def _replayed(self, row: AuthorizationCode) -> None:
        """RFC 6749 4.1.2: deny, and revoke every token the code produced.

        Only a replay that ended something is history: the same code sent
        again and again must not let an app fill the member's page with alarms
        and push another app's alarm out of sight (found by review).
        """
        tokens.lock_grant(db.session, row.grant_id)
        if tokens.revoke_tokens(db.session, OAuthToken.family_id == row.id):
            app = _app_of(row.app_id)
            history.record(db.session, row.member_id, app, OAuthEventKind.CODE_REPLAY)
        db.session.commit()

    def create_token_response(self) -> Any:
        # Claim the code before anything is issued (see app.apps.tokens).
        code: IssuedCode = self.request.authorization_code
        tokens.lock_grant(db.session, code.row.grant_id)
        if not tokens.claim_code(db.session, code.row.id):
            self._replayed(code.row)
            raise InvalidGrantError("Invalid 'code' in request.")
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        # Kept, marked used, so that a replay is recognised.
        return None

    def authenticate_user(self, authorization_code: IssuedCode) -> Member | None:
        return db.session.get(Member, authorization_code.row.member_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh tokens rotate on every use; a rotated-out one coming back revokes the grant."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = list(TOKEN_AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotate (refresh_token.py:30)

    def authenticate_refresh_token(self, refresh_token: str) -> TokenView | None:
        found = tokens.token_by_refresh(db.session, refresh_token)
        if found is None or found.token.app_id != self.request.client.row.id:
            return None
        if found.token.refresh_rotated_at is not None:
            self._reused(found.token)
            return None
        view = _view(found, TokenKind.REFRESH)
        if view is None or view.is_revoked() or view.is_expired():
            return None
        return view

    def _reused(self, row: OAuthToken) -> None:
        """RFC 9700 4.14.2: a rotated-out refresh token came back; revoke the whole grant."""
        grant = db.session.get(OAuthGrant, row.grant_id)
        if grant is not None:
            app = _app_of(row.app_id)
            member_grants.revoke(
                db.session, grant, app, "refresh_token_reuse", OAuthEventKind.REFRESH_REUSE
            )
        db.session.commit()

    def create_token_response(self) -> Any:
        # Rotate before issuing (the base revokes after saving, refresh_token.py:126-127):
        # of two concurrent uses one wins and the other counts as reuse. A token
        # revoked meanwhile (the app's own RFC 7009 request, say) is no reuse: it
        # was never rotated out, and revoking the member's grant with a stolen-token
        # alarm for it was wrong (found by review).
        view: TokenView = self.request.refresh_token
        tokens.lock_grant(db.session, view.row.grant_id)
        if not tokens.rotate(db.session, view.row.id):
            if tokens.rotated_out(db.session, view.row.id):
                self._reused(view.row)
            raise InvalidGrantError("The refresh token is no longer valid.")
        return super().create_token_response()

    def revoke_old_credential(self, refresh_token: TokenView) -> None:
        return None  # done, atomically, in create_token_response

    def authenticate_user(self, refresh_token: TokenView) -> Member | None:
        return db.session.get(Member, refresh_token.row.member_id)
