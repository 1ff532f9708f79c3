"""Connections between members, and the invitations that create them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, EnumText, UTCDateTime

MAX_INVITATION_MESSAGE = 300


class Connection(Base):
    """One direction of a symmetric connection.

    Every connection is stored as two rows, (a, b) and (b, a), written and
    removed together, so "the connections of X" is one index range and the
    second degree is one self-join.
    """

    __tablename__ = "connections"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The other member's handle, copied when the connection is made (handles
    # never change), so a member's connections in handle order are one index
    # range. Lists, pages and files show connections in handle order, never
    # by id: ids count registrations (migration 0015).
    other_handle: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_connections_member_id_other_handle", "member_id", "other_handle"),)


class InvitationStatus(StrEnum):
    """Where an invitation stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Invitation(Base):
    """A request from one member to connect with another."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "uq_invitations_pending_pair",
            "sender_id",
            "recipient_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_invitations_sender_created", "sender_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[InvitationStatus] = mapped_column(
        EnumText(InvitationStatus, 10), default=InvitationStatus.PENDING
    )
    message: Mapped[str] = mapped_column(String(MAX_INVITATION_MESSAGE), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
