"""Records of processing: exports and syncs by purpose and by app, for the operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent, EventAction, EventOutcome

PROCESSING_ACTIONS = (EventAction.DOWNLOAD, EventAction.SYNC)


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One group of the report: how many requesters took how many members' data."""

    group: str
    action: str
    requesters: int
    contacts_released: int
    contacts_refused: int


def _lines(
    session: Session, since: datetime, group_column: ColumnElement[Any], none_label: str
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
        .where(AccessEvent.occurred_at >= since, AccessEvent.action.in_(PROCESSING_ACTIONS))
        .group_by(group_column, AccessEvent.action)
        .order_by(group_column, AccessEvent.action)
    ).all()
    return [
        ReportLine(
            none_label if group is None else str(group),
            str(action),
            requesters,
            int(out or 0),
            int(held or 0),
        )
        for group, action, requesters, out, held in rows
    ]


def processing_report(session: Session, since: datetime) -> dict[str, list[ReportLine]]:
    """Exports and syncs since ``since``, grouped by purpose and by app."""
    return {
        "purpose": _lines(session, since, AccessEvent.purpose.expression, "(none declared)"),
        "app": _lines(session, since, AccessEvent.app_id.expression, "(direct, no app)"),
    }


def format_report(report: dict[str, list[ReportLine]], since: datetime) -> str:
    """The report as plain-text tables."""
    out = [f"Records of processing since {since:%Y-%m-%d} (exports and syncs)"]
    for grouping, lines in report.items():
        out.append("")
        out.append(f"By {grouping}")
        header = (grouping.title(), "Action", "Requesters", "Contacts released", "Refused")
        out.append(f"{header[0]:<20}{header[1]:<10}{header[2]:>11}{header[3]:>19}{header[4]:>9}")
        if not lines:
            out.append("  (nothing in this period)")
        for line in lines:
            out.append(
                f"{line.group:<20}{line.action:<10}{line.requesters:>11}"
                f"{line.contacts_released:>19}{line.contacts_refused:>9}"
            )
    return "\n".join(out)
