"""The connected apps page: what each app was granted, what it received, blocks and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.apps.blocks import BlockedApp, blocked_apps
from app.apps.grants import GrantedApp, grants_of
from app.apps.history import security_history
from app.apps.received import Received, apps_by_id, received_by_apps
from app.apps.scopes import PURPOSE_MEANING, describe_all
from app.clock import utcnow
from app.models.apps import OAuthClient, OAuthEvent, OAuthGrant
from app.privacy.services import purposes_of
from permissions import Scope


@dataclass(frozen=True, slots=True)
class ConnectedApp:
    """An app the member granted access, with what that allows and what it got."""

    granted: GrantedApp
    abilities: list[tuple[Scope, str]]
    purpose_meaning: str
    received: Received | None
    own_purpose_refused: bool = False  # the member's purposes keep their own profile from it


@dataclass(frozen=True, slots=True)
class OtherApp:
    """An app with none of the member's live grants that read their data.

    ``ended`` is when the member's own last grant to it was revoked or ran
    out; None if the member never granted it (it read through others' grants).
    """

    app: OAuthClient
    received: Received
    ended: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConnectedAppsPage:
    """The whole page."""

    connected: list[ConnectedApp]
    others: list[OtherApp]
    blocked: list[BlockedApp]
    history: list[OAuthEvent]
    received: dict[int, Received]  # by app id, every app that read the member's data


def _ended(grant: OAuthGrant) -> datetime:
    """When an ended grant stopped allowing anything: revoked, or run out if that came first.

    Deleting an app (or a reuse alarm) revokes grants that had run out long
    before; the member's permission ended when they ran out (found by review).
    """
    if grant.revoked_at is None:
        return grant.expires_at
    return min(grant.revoked_at, grant.expires_at)


def connected_apps_page(session: Session, member_id: int) -> ConnectedAppsPage:
    """Everything the member's connected apps page shows (names of values, never values)."""
    # Every grant ever given, newest first: the live ones are listed, and the
    # last ended one of an app no longer allowed says until when it was.
    given = grants_of(session, member_id, live_only=False)
    allowed = purposes_of(session, member_id)
    now = utcnow()
    granted = [g for g in given if g.grant.is_active(now)]
    blocked = blocked_apps(session, member_id)
    received = received_by_apps(session, member_id)
    mine = {g.app.id for g in granted} | {b.app.id for b in blocked}
    other_ids = sorted(set(received) - mine)
    others = apps_by_id(session, other_ids)
    ended: dict[int, datetime] = {}
    for g in given:
        if g.app.id in others and g.app.id not in ended:
            ended[g.app.id] = _ended(g.grant)
    return ConnectedAppsPage(
        connected=[
            ConnectedApp(
                granted=g,
                abilities=describe_all(g.scopes),
                purpose_meaning=PURPOSE_MEANING[g.grant.purpose],
                received=received.get(g.app.id),
                own_purpose_refused=not allowed[g.grant.purpose],
            )
            for g in granted
        ],
        others=[OtherApp(others[i], received[i], ended.get(i)) for i in other_ids if i in others],
        blocked=blocked,
        history=security_history(session, member_id),
        received=received,
    )
