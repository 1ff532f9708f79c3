"""The authorization server: Authlib's, with our grants, endpoints and error handling.

``authorization_server`` is created here unbound and attached to an app by
the web shell (``init_app``); it reads its settings per request, so one
instance serves every app a process creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.base import invalid_error_characters
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from flask import Response, url_for
from sqlalchemy import select

from app.apps import history
from app.apps.credentials import Credential, new_credential
from app.apps.endpoints import TokenIntrospection, TokenRevocation
from app.apps.oauth import (
    CLIENT_ID_PATTERN,
    AppClient,
    AuthorizationCodeGrant,
    FieldgateIssuerParameter,
    RefreshTokenGrant,
    S256OnlyCodeChallenge,
    TokenView,
)
from app.apps.registration import TOKEN_AUTH_METHODS
from app.apps.scopes import parse_scopes
from app.apps.settings import issuer, lifetimes
from app.apps.tokens import store_tokens
from app.clock import utcnow
from app.extensions import db
from app.models.accounts import Member
from app.models.apps import OAuthClient, OAuthEventKind, OAuthGrant
from permissions import Scope

# Every error response carries a description (people read them in logs and
# partner support); Authlib leaves some without (e.g. unsupported_grant_type).
ERROR_DESCRIPTIONS = {
    "invalid_request": "The request is missing a parameter or has a malformed one.",
    "invalid_client": "The client could not be authenticated.",
    "invalid_grant": "The code or refresh token is invalid, expired, revoked or used.",
    "unauthorized_client": "This client may not use this grant type.",
    "unsupported_grant_type": "Only authorization_code and refresh_token are supported.",
    "unsupported_response_type": "Only response_type=code is supported.",
    "unsupported_token_type": "Only access_token and refresh_token can be given as a hint.",
    "invalid_scope": "The scope is empty, unknown, or not registered for this client.",
    "access_denied": "The member denied the request.",
}
DEFAULT_DESCRIPTION = "The request could not be completed."
# Authlib says "The client cannot authenticate with methods: [...]" naming every
# method the endpoint knows (authenticate_client.py:55-58), though each app may
# use only the one it registered (AppClient.check_endpoint_auth_method); found
# by review. This says what an app can do about it.
AUTHLIB_NO_METHOD = "The client cannot authenticate with methods"
CREDENTIALS_REFUSED = (
    "The client was not authenticated: check its secret, and send the client id and secret "
    "the one way the app was registered to use, client_secret_basic (HTTP Basic) or "
    "client_secret_post (client_id and client_secret in the form body)."
)


def _access_token(**_: Any) -> str:
    return new_credential(Credential.ACCESS_TOKEN)


def _refresh_token(**_: Any) -> str:
    return new_credential(Credential.REFRESH_TOKEN)


def _expires_in(client: AppClient, grant_type: str) -> int:
    # Authlib's own default for the code grant is 864000 s, ten days
    # (rfc6750/token.py:26-31): the lifetime is always ours.
    return int(lifetimes().access.total_seconds())


class FieldgateAuthorizationServer(AuthorizationServer):
    """Authorization code (with PKCE S256) and refresh token grants, revocation, introspection.

    Only these two grants are registered: ``response_type=token`` gets
    ``unsupported_response_type``; password, client credentials and device
    grants get ``unsupported_grant_type``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_grant(AuthorizationCodeGrant, [S256OnlyCodeChallenge()])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(TokenRevocation)
        self.register_endpoint(TokenIntrospection)
        self.issuer_parameter = FieldgateIssuerParameter()
        self.register_extension(self.issuer_parameter)

    def load_config(self, config: Mapping[str, Any]) -> None:
        """Called by ``init_app``: our token generator and scopes, whatever the config says."""
        self.register_token_generator(
            "default", BearerTokenGenerator(_access_token, _refresh_token, _expires_in)
        )
        self.scopes_supported = [scope.value for scope in Scope]

    def query_client(self, client_id: Any) -> AppClient | None:
        """The app with this public client id, unless deleted."""
        if not isinstance(client_id, str) or not CLIENT_ID_PATTERN.match(client_id):
            return None
        row = db.session.scalar(
            select(OAuthClient).where(
                OAuthClient.client_id == client_id, OAuthClient.deleted_at.is_(None)
            )
        )
        return AppClient(row) if row is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store digests of a new token pair; ``token`` is the response body, capped here.

        A code exchange starts a family whose refresh lifetime is absolute;
        a refresh continues it (never extending it). No token outlives its grant.
        """
        now = utcnow()
        parent: TokenView | None = request.refresh_token
        if parent is not None:
            grant, family_id = parent.grant, parent.row.family_id
            granted, refresh_expires = parent.row.granted_scope, parent.row.refresh_expires_at
        else:
            code = request.authorization_code
            grant, family_id, granted = code.grant, code.row.id, code.row.scope
            refresh_expires = min(now + lifetimes().refresh, grant.expires_at)
        access_expires = min(now + lifetimes().access, grant.expires_at)
        token["expires_in"] = max(0, int((access_expires - now).total_seconds()))
        store_tokens(
            db.session,
            token,
            grant=grant,
            family_id=family_id,
            parent_id=parent.row.id if parent is not None else None,
            granted_scope=granted,
            access_expires_at=access_expires,
            refresh_expires_at=refresh_expires,
        )
        if parent is not None:
            app = request.client.row
            scopes = parse_scopes(token.get("scope"))
            history.record(db.session, grant.member_id, app, OAuthEventKind.REFRESHED, scopes)
        db.session.commit()

    def authenticate_client(self, request: Any, methods: Any, endpoint: str = "token") -> Any:
        # Authlib decodes HTTP Basic credentials as strict UTF-8 and base64 of
        # ASCII, and lets the UnicodeDecodeError or ValueError of a malformed
        # header through (rfc6749/util.py, extract_basic_authorization): a 500.
        try:
            return super().authenticate_client(request, methods, endpoint)
        except (UnicodeError, ValueError) as exc:
            raise InvalidClientError(
                status_code=401, description="The client credentials are malformed."
            ) from exc
        except InvalidClientError as exc:
            if (exc.description or "").startswith(AUTHLIB_NO_METHOD):
                exc.description = CREDENTIALS_REFUSED
            raise

    def get_authorization_grant(self, request: Any) -> Any:
        # Authlib puts the raw response_type into an error description
        # (authorization_server.py:257-261), and OAuth2Error raises ValueError
        # for a '"', '\\' or non-ASCII character there (oauth2/base.py:40-43).
        response_type = request.payload.response_type
        if response_type and invalid_error_characters(response_type):
            raise InvalidRequestError("Malformed 'response_type'.")
        try:
            return super().get_authorization_grant(request)
        except UnsupportedResponseTypeError as error:
            # Authlib passes (description, response_type) to an error that takes
            # (response_type, description): the redirect's description was "token"
            # and the page read "response_type=The response type..." (found by review).
            error.response_type = response_type
            error.description = ERROR_DESCRIPTIONS[error.error]
            raise

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        if not error.description:
            error.description = ERROR_DESCRIPTIONS.get(error.error, DEFAULT_DESCRIPTION)
        return super().handle_error_response(request, error)

    def error_redirect(self, error: OAuth2Error) -> Response | None:
        """The redirect back to the app for an authorization error, with ``iss``; None if unsafe.

        Authlib sets ``error.redirect_uri`` only once the client and its
        redirect URI were validated (authorization_server.py:246-261,
        authorization_code.py:369-391); otherwise the member is shown a page
        and never sent anywhere.
        """
        if not error.redirect_uri:
            return None
        response = self.handle_error_response(None, error)
        self.issuer_parameter.add_issuer_parameter(self, response)
        return response

    def approve(
        self, grant: AuthorizationCodeGrant, member: Member, consent: OAuthGrant
    ) -> Response:
        """Send the member back to the app with a code issued under ``consent``."""
        grant.consent = consent
        return self.create_authorization_response(grant=grant, grant_user=member)

    def deny(self, grant: AuthorizationCodeGrant) -> Response:
        """Send the member back to the app with ``access_denied``."""
        return self.create_authorization_response(grant=grant, grant_user=None)


def metadata() -> dict[str, Any]:
    """The RFC 8414 document, with RFC 9207's ``authorization_response_iss_parameter_supported``."""
    base = issuer()
    methods = list(TOKEN_AUTH_METHODS)
    return {
        "issuer": base,
        "authorization_endpoint": base + url_for("apps.authorize"),
        "token_endpoint": base + url_for("apps_api.token"),
        "revocation_endpoint": base + url_for("apps_api.revoke"),
        "introspection_endpoint": base + url_for("apps_api.introspect"),
        "scopes_supported": [scope.value for scope in Scope],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_methods_supported": methods,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }


authorization_server = FieldgateAuthorizationServer()
