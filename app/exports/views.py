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
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from app.apps.registration import app_names
from app.clock import utcnow
from app.disclosure.cards import member_cards
from app.exports.downloads import file_response, refuse_head, retry_after
from app.exports.forms import FORMAT_TITLES, PURPOSE_TITLES, ExportForm
from app.exports.manifest import LEFT_OUT_TEXT, MIN_PEOPLE_FOR_REASONS, WITHHELD_TEXT, safe_manifest
from app.exports.quota import QuotaExceeded, remaining_today
from app.exports.runs import run_status
from app.exports.runtime import export_limits, quota_store
from app.exports.selection import SelectionError, SelectionKind, connection_ids
from app.exports.self_export import self_export
from app.exports.service import ExportOrder, preview, start_export
from app.extensions import db, limiter
from app.models.audit import Place
from app.models.exports import ExportRun
from app.web.inputs import page_number
from app.web.navigation import carried_query
from app.web.requester import current_requester
from app.web.responses import wants_json
from exporters import UnknownFormat
from permissions import Purpose

bp = Blueprint("exports", __name__, url_prefix="/exports")

MAX_LISTED = 500
HISTORY_PER_PAGE = 10


def _history(page: int) -> dict[str, Any]:
    where = ExportRun.requester_id == current_user.id
    total = db.session.scalar(select(func.count()).select_from(ExportRun).where(where)) or 0
    runs = db.session.scalars(
        select(ExportRun)
        .where(where)
        .order_by(ExportRun.started_at.desc(), ExportRun.id.desc())
        .limit(HISTORY_PER_PAGE)
        .offset((page - 1) * HISTORY_PER_PAGE)
    ).all()
    apps = app_names(db.session, {r.app_id for r in runs if r.app_id is not None})
    now = utcnow()
    items = [
        {
            "run": r,
            "status": run_status(r, now),
            "manifest": safe_manifest(json.loads(r.manifest)) if r.manifest else None,
            "app": None if r.app_id is None else apps[r.app_id],
        }
        for r in runs
    ]
    return {"entries": items, "page": page, "has_next": total > page * HISTORY_PER_PAGE}


def _quota() -> dict[str, Any]:
    """Today's limits and what is left of them, for the quota line."""
    limits = export_limits(current_app)
    store = quota_store(current_app, db.session)
    remaining = remaining_today(store, current_user.id, limits.by_kind(), utcnow())
    return {"limits": limits, "remaining": remaining}


def _render(
    form: ExportForm,
    manifest: dict[str, Any] | None = None,
    status: int = 200,
    refusal: str | None = None,
) -> tuple[str, int]:
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
        refusal=refusal,
        history=_history(page_number("history")),
        format_titles=FORMAT_TITLES,
        purpose_titles={p.value: t for p, t in PURPOSE_TITLES.items()},
        **_quota(),
        left_out_text=LEFT_OUT_TEXT,
        withheld_text=WITHHELD_TEXT,
        min_people=MIN_PEOPLE_FOR_REASONS,
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


@bp.get("/")
@login_required
def center_slash() -> WerkzeugResponse:
    """``/exports/`` is the export center too."""
    return redirect(url_for("exports.center", **carried_query("contacts", "history")))


# A preview decides every selected contact (thousands, for a big network)
# and writes nothing, so it gets a limit of its own, well above a person's use.
PREVIEW_LIMIT = "120 per hour"


@bp.post("/preview")
@login_required
@limiter.limit(PREVIEW_LIMIT)
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
        # Back to the form with the choices kept, and the same count the preview shows.
        response = current_app.make_response(_render(form, status=429, refusal=str(exc)))
        response.headers["Retry-After"] = retry_after(exc)
        return response
    return file_response(prepared)


# The header the export center's script (static/js/exports.js) sends to get the
# fragment. No navigation carries it. Sec-Fetch-Dest would tell the two apart
# too, but browsers send it only over https and to localhost.
FRAGMENT_HEADER = "X-Requested-With"


@bp.get("/history")
@login_required
def history() -> WerkzeugResponse:
    """Past exports and today's quota: parts of the export center to refresh after a download.

    Asked for without :data:`FRAGMENT_HEADER` (opened in the browser, from a
    bookmark or the address bar), it leads to the export center's own list of
    past exports instead: the fragment alone showed unstyled (found by review).
    """
    page = page_number("history")  # a page that cannot be is refused here, not after a redirect
    response: WerkzeugResponse
    if FRAGMENT_HEADER in request.headers:
        response = current_app.make_response(
            render_template(
                "exports/_history.html",
                history=_history(page),
                format_titles=FORMAT_TITLES,
                purpose_titles={p.value: t for p, t in PURPOSE_TITLES.items()},
                with_quota=True,
                **_quota(),
            )
        )
    else:
        target = url_for("exports.center", **carried_query("history"), _anchor="history")
        response = redirect(target)
    response.vary.add(FRAGMENT_HEADER)
    return response


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
    return jsonify(
        status=run_status(run, utcnow()), done=run.contacts_done, selected=run.contacts_selected
    )


def _finished_run(run_id: int) -> ExportRun:
    run = db.session.get(ExportRun, run_id)
    if run is None or run.requester_id != current_user.id or run.manifest is None:
        abort(404, "There is no finished export with that number in your history.")
    return run


@bp.get("/<id:run_id>/manifest")
@login_required
def manifest(run_id: int) -> Response | str:
    """The manifest of one of the requester's past exports: a page, or JSON when asked for."""
    run = _finished_run(run_id)
    document = safe_manifest(json.loads(run.manifest or "{}"))
    if wants_json():
        return jsonify(document)
    return render_template(
        "exports/manifest.html",
        run=run,
        manifest=document,
        format_titles=FORMAT_TITLES,
        purpose_titles={p.value: t for p, t in PURPOSE_TITLES.items()},
        left_out_text=LEFT_OUT_TEXT,
        withheld_text=WITHHELD_TEXT,
        min_people=MIN_PEOPLE_FOR_REASONS,
    )


@bp.get("/<id:run_id>/manifest.json")
@login_required
def manifest_json(run_id: int) -> Response:
    """The manifest of one of the requester's past exports, as JSON."""
    return jsonify(safe_manifest(json.loads(_finished_run(run_id).manifest or "{}")))


@bp.get("/mine")
@login_required
@limiter.limit("10 per hour")
def mine() -> Response:
    """Everything Fieldgate holds about the member, as a streamed ZIP (portability)."""
    refuse_head()
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
