"""Token revocation (RFC 7009) and introspection (RFC 7662) for authenticated apps."""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from app.apps import history, tokens
from app.apps.oauth import AppClient, TokenKind, TokenView, find_token
from app.apps.registration import TOKEN_AUTH_METHODS
from app.apps.settings import issuer
from app.disclosure.handles import handles_of
from app.extensions import db
from app.models.apps import OAuthClient, OAuthEventKind, OAuthToken


def _needs_a_token(request: Any) -> None:
    """Authlib's ``check_params`` without its refusal of unknown hints.

    Authlib answers a ``token_type_hint`` it does not know with a 401
    ``unsupported_token_type``; RFC 7009 2.1 says such a hint is ignored (and
    RFC 7662 2.1 that the search goes on across every kind), which
    :func:`find_token` does.

    Raises:
        InvalidRequestError: no token was given, or an empty one (RFC 7009 2.1 and
            RFC 7662 2.1 make it REQUIRED; found by review: ``token=`` was revoked
            as an unknown token, 200 ``{}``).
    """
    if not request.form.get("token"):
        raise InvalidRequestError(description="Give the token in the 'token' parameter.")


class TokenRevocation(RevocationEndpoint):
    """Revoking either token of a grant kills all the grant's tokens for that app at once.

    The member's consent stays (a new authorization needs no consent page);
    a token of another app is refused, an unknown one is not an error
    (RFC 7009 2.2). Authlib's default accepts client_secret_basic only
    (token_endpoint.py:14).
    """

    CLIENT_AUTH_METHODS: ClassVar = list(TOKEN_AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenView | None:
        return find_token(token_string, token_type_hint)

    def check_params(self, request: Any, client: AppClient) -> None:
        _needs_a_token(request)

    def revoke_token(self, token: TokenView, request: Any) -> None:
        row = token.row
        tokens.lock_grant(db.session, row.grant_id)  # after any refresh under way: its token too
        revoked = tokens.revoke_tokens(
            db.session, OAuthToken.grant_id == row.grant_id, OAuthToken.app_id == row.app_id
        )
        app = db.session.get(OAuthClient, row.app_id)
        # Only a revocation that ended something is history: revoking dead
        # tokens again and again must not let an app fill the member's page
        # and push an alarm out of sight.
        if app is not None and revoked:
            history.record(db.session, row.member_id, app, OAuthEventKind.REVOKED_BY_APP)
        db.session.commit()


class TokenIntrospection(IntrospectionEndpoint):
    """Introspection for authenticated apps, of their own tokens only.

    Anything else is ``{"active": false}``. ``sub`` is the member's public
    handle, never the e-mail or row id.
    """

    CLIENT_AUTH_METHODS: ClassVar = list(TOKEN_AUTH_METHODS)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenView | None:
        return find_token(token_string, token_type_hint)

    def check_params(self, request: Any, client: AppClient) -> None:
        _needs_a_token(request)

    def check_permission(self, token: TokenView, client: AppClient, request: Any) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: TokenView) -> dict[str, Any]:
        row = token.row
        app = db.session.get(OAuthClient, row.app_id)
        handle = handles_of(db.session, [row.member_id]).get(row.member_id)
        return {
            "active": True,
            "client_id": app.client_id if app is not None else None,
            "token_type": "Bearer" if token.kind is TokenKind.ACCESS else "refresh_token",
            "scope": token.get_scope(),
            "sub": handle,
            "iss": issuer(),
            "exp": int(token.expires_at().timestamp()),
            "iat": int(row.issued_at.timestamp()),
            "purpose": token.grant.purpose.value,
        }
