"""What apps received of a member's data, summarised from the member's access log.

Counts per action and the names of the values released (never the values):
the access events are the record, this only reads them, set-wise.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.access_log.queries import value_title
from app.models.apps import OAuthClient
from app.models.audit import AccessEvent, EventAction, EventOutcome

_NOUNS = {
    EventAction.VIEW: ("view", "views"),
    EventAction.API_READ: ("read", "reads"),
    EventAction.DOWNLOAD: ("download", "downloads"),
    EventAction.SYNC: ("sync", "syncs"),
}


@dataclass(slots=True)
class Received:
    """One app's reads of the member's data."""

    app_id: int
    counts: dict[EventAction, int] = field(default_factory=dict)
    refused: int = 0
    values: set[str] = field(default_factory=set)
    last: datetime | None = None

    @property
    def total(self) -> int:
        """Every recorded read, released or refused."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """The counts in words: "5 reads, 1 sync"."""
        parts = []
        for action in EventAction:
            n = self.counts.get(action, 0)
            if n:
                singular, plural = _NOUNS[action]
                parts.append(f"{n} {singular if n == 1 else plural}")
        return ", ".join(parts)

    def value_titles(self) -> list[str]:
        """The released values as people read them ("E-mail (work)"), sorted."""
        return sorted(value_title(name) for name in self.values)


def received_by_apps(
    session: Session, member_id: int, app_ids: Collection[int] | None = None
) -> dict[int, Received]:
    """Per app (all apps, or ``app_ids``), what it read of the member's data."""
    where = [AccessEvent.subject_id == member_id, AccessEvent.app_id.is_not(None)]
    if app_ids is not None:
        where.append(AccessEvent.app_id.in_(list(app_ids)))
    rows = session.execute(
        select(
            AccessEvent.app_id,
            AccessEvent.action,
            AccessEvent.outcome,
            AccessEvent.released,
            func.count(),
            func.max(AccessEvent.occurred_at),
        )
        .where(*where)
        .group_by(AccessEvent.app_id, AccessEvent.action, AccessEvent.outcome, AccessEvent.released)
    ).all()
    summary: dict[int, Received] = {}
    for app_id, action, outcome, released, count, last in rows:
        if app_id is None:  # excluded by the query; the column itself is nullable
            continue
        entry = summary.setdefault(app_id, Received(app_id))
        entry.counts[action] = entry.counts.get(action, 0) + count
        if outcome is EventOutcome.REFUSED:
            entry.refused += count
        entry.values.update(json.loads(released))
        entry.last = last if entry.last is None or last > entry.last else entry.last
    return summary


def apps_by_id(session: Session, app_ids: Collection[int]) -> dict[int, OAuthClient]:
    """The apps with these ids (deleted ones included, for their names)."""
    if not app_ids:
        return {}
    rows = session.scalars(select(OAuthClient).where(OAuthClient.id.in_(list(app_ids))))
    return {app.id: app for app in rows}
