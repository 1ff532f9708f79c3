"""Every model, imported once so that Alembic and the app see the whole schema."""

from app.accounts.models import AuthSession, Member
from app.network.models import Connection, Invitation, InvitationStatus
from app.profiles.models import ProfileValue

__all__ = [
    "AuthSession",
    "Connection",
    "Invitation",
    "InvitationStatus",
    "Member",
    "ProfileValue",
]
