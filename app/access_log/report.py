"""Records of processing: exports and syncs by purpose and by app, for the operator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.access_log.queries import named_apps
from app.models.audit import AccessEvent, EventAction, EventOutcome

PROCESSING_ACTIONS = (EventAction.DOWNLOAD, EventAction.SYNC)
GROUP_WIDTH = 20  # the first column's least width; a longer app name widens it


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One group of the report: how many requesters took how many members' data."""

    group: str
    action: str
    requesters: int
    contacts_released: int
    contacts_refused: int


def _processing(since: datetime) -> list[ColumnElement[bool]]:
    return [AccessEvent.occurred_at >= since, AccessEvent.action.in_(PROCESSING_ACTIONS)]


def _lines(
    session: Session,
    since: datetime,
    group_column: ColumnElement[Any],
    label: Callable[[Any], str],
) -> list[ReportLine]:
    released = func.sum(case((AccessEvent.outcome != EventOutcome.REFUSED, 1), else_=0))
    refused = func.sum(case((AccessEvent.outcome == EventOutcome.REFUSED, 1), else_=0))
    rows = session.execute(
        select(
            group_column,
            AccessEvent.action,
            func.count(func.distinct(AccessEvent.requester_id)),
            released,
            refused,
        )
        .where(*_processing(since))
        .group_by(group_column, AccessEvent.action)
        .order_by(group_column, AccessEvent.action)
    ).all()
    return [
        ReportLine(label(group), str(action), requesters, int(out or 0), int(held or 0))
        for group, action, requesters, out, held in rows
    ]


def _app_labels(session: Session, since: datetime) -> Callable[[int | None], str]:
    """Apps by name, as the member's access log and its CSV name them.

    Found by review: the report said "1", "2". Rows stay grouped by id, so two
    apps of one name are two rows.
    """
    ids = select(AccessEvent.app_id).where(*_processing(since), AccessEvent.app_id.is_not(None))
    names = dict(named_apps(session, ids.distinct()))
    return lambda app_id: "(direct, no app)" if app_id is None else names[app_id]


def processing_report(session: Session, since: datetime) -> dict[str, list[ReportLine]]:
    """Exports and syncs since ``since``, grouped by purpose and by app."""
    return {
        "purpose": _lines(
            session,
            since,
            AccessEvent.purpose.expression,
            lambda purpose: "(none declared)" if purpose is None else str(purpose),
        ),
        "app": _lines(session, since, AccessEvent.app_id.expression, _app_labels(session, since)),
    }


def format_report(report: dict[str, list[ReportLine]], since: datetime) -> str:
    """The report as plain-text tables."""
    out = [f"Records of processing since {since:%Y-%m-%d} (exports and syncs)"]
    for grouping, lines in report.items():
        width = max([GROUP_WIDTH - 2, *(len(line.group) for line in lines)]) + 2
        out.append("")
        out.append(f"By {grouping}")
        header = (grouping.title(), "Action", "Requesters", "Contacts released", "Refused")
        out.append(
            f"{header[0]:<{width}}{header[1]:<10}{header[2]:>11}{header[3]:>19}{header[4]:>9}"
        )
        if not lines:
            out.append("  (nothing in this period)")
        for line in lines:
            out.append(
                f"{line.group:<{width}}{line.action:<10}{line.requesters:>11}"
                f"{line.contacts_released:>19}{line.contacts_refused:>9}"
            )
    return "\n".join(out)
