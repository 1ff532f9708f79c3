"""Every error is a page (or JSON for API clients) with a message, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.audit.recorder import AccessLogUnavailable
from app.web.responses import error_response


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
