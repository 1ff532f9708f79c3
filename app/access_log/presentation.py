"""How the access-log page tells each event: plain words, and repeats grouped.

A refusal is told as a refusal ("Tried to download: refused"), with the
reason in the member's words, never an internal code; the same access
repeated back to back shows once, with how many times and over which days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from app.access_log.queries import EventRow, value_title
from app.models.audit import EventAction, EventOutcome
from permissions import Reason
from permissions.explain import why_refused

_DONE = {
    EventAction.VIEW: "Viewed",
    EventAction.DOWNLOAD: "Downloaded",
    EventAction.SYNC: "Synced",
    EventAction.API_READ: "Read through an app",
}
_REFUSED = {
    EventAction.VIEW: "Asked to view: refused",
    EventAction.DOWNLOAD: "Tried to download: refused",
    EventAction.SYNC: "Tried to sync: refused",
    EventAction.API_READ: "An app asked: refused",
}


def what_happened(row: EventRow) -> str:
    """ "Downloaded", or for a refusal "Tried to download: refused"."""
    table = _REFUSED if row.outcome is EventOutcome.REFUSED else _DONE
    return table[row.action]


# Reasons that refuse a whole subject at once (checks 1-5 of the rule).
_WHOLE = frozenset({Reason.APP_BLOCKED, Reason.PURPOSE, Reason.SUPPRESSED, Reason.QUOTA})


def withheld(row: EventRow) -> list[str]:
    """What was not shared and why, in words; a whole refusal is one "Nothing shared: ..."."""
    reasons = {reason for _name, reason in row.refused}
    if row.outcome is EventOutcome.REFUSED and len(reasons) == 1 and reasons <= _WHOLE:
        return [f"Nothing shared: {why_refused(reasons.pop())}"]
    return [
        f"{value_title(name)} not shared: {why_refused(reason)}" for name, reason in row.refused
    ]


def _same_access(a: EventRow, b: EventRow) -> bool:
    return (
        a.requester_id == b.requester_id
        and a.app_id == b.app_id
        and a.action is b.action
        and a.place is b.place
        and a.purpose == b.purpose
        and a.outcome is b.outcome
        and a.released == b.released
        and a.refused == b.refused
    )


@dataclass(slots=True)
class EventGroup:
    """The same access repeated back to back, newest first."""

    rows: list[EventRow] = field(default_factory=list)

    @property
    def row(self) -> EventRow:
        """The newest of the repeats (they differ only in time)."""
        return self.rows[0]

    @property
    def count(self) -> int:
        """How many times it happened."""
        return len(self.rows)

    @property
    def newest(self) -> datetime:
        """When it last happened."""
        return self.rows[0].occurred_at

    @property
    def oldest(self) -> datetime:
        """When it first happened (within this page)."""
        return self.rows[-1].occurred_at

    @property
    def what(self) -> str:
        """What happened, in words."""
        return what_happened(self.row)

    @property
    def shared(self) -> list[str]:
        """The values shared, as a person reads their names."""
        return [value_title(name) for name in self.row.released]

    @property
    def withheld(self) -> list[str]:
        """What was not shared and why, in words."""
        return withheld(self.row)


def grouped(rows: Iterable[EventRow]) -> list[EventGroup]:
    """Rows (newest first) with back-to-back repeats of the same access put together."""
    groups: list[EventGroup] = []
    for row in rows:
        if groups and _same_access(groups[-1].row, row):
            groups[-1].rows.append(row)
        else:
            groups.append(EventGroup([row]))
    return groups
