"""Profile values: every field value a member holds, each with its own policy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, EnumText, UTCDateTime
from permissions import Audience, Field, Policy, ValueLabel, policy

MAX_VALUE_LENGTH = 500


class ProfileValue(Base):
    """One value of one field of a member's profile, and who may do what with it.

    Single-valued fields (name, headline, ...) hold at most one row per member;
    e-mail, phone and website hold several, each labelled. The three audience
    columns are the value's stored policy, written explicitly when the value
    is created, so a later change of the defaults never reaches it.
    """

    __tablename__ = "profile_values"
    __table_args__ = (
        Index(
            "uq_profile_values_single_field",
            "member_id",
            "field",
            unique=True,
            sqlite_where=text("field NOT IN ('email', 'phone', 'website')"),
            postgresql_where=text("field NOT IN ('email', 'phone', 'website')"),
        ),
        Index(
            "uq_profile_values_primary_email",
            "member_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    field: Mapped[Field] = mapped_column(EnumText(Field))
    label: Mapped[ValueLabel | None] = mapped_column(EnumText(ValueLabel, 10))
    value: Mapped[str] = mapped_column(String(MAX_VALUE_LENGTH))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    view: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    download: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    sync: Mapped[Audience] = mapped_column(EnumText(Audience, 12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def policy(self) -> Policy:
        """The stored policy of this value."""
        return policy(self.view, self.download, self.sync)

    @policy.setter
    def policy(self, new: Policy) -> None:
        self.view, self.download, self.sync = new.view, new.download, new.sync

    @property
    def display_name(self) -> str:
        """How settings pages name this value: "E-mail (work)", "Headline"."""
        if self.label is None:
            return self.field.caption
        return f"{self.field.caption} ({self.label})"

    def __repr__(self) -> str:
        return f"<ProfileValue {self.id} {self.member_id}:{self.field}>"
