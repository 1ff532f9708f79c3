"""Connections and invitations, with the network's own anti-spam rules.

Rules, each refused with a message a member can act on:
no inviting yourself or an existing connection; no second pending invitation
to the same person (either way round); no new invitation within
``cooldown_days`` after one was declined or withdrawn; at most ``per_day``
invitations sent in any 24 hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.database import affected
from app.models.accounts import Member
from app.models.network import (
    MAX_INVITATION_MESSAGE,
    Connection,
    Invitation,
    InvitationStatus,
)


class InvitationRefused(ValueError):
    """The invitation or answer is not allowed; the message says why."""


class InvitationNotFound(LookupError):
    """No invitation with that id is open to this member for this action."""


class NotConnected(LookupError):
    """The two members are not connected."""


def are_connected(session: Session, member_id: int, other_id: int) -> bool:
    """True if the two members are connected."""
    stmt = select(Connection.member_id).where(
        Connection.member_id == member_id, Connection.other_id == other_id
    )
    return session.scalar(stmt) is not None


def connection_ids(session: Session, member_id: int) -> set[int]:
    """The ids of every connection of a member, in one query."""
    stmt = select(Connection.other_id).where(Connection.member_id == member_id)
    return set(session.scalars(stmt))


def connect(session: Session, member_id: int, other_id: int, *, at: datetime | None = None) -> None:
    """Store a connection in both directions (no-op if it exists)."""
    if member_id == other_id or are_connected(session, member_id, other_id):
        return
    when = at or utcnow()
    handles = dict(
        session.execute(
            select(Member.id, Member.handle).where(Member.id.in_([member_id, other_id]))
        ).all()
    )
    session.add_all(
        [
            Connection(
                member_id=member_id,
                other_id=other_id,
                other_handle=handles[other_id],
                created_at=when,
            ),
            Connection(
                member_id=other_id,
                other_id=member_id,
                other_handle=handles[member_id],
                created_at=when,
            ),
        ]
    )
    session.flush()


def disconnect(session: Session, member_id: int, other_id: int) -> None:
    """Remove a connection in both directions.

    Raises:
        NotConnected: there is no such connection.
    """
    result = session.execute(
        delete(Connection).where(
            or_(
                and_(Connection.member_id == member_id, Connection.other_id == other_id),
                and_(Connection.member_id == other_id, Connection.other_id == member_id),
            )
        )
    )
    if not affected(result):
        raise NotConnected(other_id)


def _pending(session: Session, sender_id: int, recipient_id: int) -> Invitation | None:
    return session.scalar(
        select(Invitation).where(
            Invitation.sender_id == sender_id,
            Invitation.recipient_id == recipient_id,
            Invitation.status == InvitationStatus.PENDING,
        )
    )


def _check_cooldown(
    session: Session, sender_id: int, recipient_id: int, now: datetime, days: int
) -> None:
    last_closed = session.scalar(
        select(func.max(Invitation.responded_at)).where(
            Invitation.sender_id == sender_id,
            Invitation.recipient_id == recipient_id,
            Invitation.status.in_([InvitationStatus.DECLINED, InvitationStatus.WITHDRAWN]),
        )
    )
    if last_closed is None:
        return
    again = last_closed + timedelta(days=days)
    if now < again:
        raise InvitationRefused(
            "Your last invitation to this member was declined or withdrawn. "
            f"You can invite them again from {again:%d %B %Y}."
        )


def _check_daily_cap(session: Session, sender_id: int, now: datetime, per_day: int) -> None:
    since = now - timedelta(days=1)
    sent = session.scalars(
        select(Invitation.created_at)
        .where(Invitation.sender_id == sender_id, Invitation.created_at > since)
        .order_by(Invitation.created_at)
    ).all()
    if len(sent) >= per_day:
        reset = sent[len(sent) - per_day] + timedelta(days=1)
        raise InvitationRefused(
            f"You have sent {len(sent)} invitations in the last 24 hours, the daily limit "
            f"of {per_day}. You can send more after {reset:%H:%M} UTC on {reset:%d %B}."
        )


def _clean_message(message: str) -> str:
    text = message.strip()
    if len(text) > MAX_INVITATION_MESSAGE:
        raise InvitationRefused(f"Keep the message under {MAX_INVITATION_MESSAGE} characters.")
    if any(ord(c) < 32 and c != "\n" for c in text):
        raise InvitationRefused("The message contains a control character; remove it.")
    return text


def invite(
    session: Session,
    sender_id: int,
    recipient_id: int,
    message: str = "",
    *,
    per_day: int,
    cooldown_days: int,
    now: datetime | None = None,
) -> Invitation:
    """Send an invitation to connect.

    Raises:
        InvitationRefused: one of the network's rules forbids it (see module docstring).
    """
    now = now or utcnow()
    if sender_id == recipient_id:
        raise InvitationRefused("You cannot invite yourself.")
    text = _clean_message(message)
    # Serialise one sender's invitations so the daily cap holds under concurrency.
    session.execute(select(Member.id).where(Member.id == sender_id).with_for_update())
    if are_connected(session, sender_id, recipient_id):
        raise InvitationRefused("You are already connected with this member.")
    if _pending(session, sender_id, recipient_id) is not None:
        raise InvitationRefused("You already invited this member; their answer is pending.")
    if _pending(session, recipient_id, sender_id) is not None:
        raise InvitationRefused("This member has already invited you. Accept their invitation.")
    _check_cooldown(session, sender_id, recipient_id, now, cooldown_days)
    _check_daily_cap(session, sender_id, now, per_day)
    invitation = Invitation(
        sender_id=sender_id, recipient_id=recipient_id, message=text, created_at=now
    )
    session.add(invitation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent duplicate slipped past the check
        raise InvitationRefused(
            "You already invited this member; their answer is pending."
        ) from exc
    return invitation


def _open_invitation(
    session: Session,
    invitation_id: int,
    *,
    recipient_id: int | None = None,
    sender_id: int | None = None,
) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.status is not InvitationStatus.PENDING
        or (recipient_id is not None and invitation.recipient_id != recipient_id)
        or (sender_id is not None and invitation.sender_id != sender_id)
    ):
        raise InvitationNotFound(invitation_id)
    return invitation


def _close(invitation: Invitation, status: InvitationStatus) -> Invitation:
    invitation.status = status
    invitation.responded_at = utcnow()
    return invitation


def accept(session: Session, member_id: int, invitation_id: int) -> Invitation:
    """Accept an invitation addressed to ``member_id``; the two become connected.

    Raises:
        InvitationNotFound: not a pending invitation to this member.
    """
    invitation = _open_invitation(session, invitation_id, recipient_id=member_id)
    connect(session, invitation.sender_id, invitation.recipient_id)
    return _close(invitation, InvitationStatus.ACCEPTED)


def decline(session: Session, member_id: int, invitation_id: int) -> Invitation:
    """Decline an invitation addressed to ``member_id``.

    Raises:
        InvitationNotFound: not a pending invitation to this member.
    """
    invitation = _open_invitation(session, invitation_id, recipient_id=member_id)
    return _close(invitation, InvitationStatus.DECLINED)


def withdraw(session: Session, member_id: int, invitation_id: int) -> Invitation:
    """Withdraw an invitation ``member_id`` sent.

    Raises:
        InvitationNotFound: not a pending invitation from this member.
    """
    invitation = _open_invitation(session, invitation_id, sender_id=member_id)
    return _close(invitation, InvitationStatus.WITHDRAWN)


def pending_received(session: Session, member_id: int) -> list[Invitation]:
    """Invitations waiting for this member's answer, newest first."""
    stmt = (
        select(Invitation)
        .where(Invitation.recipient_id == member_id, Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.created_at.desc())
    )
    return list(session.scalars(stmt))


def pending_sent(session: Session, member_id: int) -> list[Invitation]:
    """Invitations this member sent that await an answer, newest first."""
    stmt = (
        select(Invitation)
        .where(Invitation.sender_id == member_id, Invitation.status == InvitationStatus.PENDING)
        .order_by(Invitation.created_at.desc())
    )
    return list(session.scalars(stmt))
