"""A member's app blocks: "this app gets none of my data, through anyone's grant".

The engine enforces a block at every read (``SubjectContext.app_blocked``,
loaded set-wise by ``app/disclosure/context.py``); here members set and
lift them. Blocking an app also revokes the member's own grant to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.apps import grants, history
from app.clock import utcnow
from app.database import affected
from app.models.apps import AppBlock, OAuthClient, OAuthEventKind


class UnknownApp(LookupError):
    """No app (that still exists) has that id."""


@dataclass(frozen=True, slots=True)
class BlockedApp:
    """An app the member blocked, and since when."""

    app: OAuthClient
    since: datetime


def existing_app(session: Session, app_id: int) -> OAuthClient:
    """The app with that id, deleted or not (a deleted app can still be blocked or unblocked).

    Raises:
        UnknownApp: there never was such an app.
    """
    app = session.get(OAuthClient, app_id)
    if app is None:
        raise UnknownApp("There is no app with that id.")
    return app


def is_blocked(session: Session, member_id: int, app_id: int) -> bool:
    """True if the member blocked the app."""
    return session.get(AppBlock, (member_id, app_id)) is not None


def block(session: Session, member_id: int, app: OAuthClient) -> bool:
    """Block the app for the member and revoke their own grant to it; False if already blocked."""
    if is_blocked(session, member_id, app.id):
        return False
    session.add(AppBlock(member_id=member_id, app_id=app.id, created_at=utcnow()))
    for own in grants.active_grants(session, member_id, app.id):
        grants.revoke(session, own, app, "blocked", None)
    history.record(session, member_id, app, OAuthEventKind.BLOCKED)
    return True


def unblock(session: Session, member_id: int, app: OAuthClient) -> bool:
    """Lift the member's block of the app; False if there was none."""
    result = session.execute(
        delete(AppBlock).where(AppBlock.member_id == member_id, AppBlock.app_id == app.id)
    )
    if affected(result) == 0:
        return False
    history.record(session, member_id, app, OAuthEventKind.UNBLOCKED)
    return True


def blocked_apps(session: Session, member_id: int) -> list[BlockedApp]:
    """The apps the member blocked, newest block first."""
    rows = session.execute(
        select(OAuthClient, AppBlock.created_at)
        .join(AppBlock, AppBlock.app_id == OAuthClient.id)
        .where(AppBlock.member_id == member_id)
        .order_by(AppBlock.created_at.desc())
    ).all()
    return [BlockedApp(app, since) for app, since in rows]
