"""Partner apps (OAuth clients), members' grants to them, codes, tokens, blocks, OAuth events.

Nothing secret is stored in clear: client secrets, authorization codes and
access and refresh tokens are kept as SHA-256 digests (``*_hash``) and looked
up by the digest of what a caller presents.

"App id" is the row id of :class:`OAuthClient` (what access events call
``app_id``); ``client_id`` is the public OAuth identifier (``fgc_...``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, EnumText, UTCDateTime
from permissions import Purpose


class OAuthClient(Base):
    """A partner app a member registered in the developer portal.

    Deleting an app keeps the row (``deleted_at`` set; secret, description,
    homepage and redirect URIs cleared) so that members' grant histories still
    name it; a deleted app is unknown to the authorization server.
    """

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    developer_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    homepage: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[Purpose] = mapped_column(EnumText(Purpose, 12))
    redirect_uris: Mapped[str] = mapped_column(Text)  # a JSON list, matched byte for byte
    allowed_scope: Mapped[str] = mapped_column(Text)  # space-separated, sorted
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OAuthGrant(Base):
    """A member's consent to one app, for named scopes and the app's declared purpose.

    ``scope`` only grows through a new consent. Revoking the grant, or its
    expiry, kills its tokens at once: token checks always look at the grant.
    """

    __tablename__ = "oauth_grants"
    __table_args__ = (Index("ix_oauth_grants_member_app", "member_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    app_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[Purpose] = mapped_column(EnumText(Purpose, 12))
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(30))

    def is_active(self, at: datetime) -> bool:
        """True if not revoked and not expired at ``at``."""
        return self.revoked_at is None and self.expires_at > at


class AuthorizationCode(Base):
    """One authorization code, kept after use (``used_at``) so that a replay is recognised."""

    __tablename__ = "oauth_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_grants.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OAuthToken(Base):
    """One token response: an access token and its refresh token.

    ``family_id`` is the code the chain started from (a replayed code revokes
    the family); ``parent_id`` is the row whose refresh token was rotated into
    this one. ``refresh_expires_at`` is absolute: set at the code exchange and
    copied, never extended, on rotation.
    """

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    grant_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_grants.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_codes.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_tokens.id", ondelete="SET NULL")
    )
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text)  # of this access token
    granted_scope: Mapped[str] = mapped_column(Text)  # of the family (the code's)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    access_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refresh_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppBlock(Base):
    """A member's "never give this app my data", whoever's grant it acts through."""

    __tablename__ = "app_blocks"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    app_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OAuthEventKind(StrEnum):
    """What happened between a member and an app: the member's security history."""

    REGISTERED = "registered"
    GRANTED = "granted"
    RENEWED = "renewed"
    DENIED = "denied"
    REFRESHED = "refreshed"
    REFRESH_REUSE = "refresh-reuse"
    CODE_REPLAY = "code-replay"
    REVOKED_BY_APP = "revoked-by-app"
    REVOKED_BY_MEMBER = "revoked-by-member"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    SECRET_ROTATED = "secret-rotated"  # noqa: S105 (an event name)
    APP_DELETED = "app-deleted"

    @property
    def caption(self) -> str:
        """What the member's security history says happened."""
        return _EVENT_TITLES[self]

    @property
    def alarming(self) -> bool:
        """True for signs of a stolen credential, which the page highlights."""
        return self in (OAuthEventKind.REFRESH_REUSE, OAuthEventKind.CODE_REPLAY)


_EVENT_TITLES = {
    OAuthEventKind.REGISTERED: "You registered this app",
    OAuthEventKind.GRANTED: "You allowed access",
    OAuthEventKind.RENEWED: "You allowed access again",
    OAuthEventKind.DENIED: "You denied access",
    OAuthEventKind.REFRESHED: "The app renewed its access token",
    OAuthEventKind.REFRESH_REUSE: (
        "An old refresh token was used again; access was revoked in case it was stolen"
    ),
    OAuthEventKind.CODE_REPLAY: (
        "An authorization code was used twice; the tokens issued from it were revoked"
    ),
    OAuthEventKind.REVOKED_BY_APP: "The app gave up its access",
    OAuthEventKind.REVOKED_BY_MEMBER: "You revoked access",
    OAuthEventKind.BLOCKED: "You blocked this app",
    OAuthEventKind.UNBLOCKED: "You unblocked this app",
    OAuthEventKind.SECRET_ROTATED: "You replaced the app's client secret",
    OAuthEventKind.APP_DELETED: "The app was deleted; its access was revoked",
}


class OAuthEvent(Base):
    """One entry of a member's security history with apps.

    ``app_name`` is copied so the entry still reads after the app is gone.
    Reads of data by apps are not here: they are access events.
    """

    __tablename__ = "oauth_events"
    __table_args__ = (Index("ix_oauth_events_member_time", "member_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    app_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth_clients.id", ondelete="SET NULL"), index=True
    )
    app_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[OAuthEventKind] = mapped_column(EnumText(OAuthEventKind, 20))
    scope: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
