"""Reading access events back in tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.audit import AccessEvent


def events(session: Session, **where: Any) -> list[AccessEvent]:
    """Events matching column equalities, in chain order."""
    stmt = select(AccessEvent).order_by(AccessEvent.seq)
    for column, value in where.items():
        stmt = stmt.where(getattr(AccessEvent, column) == value)
    return list(session.scalars(stmt))


def released(event: AccessEvent) -> list[str]:
    """The value names an event says were released."""
    return json.loads(event.released)


def refused(event: AccessEvent) -> dict[str, str]:
    """Value name -> reason, for the values an event says were refused."""
    return dict(json.loads(event.refused))
