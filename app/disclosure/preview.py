""" "Preview as": what one viewpoint gets of the member's own data.

The preview runs the disclosure path (:func:`app.disclosure.service.evaluate`)
with the viewpoint's relation in place of a computed one, so it shows what
the engine decides, not a second opinion.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy.orm import Session

from app.disclosure.service import Requester, evaluate
from permissions import AccessRequest, Action, Outcome, Purpose, Relation, Scope


@dataclass(frozen=True, slots=True)
class Viewpoint:
    """Somebody the member can look through the eyes of."""

    key: str
    title: str
    relation: Relation
    action: Action
    through_app: bool = False

    @property
    def takes_purpose(self) -> bool:
        """Downloads and syncs are for a declared purpose; views are not."""
        return self.action is not Action.VIEW


VIEWPOINTS = MappingProxyType(
    {
        v.key: v
        for v in (
            Viewpoint("public", "Someone who is not signed in", Relation.ANONYMOUS, Action.VIEW),
            Viewpoint("member", "Any signed-in member", Relation.MEMBER, Action.VIEW),
            Viewpoint("network", "Your network (2nd degree)", Relation.NETWORK, Action.VIEW),
            Viewpoint("connection", "A connection", Relation.CONNECTION, Action.VIEW),
            Viewpoint(
                "download", "A connection's CSV download", Relation.CONNECTION, Action.DOWNLOAD
            ),
            Viewpoint(
                "sync",
                "A partner app's CRM sync, for a connection",
                Relation.CONNECTION,
                Action.SYNC,
                through_app=True,
            ),
        )
    }
)


def preview(
    session: Session, member_id: int, viewpoint: Viewpoint, purpose: Purpose | None = None
) -> Outcome:
    """What ``viewpoint`` would get of the member's values, decided by the engine."""
    scopes = frozenset(Scope) if viewpoint.through_app else None
    request = AccessRequest(
        action=viewpoint.action,
        purpose=purpose if viewpoint.takes_purpose else None,
        scopes=scopes,
    )
    onlooker = Requester(member_id=None, scopes=scopes)
    return evaluate(session, onlooker, request, {member_id: viewpoint.relation})[member_id]
