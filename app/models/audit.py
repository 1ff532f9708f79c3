"""Access events and the head of their hash chain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, EnumText, UTCDateTime
from permissions import Action, Purpose


class EventAction(StrEnum):
    """What was done with the data: the engine's three actions, and a read by an app for display.

    The first three are :class:`permissions.Action`'s own values (a test holds
    every Action here), so a logged action always names what the engine decided.
    """

    VIEW = Action.VIEW.value
    DOWNLOAD = Action.DOWNLOAD.value
    SYNC = Action.SYNC.value
    API_READ = "api-read"

    @classmethod
    def of(cls, action: Action, *, through_app: bool) -> EventAction:
        """The logged action for an engine action: an app's read for display is ``api-read``."""
        if through_app and action is Action.VIEW:
            return cls.API_READ
        return cls(action.value)

    @property
    def caption(self) -> str:
        """How the member's page names the action."""
        return _ACTION_TITLES[self]


class EventOutcome(StrEnum):
    """Whether the requester got everything asked for, part of it, or nothing."""

    RELEASED = "released"
    PARTIAL = "partial"
    REFUSED = "refused"


class Place(StrEnum):
    """Where in Fieldgate the access happened, so the member can tell a list from a profile."""

    PROFILE = "profile"
    SEARCH = "search"
    CONNECTIONS = "connections"
    INVITATIONS = "invitations"
    EXPORT = "export"
    SELF_EXPORT = "self-export"
    PRIVACY = "privacy"
    ACCESS_LOG = "access-log"
    API = "api"

    @property
    def caption(self) -> str:
        """How the member's page names the place."""
        return _PLACE_TITLES[self]


_ACTION_TITLES = {
    EventAction.VIEW: "Viewed",
    EventAction.DOWNLOAD: "Downloaded",
    EventAction.SYNC: "Synced",
    EventAction.API_READ: "Read by an app",
}
_PLACE_TITLES = {
    Place.PROFILE: "your profile",
    Place.SEARCH: "search results",
    Place.CONNECTIONS: "a connections list",
    Place.INVITATIONS: "an invitation",
    Place.EXPORT: "an export",
    Place.SELF_EXPORT: "a personal data download",
    Place.PRIVACY: "privacy settings",
    Place.ACCESS_LOG: "an access log",
    Place.API: "an app",
}


class AccessEvent(Base):
    """One access to one subject's data, released or refused.

    Holds which values were released and which refused (with the reason),
    never the values themselves. ``seq`` orders the chain and ``digest`` is
    HMAC(key, previous digest + this event), so any change, insertion,
    deletion or reordering breaks verification from that event on.

    Requester, app and subject are plain ids, not foreign keys: the log must
    outlive the rows it mentions, and a cascade would break the chain.
    """

    __tablename__ = "access_events"
    __table_args__ = (
        Index("ix_access_events_subject_time", "subject_id", "occurred_at"),
        Index("ix_access_events_time", "occurred_at"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requester_id: Mapped[int | None] = mapped_column(Integer)
    app_id: Mapped[int | None] = mapped_column(Integer)
    subject_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[EventAction] = mapped_column(EnumText(EventAction, 10))
    place: Mapped[Place] = mapped_column(EnumText(Place, 20))
    purpose: Mapped[Purpose | None] = mapped_column(EnumText(Purpose, 12))
    released: Mapped[str] = mapped_column(Text)
    refused: Mapped[str] = mapped_column(Text)
    outcome: Mapped[EventOutcome] = mapped_column(EnumText(EventOutcome, 10))
    request_id: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The one row that anchors the chain: its head, and the checkpoint left by pruning.

    Appending locks this row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
    transactions already hold the write lock), so concurrent writers extend
    the chain one after another. The checkpoint carries its own HMAC so that
    cutting events off the start of the log cannot pass for a prune.
    """

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    head_seq: Mapped[int] = mapped_column(BigInteger)
    head_digest: Mapped[str] = mapped_column(String(64))
    base_seq: Mapped[int] = mapped_column(BigInteger)
    base_digest: Mapped[str] = mapped_column(String(64))
    base_mac: Mapped[str] = mapped_column(String(64))
    pruned_before: Mapped[datetime | None] = mapped_column(UTCDateTime())


CHAIN_ID = 1
GENESIS = "0" * 64
# What migration 0003 inserts; tests that empty the tables put it back.
_SEED_COLUMNS = "id, head_seq, head_digest, base_seq, base_digest, base_mac"
_SEED_VALUES = f"{CHAIN_ID}, 0, '{GENESIS}', 0, '{GENESIS}', ''"
AUDIT_CHAIN_SEED = f"INSERT INTO audit_chain ({_SEED_COLUMNS}) VALUES ({_SEED_VALUES})"  # noqa: S608
