"""Export runs (the history a requester sees; never the data) and daily quota counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, EnumText, UTCDateTime
from permissions import Purpose


class ExportRun(Base):
    """One export: when, what was asked, how far it got, and its manifest (counts only)."""

    __tablename__ = "export_runs"
    __table_args__ = (Index("ix_export_runs_requester_started", "requester_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    # The app that exported for the member, if any (not a foreign key: the run outlives it).
    app_id: Mapped[int | None] = mapped_column(Integer)
    ticket: Mapped[str | None] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    format: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[Purpose] = mapped_column(EnumText(Purpose, 12))
    fields: Mapped[str] = mapped_column(Text)
    contacts_selected: Mapped[int] = mapped_column(Integer)
    contacts_done: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="running")
    manifest: Mapped[str | None] = mapped_column(Text)


class QuotaUsage(Base):
    """How many contacts with contact details a requester exported on one UTC day."""

    __tablename__ = "quota_usage"

    requester_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)
