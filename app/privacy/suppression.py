"""Suppression lists: members who asked never to be in a requester's exports again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.database import affected
from app.models.privacy import Suppression


class SuppressionError(ValueError):
    """A suppression that makes no sense (such as suppressing oneself)."""


def suppress(session: Session, member_id: int, requester_id: int) -> bool:
    """Keep ``member_id`` out of ``requester_id``'s exports; False if already so.

    Raises:
        SuppressionError: a member cannot suppress themselves.
    """
    if member_id == requester_id:
        raise SuppressionError("Your own download always includes you.")
    if is_suppressed(session, member_id, requester_id):
        return False
    session.add(Suppression(member_id=member_id, requester_id=requester_id))
    return True


def unsuppress(session: Session, member_id: int, requester_id: int) -> bool:
    """Allow ``requester_id`` to export ``member_id`` again (policies permitting)."""
    result = session.execute(
        delete(Suppression).where(
            Suppression.member_id == member_id, Suppression.requester_id == requester_id
        )
    )
    return bool(affected(result))


def is_suppressed(session: Session, member_id: int, requester_id: int) -> bool:
    """True if ``member_id`` keeps themselves out of ``requester_id``'s exports."""
    return session.get(Suppression, (member_id, requester_id)) is not None


def suppressions_of(session: Session, member_id: int) -> Sequence[Suppression]:
    """The requesters a member keeps out of, newest first."""
    return session.scalars(
        select(Suppression)
        .where(Suppression.member_id == member_id)
        .order_by(Suppression.created_at.desc())
    ).all()
