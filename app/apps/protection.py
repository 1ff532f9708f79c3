"""Protected resources: a bearer token turned into the requester that reads through it.

``@app_access(Scope.X)`` guards a view of the partner API: it answers 401
(with ``WWW-Authenticate: Bearer ...``) for a missing, unknown, expired or
revoked token and 403 ``insufficient_scope`` naming the scope for a token
without ``Scope.X``; inside the view :func:`token_requester` is the member
who granted the token, acting through the app with the grant's scopes and
purpose, which is what :func:`app.disclosure.service.disclose` needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749.errors import MissingAuthorizationError, OAuth2Error
from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError
from flask import Response, g, jsonify, request

from app.apps.grants import LAST_USED_RESOLUTION, touch
from app.apps.oauth import TokenView, find_access_token
from app.apps.scopes import parse_scopes
from app.clock import utcnow
from app.disclosure.service import Requester
from app.extensions import db, limiter
from permissions import Scope

REALM = "fieldgate"
RATE_PER_TOKEN = "300 per minute"  # noqa: S105 (a rate, not a secret)
View = TypeVar("View", bound=Callable[..., Any])


def presented_token() -> str | None:
    """The bearer token of this request, split as Authlib splits it (on any whitespace)."""
    parts = request.headers.get("Authorization", "").split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def _access_token(token_string: str) -> TokenView | None:
    # Looked up once per request: the rate limit's key and the guard both ask.
    cached: tuple[str, TokenView | None] | None = g.get("bearer_lookup")
    if cached is None or cached[0] != token_string:
        cached = (token_string, find_access_token(token_string))
        g.bearer_lookup = cached
    return cached[1]


class HashedBearerTokenValidator(BearerTokenValidator):
    """Finds an access token by the digest of what was presented."""

    def authenticate_token(self, token_string: str) -> TokenView | None:
        return _access_token(token_string)


resource_protector = ResourceProtector()
resource_protector.register_token_validator(HashedBearerTokenValidator(realm=REALM))


def token_key() -> str:
    """What the API's rate limits count: the grant of a live access token, else the address.

    Per grant, not per token string: every refresh makes a new access token,
    and a limit per string began again with each one (found by review: an app
    refused after 30 exports refreshed and exported on). Every request whose
    token is missing, unknown, expired or revoked counts against its address,
    so made-up tokens share one budget instead of each getting its own.
    """
    token_string = presented_token()
    view = _access_token(token_string) if token_string else None
    if view is not None and not view.is_expired() and not view.is_revoked():
        return f"grant:{view.row.grant_id}"
    return "address:" + (request.remote_addr or "unknown")


# One budget per grant across the whole API: a limit per route let a grant make
# RATE_PER_TOKEN requests a minute to each endpoint (found by review).
per_grant = limiter.shared_limit(RATE_PER_TOKEN, scope="partner-api", key_func=token_key)


def invalid_token(message: str = "The access token is unknown, expired or revoked.") -> Response:
    """A 401 ``invalid_token`` answer (RFC 6750 3.1), JSON with its challenge header."""
    response = jsonify(code="invalid_token", message=message)
    response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}", error="invalid_token"'
    response.status_code = 401
    return response


def _bearer_error(error: OAuth2Error, scope: Scope) -> tuple[Response, int]:
    if isinstance(error, InsufficientScopeError):
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
        body = {
            "code": "insufficient_scope",
            "message": f"This token was not granted the scope {scope}.",
            "scope": str(scope),
        }
        status = 403
    elif isinstance(error, MissingAuthorizationError):
        # RFC 6750 3.1: no error code when the request carries no credentials.
        challenge = f'Bearer realm="{REALM}"'
        body = {"code": "missing_token", "message": "Send an access token: Bearer <token>."}
        status = 401
    else:
        return invalid_token(), 401
    response = jsonify(body)
    response.headers["WWW-Authenticate"] = challenge
    return response, status


def app_access(scope: Scope) -> Callable[[View], View]:
    """Guard a partner-API view: a live access token with ``scope`` is required."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                token: TokenView = resource_protector.acquire_token([scope.value])
            except OAuth2Error as error:
                return _bearer_error(error, scope)
            g.app_requester = Requester(
                member_id=token.row.member_id,
                app_id=token.row.app_id,
                scopes=parse_scopes(token.get_scope()),
                request_id=g.get("request_id"),
                purpose=token.grant.purpose,
                token_id=token.row.id,
            )
            now, last = utcnow(), token.grant.last_used_at
            if last is None or last < now - LAST_USED_RESOLUTION:
                # Written at most once a minute per grant, not on every request.
                touch(db.session, token.grant.id, now)
                db.session.commit()
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorator


def token_requester() -> Requester:
    """Inside an ``@app_access`` view: the granting member, acting through the app.

    Raises:
        RuntimeError: called outside such a view.
    """
    requester: Requester | None = g.get("app_requester")
    if requester is None:
        raise RuntimeError("token_requester() is for views guarded by @app_access")
    return requester
