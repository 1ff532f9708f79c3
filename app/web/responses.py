"""Error responses with a message: an HTML page for people, JSON for API clients."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, render_template, request

TITLES = {
    400: "That request could not be used",
    401: "Sign in first",
    403: "You cannot do that",
    404: "Not found",
    405: "Method not allowed",
    409: "That conflicts with what is there",
    413: "That upload is too large",
    415: "That content type is not accepted",
    422: "That request could not be used",
    429: "Slow down",
    503: "Temporarily unavailable",
}
# Stable machine-readable codes of the JSON errors (API clients branch on these).
CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
}


def wants_json() -> bool:
    """True for API clients: ``/api/`` and ``/.well-known/`` paths, or JSON preferred over HTML.

    The log's and the OAuth server's well-known endpoints are read by programs
    (``curl > consistency.json`` in the README): their errors are JSON too.
    """
    if request.path.startswith(("/api/", "/.well-known/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def json_error(
    status: int, message: str, code: str | None = None, **extra: Any
) -> tuple[Response, int]:
    """The JSON error every API answers: a stable ``code`` and a ``message`` (and ``extra``).

    ``code`` defaults to the status's own (:data:`CODES`); API clients branch
    on it. ``error`` and ``status`` stay for the clients that read them.
    """
    body = {
        "code": code or CODES.get(status, "error"),
        "message": message,
        "error": TITLES.get(status, "Error"),
        "status": status,
        **extra,
    }
    return jsonify(body), status


def error_response(
    code: int, message: str, *, page: tuple[str, str] | None = None
) -> tuple[Response | str, int]:
    """An error page or JSON body with ``message``.

    ``page`` is a (title, message) for people, where the page says it otherwise
    than the JSON, whose texts API clients may read.
    """
    if wants_json():
        return json_error(code, message)
    title, message = page or (TITLES.get(code, "Something went wrong"), message)
    return render_template("error.html", code=code, title=title, message=message), code
