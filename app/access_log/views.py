"""The member's "Who accessed my data" page and the downloads of their own events."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required
from marshmallow import ValidationError

from app.access_log.chart import access_chart
from app.access_log.daily import daily_counts
from app.access_log.presentation import grouped
from app.access_log.proofs import check_page, json_document
from app.access_log.queries import (
    EventFilter,
    EventPage,
    EventRow,
    apps_of,
    events_page,
    iter_events,
    requester_options,
    value_title,
)
from app.access_log.schemas import FILTER_NAMES, load_filter_args
from app.clock import utcnow
from app.extensions import db
from app.models.audit import EventAction
from app.web.navigation import carried_query
from app.web.requester import current_requester
from exporters import neutralise
from permissions import Field, Reason
from permissions.explain import why_refused

bp = Blueprint("access_log", __name__, url_prefix="/access")

CSV_COLUMNS = (
    "event",
    "time_utc",
    "requester",
    "requester_handle",
    "app",
    "action",
    "place",
    "purpose",
    "released",
    "refused",
    "outcome",
)


class BadFilter(ValueError):
    """A filter of the page or a download that cannot be used; the message says which."""


def _filter() -> tuple[EventFilter, dict[str, int | None], dict[str, Any]]:
    """The request's filters, its cursor, and the filters as the form shows them.

    Raises:
        BadFilter: a filter could not be used (its message names it).
    """
    try:
        args = load_filter_args(request.args)
    except ValidationError as exc:
        field, messages = next(iter(exc.normalized_messages().items()))
        message = messages[0] if isinstance(messages, list) else str(messages)
        raise BadFilter(f"The filter '{field}' could not be used: {message}") from exc
    cursor = {"before": args.pop("before"), "after": args.pop("after")}
    app_id = args.pop("app")
    return EventFilter(app_id=app_id, **args), cursor, args | {"app": app_id}


@bp.get("")
@login_required
def log() -> str | tuple[str, int]:
    """Who accessed my data: filters, a 90-day chart and a page of events.

    A filter that cannot be used (a start after the end) shows the page again
    with the message by the form and the filters as typed, no events: a bare
    error page lost them all (found by review).
    """
    try:
        filt, cursor, chosen = _filter()
    except BadFilter as exc:
        typed = {name: request.args.get(name, "") for name in FILTER_NAMES}
        shown = EventFilter(requester=typed["requester"] or None)  # keeps the "Who" choice
        return _page(shown, EventPage([], None, None), typed, str(exc)), 400
    return _page(filt, events_page(db.session, current_requester(), filt, **cursor), chosen)


def _page(
    filt: EventFilter, result: EventPage, chosen: Mapping[str, Any], error: str | None = None
) -> str:
    today = utcnow().date()
    return render_template(
        "access_log/log.html",
        result=result,
        groups=grouped(result.rows),
        check=check_page(db.session, result.rows),
        fields=list(Field),
        chart=access_chart(daily_counts(db.session, current_user.id, today)),
        requesters=requester_options(result.rows, filt.requester),
        apps=apps_of(db.session, current_user.id),
        actions=list(EventAction),
        chosen=chosen,
        query=carried_query(*FILTER_NAMES),
        filter_error=error,
    )


# The value cells repeat with the shapes of events: each is worded once.
@functools.lru_cache(maxsize=1024)
def _released_cell(names: tuple[str, ...]) -> str:
    return neutralise("; ".join(value_title(v) for v in names))


@functools.lru_cache(maxsize=1024)
def _refused_cell(refused: tuple[tuple[str, Reason], ...]) -> str:
    return neutralise("; ".join(f"{value_title(v)} ({why_refused(r)})" for v, r in refused))


def _csv_record(row: EventRow, app_names: Mapping[int, str]) -> list[object]:
    """One CSV line in CSV_COLUMNS order; the cells that carry text are neutralised."""
    return [
        row.seq,
        row.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        neutralise(row.requester_name),
        neutralise(row.requester_handle or ""),
        "" if row.app_id is None else neutralise(app_names.get(row.app_id, f"App #{row.app_id}")),
        row.action.value,
        row.place.value,
        row.purpose.value if row.purpose else "",
        _released_cell(row.released),
        _refused_cell(row.refused),
        row.outcome.value,
    ]


def _csv_lines(
    rows: Iterator[EventRow], app_names: Mapping[int, str], per_piece: int = 200
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i, row in enumerate(rows, 1):
        writer.writerow(_csv_record(row, app_names))
        if i % per_piece == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/events.<any(csv, json):fmt>")
@login_required
def download(fmt: str) -> Response:
    """The member's own events (with the page's filters) as CSV, or as JSON with proofs."""
    try:
        filt, _cursor, _chosen = _filter()
    except BadFilter as exc:
        abort(400, str(exc))
    rows = iter_events(db.session, current_requester(), filt)
    body, mimetype = (
        # Apps by name, as the page names them (found by review: the file had their ids).
        (_csv_lines(rows, dict(apps_of(db.session, current_user.id))), "text/csv")
        if fmt == "csv"
        else (json_document(db.session, rows), "application/json")
    )
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        stream_with_context(body),
        mimetype=f"{mimetype}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="fieldgate-access-log-{stamp}.{fmt}"'
        },
    )
