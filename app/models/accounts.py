"""Members (sign-in accounts) and their server-side sign-in sessions."""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, UTCDateTime

HANDLE_ALPHABET = string.ascii_letters + string.digits
HANDLE_LENGTH = 12  # about 71 random bits


def new_handle() -> str:
    """A random public id for URLs, so member pages cannot be enumerated by counting.

    Letters and digits only: a handle starting with "-" would be read as a
    formula by spreadsheet programs when it appears in an export.
    """
    return "".join(secrets.choice(HANDLE_ALPHABET) for _ in range(HANDLE_LENGTH))


class Member(Base):
    """A person with a Fieldgate account.

    The sign-in e-mail is a credential, not profile data: what others may see
    lives in :class:`app.models.profiles.ProfileValue`, each with its policy.
    """

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(16), unique=True, default=new_handle)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the member deleted their account: the row stays as a tombstone
    # (the access log names members by id, and an id is never given again).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    if TYPE_CHECKING:
        # Set by the sign-in session loader for flask-login; never a column.
        auth_token: str | None

    # flask-login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        """The sign-in session token, which flask-login keeps in the cookie.

        Set (as ``auth_token``) by the session loader; never stored on this row.
        """
        return getattr(self, "auth_token", None)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.handle}>"


class AuthSession(Base):
    """One signed-in browser. Deleting the row signs that browser out.

    Only a hash of the token is stored, so a copy of the database does not
    hand out live sessions.
    """

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
