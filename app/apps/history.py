"""The member's security history with apps: grants, refreshes, revocations, blocks, alarms.

Reads of data by apps are access events (the access log), not these.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.apps.scopes import scope_string
from app.clock import utcnow
from app.models.apps import OAuthClient, OAuthEvent, OAuthEventKind
from permissions import Scope

HISTORY_LIMIT = 200


def record(
    session: Session,
    member_id: int,
    app: OAuthClient,
    kind: OAuthEventKind,
    scopes: Iterable[Scope | str] | None = None,
) -> OAuthEvent:
    """Add an event to ``member_id``'s security history (the caller commits)."""
    event = OAuthEvent(
        member_id=member_id,
        app_id=app.id,
        app_name=app.name,
        kind=kind,
        scope=scope_string(scopes) if scopes is not None else None,
        occurred_at=utcnow(),
    )
    session.add(event)
    return event


def security_history(
    session: Session, member_id: int, limit: int = HISTORY_LIMIT
) -> list[OAuthEvent]:
    """The member's events with apps, newest first: the newest ``limit``, then older alarms.

    Alarms (signs of a stolen credential) stay on the page however many
    ordinary events came after them (up to ``limit`` more of them).
    """
    newest = list(
        session.scalars(
            select(OAuthEvent)
            .where(OAuthEvent.member_id == member_id)
            .order_by(OAuthEvent.occurred_at.desc(), OAuthEvent.id.desc())
            .limit(limit)
        )
    )
    if len(newest) < limit:
        return newest
    oldest = newest[-1]
    older_alarms = session.scalars(
        select(OAuthEvent)
        .where(
            OAuthEvent.member_id == member_id,
            OAuthEvent.kind.in_([k for k in OAuthEventKind if k.alarming]),
            tuple_(OAuthEvent.occurred_at, OAuthEvent.id) < (oldest.occurred_at, oldest.id),
        )
        .order_by(OAuthEvent.occurred_at.desc(), OAuthEvent.id.desc())
        .limit(limit)
    )
    return newest + list(older_alarms)
