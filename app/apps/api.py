"""The OAuth 2.0 protocol endpoints for apps, and the partner API's first resource.

POST /oauth/token        authorization_code (PKCE S256) and refresh_token grants
POST /oauth/revoke       RFC 7009, for the app's own tokens
POST /oauth/introspect   RFC 7662, for the app's own tokens (any other method on
                         these three: 405 with an OAuth error object and Allow)
GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
GET  /api/v1/me          the granting member's own profile, within the token's scopes

The OAuth endpoints authenticate apps, not browsers: they carry no session
and are exempt from CSRF, and they are rate limited.
"""

from __future__ import annotations

from collections.abc import Callable

from authlib.oauth2.rfc6749.errors import InsecureTransportError
from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from app.apps.protection import (
    app_access,
    per_grant,
    token_requester,
)
from app.apps.schemas import own_profile
from app.apps.server import authorization_server, metadata
from app.disclosure.handles import handles_of
from app.disclosure.service import disclose
from app.extensions import csrf, db, limiter
from app.models.audit import Place
from permissions import Action, Scope

bp = Blueprint("apps_api", __name__)
ENDPOINT_LIMIT = "60 per minute"
# The endpoints apps POST to; another method gets an OAuth error object, not a page.
PROTOCOL_PATHS = frozenset({"/oauth/token", "/oauth/revoke", "/oauth/introspect"})


def _oauth_error(status: int, error: str, description: str) -> tuple[Response, int]:
    """An RFC 6749 5.2 error object, as Authlib answers the endpoints' other errors."""
    return jsonify(error=error, error_description=description), status


def post_only() -> tuple[Response, int]:
    """The answer to a GET (or any method but POST) on one of :data:`PROTOCOL_PATHS`.

    Apps parse these answers as OAuth errors; an HTML 405 page left them
    with nothing to read (found by review). The caller adds ``Allow``.
    """
    return _oauth_error(405, "invalid_request", "Use POST.")


def _protocol(respond: Callable[[], Response]) -> Response | tuple[Response, int]:
    # Authlib refuses plain http outside loopback before its own error
    # handling starts (rfc6749/requests.py:69), so that error is answered here.
    try:
        return respond()
    except InsecureTransportError as error:
        return _oauth_error(400, error.error, "Use https (OAuth 2.0 requires TLS).")


@bp.post("/oauth/token")
@csrf.exempt
@limiter.limit(ENDPOINT_LIMIT)
def token() -> Response | tuple[Response, int]:
    """Exchange a code (with its PKCE verifier) or rotate a refresh token."""
    return _protocol(authorization_server.create_token_response)


@bp.post("/oauth/revoke")
@csrf.exempt
@limiter.limit(ENDPOINT_LIMIT)
def revoke() -> Response | tuple[Response, int]:
    """Revoke a token, and with it every token of its grant."""
    return _protocol(lambda: authorization_server.create_endpoint_response("revocation"))


@bp.post("/oauth/introspect")
@csrf.exempt
@limiter.limit(ENDPOINT_LIMIT)
def introspect() -> Response | tuple[Response, int]:
    """Tell an authenticated app whether one of its tokens is active, and what it allows."""
    return _protocol(lambda: authorization_server.create_endpoint_response("introspection"))


@bp.get("/.well-known/oauth-authorization-server")
def server_metadata() -> Response:
    """Where the endpoints are and what they support (RFC 8414)."""
    return jsonify(metadata())


@bp.get("/api/v1/me")
@per_grant
@app_access(Scope.BASIC_VIEW)
def me() -> Response:
    """The granting member's own values within the token's scopes (the rest withheld: ``scope``).

    Logged as an app's read (``api-read``) in the member's access log.
    """
    requester = token_requester()
    member_id = requester.member()
    outcome = disclose(db.session, requester, [member_id], action=Action.VIEW, place=Place.API)
    handle = handles_of(db.session, [member_id])[member_id]
    return jsonify(own_profile(handle, requester, outcome[member_id]))
