"""Every model, imported once so that Alembic and the app see the whole schema."""

from app.accounts.models import AuthSession, Member
from app.audit.models import AccessEvent, AuditChain
from app.exports.models import ExportRun, QuotaUsage
from app.network.models import Connection, Invitation, InvitationStatus
from app.notifications.models import Notification, NotificationSetting
from app.privacy.models import PolicyChange, PurposeChange, PurposeChoice, Suppression
from app.profiles.models import ProfileValue

__all__ = [
    "AccessEvent",
    "AuditChain",
    "AuthSession",
    "Connection",
    "ExportRun",
    "Invitation",
    "InvitationStatus",
    "Member",
    "Notification",
    "NotificationSetting",
    "PolicyChange",
    "ProfileValue",
    "PurposeChange",
    "PurposeChoice",
    "QuotaUsage",
    "Suppression",
]
