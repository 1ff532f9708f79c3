"""Access events and the head of their hash chain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
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
    APPS = "apps"

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
    # Said of the requester: someone else's own download or access log named
    # you (found by review: "in a personal data download" read as if they had
    # downloaded your data).
    Place.SELF_EXPORT: "their download of their own data",
    Place.PRIVACY: "privacy settings",
    Place.ACCESS_LOG: "their access log",
    Place.API: "the partner API",
    Place.APPS: "a partner app's page",
}


class AccessEvent(Base):
    """One access to one subject's data, released or refused.

    Holds which values were released and which refused (with the reason),
    never the values themselves. ``seq`` is given by the database when the
    event is inserted, so writers share no lock; the sequencer later puts
    committed events into the Merkle tree in ``seq`` order and records the
    leaf each became (``leaf_index``, None while pending). Any change,
    deletion or reordering of a sealed event no longer matches its leaf.

    Requester, app and subject are plain ids, not foreign keys: the log must
    outlive the rows it mentions, and a cascade would rewrite history.
    """

    __tablename__ = "access_events"
    __table_args__ = (
        # A member's log in time order: its pages, date filters, chart and digest.
        Index("ix_access_events_subject_time", "subject_id", "occurred_at", "seq"),
        Index(
            "ix_access_events_subject_requester_time",
            "subject_id",
            "requester_id",
            "occurred_at",
            "seq",
        ),
        # The whole log by time (digests, pruning), with the subject in the index:
        # a filter on it never reads the table.
        Index("ix_access_events_time", "occurred_at", "subject_id"),
        # Small: the apps in a member's log, and who downloaded or synced their data.
        Index(
            "ix_access_events_subject_app",
            "subject_id",
            "app_id",
            sqlite_where=text("app_id IS NOT NULL"),
            postgresql_where=text("app_id IS NOT NULL"),
        ),
        Index(
            "ix_access_events_subject_accountable",
            "subject_id",
            "requester_id",
            sqlite_where=text("action IN ('download', 'sync')"),
            postgresql_where=text("action IN ('download', 'sync')"),
        ),
        # Sealed events only: every event is inserted pending, and a NULL here
        # would be one more entry per event on the request path (migration 0014).
        Index(
            "uq_access_events_leaf_index",
            "leaf_index",
            unique=True,
            sqlite_where=text("leaf_index IS NOT NULL"),
            postgresql_where=text("leaf_index IS NOT NULL"),
        ),
        Index(
            "ix_access_events_pending",
            "seq",
            sqlite_where=text("leaf_index IS NULL"),
            postgresql_where=text("leaf_index IS NULL"),
        ),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True
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
    fields_mask: Mapped[int] = mapped_column(Integer, default=0)
    leaf_index: Mapped[int | None] = mapped_column(BigInteger)
    # 32 hex digits the sequencer draws when it seals the event, in its leaf
    # only: see app/audit/leaves.py. None before sealing, and on events sealed
    # before salts existed.
    salt: Mapped[str | None] = mapped_column(String(32))
    # How the leaf names the requester: None, by id (sealed before migration
    # 0016); BY_HANDLE, by handle (ids count registrations). See leaves.py.
    leaf_format: Mapped[int | None] = mapped_column(SmallInteger)


class AuditTree(Base):
    """The one row describing the Merkle tree the sequencer has built so far.

    ``frontier`` holds the right edge (:class:`app.audit.merkle.Frontier`), so
    the next batch is appended without reading old leaves; ``pruned_below``
    is the first leaf whose event must still exist (older ones were pruned;
    their hashes stay in the tiles).
    """

    __tablename__ = "audit_tree"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    pruned_below: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditTile(Base):
    """Up to 256 hashes of one level of the tree (C2SP tlog-tiles layout, height 8)."""

    __tablename__ = "audit_tiles"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    width: Mapped[int] = mapped_column(Integer)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpoint(Base):
    """Every checkpoint the log signed: a C2SP signed note of (origin, size, root)."""

    __tablename__ = "audit_checkpoints"

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SequencerLease(Base):
    """Who may run the sequencer now: one holder across processes and hosts, until it expires."""

    __tablename__ = "audit_sequencer_lease"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


TREE_ID = LEASE_ID = 1


class AuditPrune(Base):
    """One prune of the access log: the mark it set, signed with the log's key.

    SQL alone can delete old events and raise ``AuditTree.pruned_below`` over
    them, but cannot sign the mark: ``flask audit verify`` accepts a mark only
    as the newest of these records states it (app/audit/integrity.py).
    """

    __tablename__ = "audit_prunes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_below: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text)
    pruned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
