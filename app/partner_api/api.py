"""The partner API under ``/api/v1``, behind bearer tokens; and its OpenAPI document and docs.

GET /api/v1/connections                 a page of the member's connections (view)
GET /api/v1/connections/{handle}        one connection (view)
GET /api/v1/exports/contacts            an export file, streamed (download)
GET /api/v1/exports/{id}/manifest       the manifest of an export this app made
GET /api/v1/openapi.json                the OpenAPI 3.1 document; /api/v1/docs reads it

Every read goes through ``disclose()`` with the app named; errors are JSON
``{"code", "message"}``; 401 carries ``WWW-Authenticate: Bearer``, 403
``insufficient_scope`` names the scope. Rate limits count per grant (all the
tokens an app holds for one member), or per address for requests without a
live token.
"""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy import select

from app.apps.protection import (
    RATE_PER_TOKEN,
    app_access,
    per_grant,
    token_key,
    token_requester,
)
from app.apps.scopes import describe
from app.exports.downloads import file_response, refuse_head, retry_after
from app.exports.manifest import safe_manifest
from app.exports.quota import QuotaExceeded
from app.exports.runtime import export_limits, quota_store
from app.exports.selection import Selection, SelectionError, SelectionKind
from app.exports.service import ExportOrder, start_export
from app.extensions import db, limiter
from app.models.exports import ExportRun
from app.partner_api.openapi import openapi_document, reference
from app.partner_api.schemas import (
    ConnectionQuerySchema,
    ConnectionsQuerySchema,
    ExportQuerySchema,
    load_query,
)
from app.partner_api.services import (
    BadCursor,
    NotAConnection,
    connections_page,
    one_connection,
)
from app.web.inputs import MAX_ID
from exporters import UnknownFormat
from permissions import Field, Scope

bp = Blueprint("partner_api", __name__, url_prefix="/api/v1")
EXPORT_LIMIT = "30 per hour"
SELECTION_NAMES = ("people", "query")


def _error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(code=code, message=message), status


def _invalid(exc: ValidationError) -> tuple[Response, int]:
    name, messages = next(iter(exc.normalized_messages().items()))
    text = messages[0] if isinstance(messages, list) else str(messages)
    return _error(400, "invalid_request", f"'{name}': {text}")


def _fields(chosen: list[Field] | None) -> list[Field]:
    return chosen or list(Field)


@bp.get("/connections")
@per_grant
@app_access(Scope.BASIC_VIEW)
def connections() -> Response | tuple[Response, int]:
    """A page of the member's connections, each with what the app may view."""
    key = current_app.secret_key or ""
    try:
        args = load_query(ConnectionsQuerySchema(), request.args)
        page = connections_page(
            db.session,
            token_requester(),
            limit=args["limit"],
            cursor=args["cursor"] or None,
            key=key if isinstance(key, bytes) else key.encode(),
            fields=_fields(args["field_names"]),
        )
    except ValidationError as exc:
        return _invalid(exc)
    except BadCursor:
        return _error(400, "invalid_request", "'cursor': not a cursor this API gave out.")
    return jsonify(connections=page.connections, next_cursor=page.next_cursor)


@bp.get("/connections/<handle>")
@per_grant
@app_access(Scope.BASIC_VIEW)
def connection(handle: str) -> Response | tuple[Response, int]:
    """One connection of the member, with what the app may view."""
    try:
        args = load_query(ConnectionQuerySchema(), request.args)
        document = one_connection(
            db.session, token_requester(), handle, _fields(args["field_names"])
        )
    except ValidationError as exc:
        return _invalid(exc)
    except NotAConnection:
        return _error(404, "not_found", "The member has no connection with that handle.")
    return jsonify(document)


def _selection(args: dict[str, Any]) -> Selection:
    if args["people"]:
        return Selection(SelectionKind.PEOPLE, tuple(args["people"]))
    if args["query"]:
        return Selection(SelectionKind.SEARCH, query=args["query"])
    return Selection()


@bp.get("/exports/contacts")
@per_grant
@limiter.limit(EXPORT_LIMIT, key_func=token_key)
@app_access(Scope.BASIC_DOWNLOAD)
def export_contacts() -> Response | tuple[Response, int]:
    """The member's connections as a file, exactly as the export center makes it, for the app."""
    refuse_head()
    requester = token_requester()
    for name in SELECTION_NAMES:
        # Blank is not "everyone" (found by review: ?people= exported every connection).
        if name in request.args and not request.args[name].strip():
            return _error(400, "invalid_request", f"'{name}': empty; leave it out to export all.")
    try:
        args = load_query(ExportQuerySchema(), request.args)
    except ValidationError as exc:
        return _invalid(exc)
    if args["purpose"] != requester.purpose:
        return _error(
            403,
            "purpose_mismatch",
            f"This app was granted access for {requester.purpose}, not {args['purpose'].value}.",
        )
    order = ExportOrder(
        _selection(args), tuple(_fields(args["field_names"])), args["format"], args["purpose"]
    )
    try:
        prepared = start_export(
            db.session,
            requester,
            order,
            export_limits(current_app),
            quota_store(current_app, db.session),
        )
    except (SelectionError, UnknownFormat) as exc:
        return _error(400, "invalid_request", str(exc))
    except QuotaExceeded as exc:
        response, status = _error(429, "quota_exceeded", str(exc))
        response.headers["Retry-After"] = retry_after(exc)
        return response, status
    manifest = url_for("partner_api.export_manifest", run_id=prepared.run_id)
    return file_response(prepared, Link=f'<{manifest}>; rel="describedby"')


@bp.get("/exports/<id:run_id>/manifest")
@per_grant
@app_access(Scope.BASIC_DOWNLOAD)
def export_manifest(run_id: int) -> Response | tuple[Response, int]:
    """The manifest of an export this app made for this member (counts only)."""
    requester = token_requester()
    run = db.session.scalar(
        select(ExportRun).where(
            ExportRun.id == min(run_id, MAX_ID),
            ExportRun.requester_id == requester.member(),
            ExportRun.app_id == requester.app_id,
        )
    )
    if run is None or run.manifest is None:
        return _error(404, "not_found", "This app made no finished export with that number.")
    return jsonify(safe_manifest(json.loads(run.manifest)))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of the partner API and the member's privacy API."""
    return jsonify(openapi_document())


ERRORS = (
    ("missing_token", 401, "No Authorization: Bearer header."),
    ("invalid_token", 401, "The token is unknown, expired or revoked: refresh it, or ask again."),
    ("login_required", 401, "The privacy API (/api/me) without a signed-in session."),
    ("insufficient_scope", 403, "The token lacks the scope named in scope."),
    ("purpose_mismatch", 403, "An export declared a purpose other than the grant's."),
    ("invalid_request", 400, "A parameter is malformed or unknown; the message names it."),
    ("not_found", 404, "No such connection, export or path."),
    ("quota_exceeded", 429, "The export would pass a daily limit; Retry-After says when."),
    ("rate_limited", 429, "Too many requests for this token; slow down."),
    ("unavailable", 503, "The access log could not record the read, so nothing was sent."),
)


def _rate(limit: str, noun: str) -> str:
    """``"30 per hour"`` as ``"30 exports an hour"``."""
    count, _per, unit = limit.split()
    return f"{count} {noun} {'an' if unit.startswith('h') else 'a'} {unit}"


@bp.get("/docs")
def docs() -> str:
    """The API documentation for people, read from the OpenAPI document."""
    document = openapi_document()
    base = request.host_url.rstrip("/")
    return render_template(
        "partner_api/docs.html",
        title=document["info"]["title"],
        version=document["info"]["version"],
        operations=reference(document),
        scopes=[(str(s), describe(s)) for s in Scope],
        errors=ERRORS,
        base_url=base,
        authorize_url=base + url_for("apps.authorize"),
        token_url=base + url_for("apps_api.token"),
        token_limit=_rate(RATE_PER_TOKEN, "requests"),
        export_limit=_rate(EXPORT_LIMIT, "exports"),
    )
