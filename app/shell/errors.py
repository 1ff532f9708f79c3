"""Every error is a page (or JSON for API clients) with a message, never a stack trace."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, make_response, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.apps.api import PROTOCOL_PATHS, post_only
from app.apps.protection import invalid_token
from app.audit.recorder import AccessLogUnavailable
from app.disclosure.authority import AuthorityEnded
from app.exports.quota import QuotaUnavailable
from app.extensions import limiter
from app.web.responses import error_response

# A person meets a 405 by opening a button's address (a POST-only URL) directly, from
# the address bar or history: Werkzeug's "The method is not allowed for the requested
# URL." under "Method not allowed" told them nothing (found by a new-user walk).
BUTTON_ONLY = (
    "This address is for a button",
    "It works only from the button on its Fieldgate page, so opening it here did nothing."
    " Go back to the page and use its button.",
)


def register_error_handlers(app: Flask) -> None:
    """Attach the handlers to ``app``."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> tuple[Response | str, int]:
        return error_response(
            400,
            "This form could not be verified, so nothing was changed. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(AccessLogUnavailable)
    def _access_log(exc: AccessLogUnavailable) -> tuple[Response | str, int]:
        # Fail closed: the data was read but its access could not be recorded.
        return error_response(
            503,
            "We could not record this access in the access log, so nothing was shown "
            "or sent. Please try again in a moment.",
        )

    @app.errorhandler(AuthorityEnded)
    def _authority_ended(exc: AuthorityEnded) -> tuple[Response, int]:
        # Only an app's reads carry a token: its grant ended between the token
        # check and the read. The same answer a dead token gets at the door.
        return invalid_token(str(exc)), 401

    @app.errorhandler(QuotaUnavailable)
    def _quota(exc: QuotaUnavailable) -> tuple[Response | str, int]:
        app.logger.error("%s", exc)
        return error_response(
            503,
            "Export limits cannot be checked right now, so nothing was exported. "
            "Please try again in a few minutes.",
        )

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded) -> tuple[Response | str, int]:
        # Flask-Limiter's own text is the limit ("20 per 10 minute"); say what to do.
        # Retry-After comes from the limiter's headers, added after this.
        current = limiter.current_limit
        wait = max(1, math.ceil((current.reset_at - time.time()) / 60)) if current else None
        when = f"in {wait} minute{'s' if wait != 1 else ''}" if wait else "in a little while"
        return error_response(
            429,
            "Too many requests in a short time, so this one was not carried out."
            f" Try again {when}.",
        )

    @app.errorhandler(MethodNotAllowed)
    def _method_not_allowed(exc: MethodNotAllowed) -> Response:
        # The OAuth endpoints answer apps in OAuth's terms (found by review: a GET
        # on /oauth/token got an HTML page). Werkzeug's Allow header went with its
        # own page, and RFC 9110 15.5.6 wants it on every 405.
        if request.path in PROTOCOL_PATHS:
            response = make_response(post_only())
        else:
            response = make_response(error_response(405, exc.description or "", page=BUTTON_ONLY))
        response.headers["Allow"] = ", ".join(exc.valid_methods or ())
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response | str, int] | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        return error_response(exc.code, exc.description or "")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response | str, int]:
        app.logger.exception("unhandled error")
        return error_response(
            500, "Something went wrong on our side. Nothing was shared; please try again."
        )
