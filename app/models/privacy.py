"""What members chose about their privacy, and the history of every choice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, EnumText, UTCDateTime
from permissions import Audience, Purpose


class PolicyChange(Base):
    """One change a member made to one value's policy: when, which value, old and new.

    The value may be removed later; its description stays so the history
    still reads.
    """

    __tablename__ = "policy_changes"
    __table_args__ = (Index("ix_policy_changes_member_changed", "member_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    value_id: Mapped[int | None] = mapped_column(
        ForeignKey("profile_values.id", ondelete="SET NULL"), index=True
    )
    value_name: Mapped[str] = mapped_column(String(60))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(30))
    old_view: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    old_download: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    old_sync: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    new_view: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    new_download: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    new_sync: Mapped[Audience] = mapped_column(EnumText(Audience, 12))


class PurposeChoice(Base):
    """A member's answer for one purpose, where it differs from the default.

    Without a row a purpose is allowed, except marketing, which needs an opt-in.
    """

    __tablename__ = "purpose_choices"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[Purpose] = mapped_column(EnumText(Purpose, 12), primary_key=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PurposeChange(Base):
    """The history of purpose choices: every objection, opt-in and withdrawal."""

    __tablename__ = "purpose_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[Purpose] = mapped_column(EnumText(Purpose, 12))
    allowed: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Suppression(Base):
    """A member's "never export me again" for one requester.

    Only the pair is kept: enough to recognise the member in that requester's
    later exports, whether or not they are still connected.
    """

    __tablename__ = "suppressions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
