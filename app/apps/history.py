"""The member's security history with apps: grants, refreshes, revocations, blocks, alarms.

Reads of data by apps are access events (the access log), not these.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
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
    """The member's events with apps, newest first."""
    return list(
        session.scalars(
            select(OAuthEvent)
            .where(OAuthEvent.member_id == member_id)
            .order_by(OAuthEvent.occurred_at.desc(), OAuthEvent.id.desc())
            .limit(limit)
        )
    )
