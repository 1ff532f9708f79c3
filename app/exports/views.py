"""The export center: choose, preview the manifest, download, follow progress, see history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from app.clock import utcnow
from app.disclosure.cards import member_cards
from app.exports.forms import FORMAT_TITLES, PURPOSE_TITLES, ExportForm
from app.exports.quota import QuotaExceeded
from app.exports.runtime import export_limits, quota_store
from app.exports.selection import SelectionError, SelectionKind, connection_ids
from app.exports.self_export import self_export
from app.exports.service import ExportOrder, preview, start_export
from app.extensions import db, limiter
from app.models.audit import Place
from app.models.exports import ExportRun
from app.web.requester import current_requester
from app.web.responses import error_response
from exporters import UnknownFormat
from permissions import Purpose

bp = Blueprint("exports", __name__, url_prefix="/exports")

MAX_LISTED = 500
HISTORY = 20


def _history() -> list[dict[str, Any]]:
    runs = db.session.scalars(
        select(ExportRun)
        .where(ExportRun.requester_id == current_user.id)
        .order_by(ExportRun.started_at.desc(), ExportRun.id.desc())
        .limit(HISTORY)
    ).all()
    return [{"run": r, "manifest": json.loads(r.manifest) if r.manifest else None} for r in runs]


def _render(form: ExportForm, manifest: dict[str, Any] | None = None, status: int = 200):
    ids = connection_ids(db.session, current_user.id)
    # Showing a card is a view of that person's name, logged in their access
    # log; so the list is shown only to a requester who is choosing people.
    people = None
    if form.contacts.data == SelectionKind.PEOPLE.value:
        cards = member_cards(db.session, current_requester(), ids[:MAX_LISTED], Place.EXPORT)
        people = list(cards.values())
    return render_template(
        "exports/center.html",
        form=form,
        people=people,
        total_connections=len(ids),
        manifest=manifest,
        history=_history(),
        format_titles=FORMAT_TITLES,
        purpose_titles={p.value: t for p, t in PURPOSE_TITLES.items()},
        limits=export_limits(current_app),
    ), status


def _order(form: ExportForm) -> ExportOrder:
    return ExportOrder(
        selection=form.selection(),
        fields=form.chosen_fields(),
        format=form.format.data,
        purpose=Purpose(form.purpose.data),
        bom=bool(form.bom.data),
        ticket=form.ticket.data or None,
    )


@bp.get("")
@login_required
def center() -> tuple[str, int]:
    """The export center."""
    form = ExportForm(formdata=None)
    if request.args.get("contacts") == SelectionKind.PEOPLE.value:
        form.contacts.data = SelectionKind.PEOPLE.value
    return _render(form)


@bp.post("/preview")
@login_required
def manifest_preview() -> tuple[str, int]:
    """The manifest the export would have now: counts only, nothing released."""
    form = ExportForm()
    if not form.validate():
        return _render(form, status=400)
    try:
        manifest = preview(db.session, current_requester(), _order(form))
    except SelectionError as exc:
        form.form_errors.append(str(exc))
        return _render(form, status=400)
    return _render(form, manifest)


@bp.post("/download")
@login_required
@limiter.limit("30 per hour")
def download() -> Any:
    """Stream the export file; decisions and access events are made chunk by chunk."""
    form = ExportForm()
    if not form.validate():
        return _render(form, status=400)
    try:
        prepared = start_export(
            db.session,
            current_requester(),
            _order(form),
            export_limits(current_app),
            quota_store(current_app, db.session),
        )
    except (SelectionError, UnknownFormat) as exc:
        form.form_errors.append(str(exc))
        return _render(form, status=400)
    except QuotaExceeded as exc:
        body, status = error_response(429, str(exc))
        response = current_app.make_response((body, status))
        response.headers["Retry-After"] = str(max(int(exc.seconds_left()), 1))
        return response
    return Response(
        stream_with_context(prepared.body),
        mimetype=prepared.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{prepared.filename}"',
            "X-Export-Id": str(prepared.run_id),
            "Cache-Control": "no-store",
        },
    )


@bp.get("/progress/<ticket>")
@login_required
def progress(ticket: str) -> Response:
    """How far the requester's export with this ticket has got (for the progress bar)."""
    run = db.session.scalar(
        select(ExportRun).where(
            ExportRun.ticket == ticket[:40], ExportRun.requester_id == current_user.id
        )
    )
    if run is None:
        return jsonify(status="waiting", done=0, selected=0)
    return jsonify(status=run.status, done=run.contacts_done, selected=run.contacts_selected)


@bp.get("/<id:run_id>/manifest")
@login_required
def manifest(run_id: int) -> Response:
    """The manifest of one of the requester's past exports, as JSON."""
    run = db.session.get(ExportRun, run_id)
    if run is None or run.requester_id != current_user.id or run.manifest is None:
        abort(404, "There is no finished export with that number in your history.")
    return jsonify(json.loads(run.manifest))


@bp.get("/mine")
@login_required
@limiter.limit("10 per hour")
def mine() -> Response:
    """Everything Fieldgate holds about the member, as a streamed ZIP (portability)."""
    body = self_export(db.session, current_user.id, current_requester().request_id)
    first = next(body)  # the download is logged before the first byte leaves
    stamp = utcnow().strftime("%Y%m%d")

    def rest() -> Iterator[bytes]:
        yield first
        yield from body

    return Response(
        stream_with_context(rest()),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="fieldgate-my-data-{stamp}.zip"',
            "Cache-Control": "no-store",
        },
    )
