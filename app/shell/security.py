"""Request ids and HTTP security headers.

The headers are a handful of constants; a library (flask-talisman) would add
a dependency for less control than these few lines give.
"""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, abort, g, request

from app.web.headers import CONTENT_SECURITY_POLICY

_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def request_id() -> str:
    """This request's id (from a trusted proxy's ``X-Request-ID`` or fresh)."""
    return str(g.request_id)


def retry_after_for_refusals(response: Response) -> Response:
    """Keep ``Retry-After`` on a 429 only: it is the limit's or the quota's reset time.

    Flask-Limiter adds it to every answer of a limited route, as the reset of
    its own window; a client that obeys it generically then waited an hour
    after a successful export, or after a 503 whose page said "a few minutes"
    (found by review). Registered before the limiter, so that it runs after it.
    """
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def register_security(app: Flask) -> None:
    """Attach request ids and security headers to every response of ``app``."""

    @app.before_request
    def _refuse_nul_characters() -> None:
        # No text Fieldgate stores may hold NUL, and PostgreSQL refuses it
        # outright; a request carrying one is bad input, not a server error.
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for fields in (request.args, request.form)
            for key, values in fields.lists()
        ):
            abort(400, "Text cannot contain a NUL character.")

    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if not request.path.startswith("/static/"):
            # Pages carry personal data: never keep them in shared caches or history.
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure and app.config["ENV_NAME"] == "production":
            # Once a browser has met the site over TLS, it never tries plain HTTP.
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
