"""The access digest: a weekly sentence about who accessed a member's data.

Digests are made by ``flask notifications send`` (run it from cron) and, so
a member never waits for cron, when they open their notifications.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.models.accounts import Member
from app.models.audit import AccessEvent, EventAction, EventOutcome, Place
from app.models.notifications import Notification, NotificationSetting
from permissions import Field, Reason
from permissions.explain import why_refused

DIGEST_PERIOD = timedelta(days=7)
ACCESS_DIGEST = "access_digest"


# Places where showing a name or card is routine (lists, logs, one's own download):
# a refused view there is not news to the member.
_LIST_PLACES = (
    Place.SEARCH,
    Place.CONNECTIONS,
    Place.INVITATIONS,
    Place.PRIVACY,
    Place.ACCESS_LOG,
    Place.SELF_EXPORT,
)


@dataclass(slots=True)
class AccessSummary:
    """Who did what with a member's data in one period (released accesses only).

    The member's own requests (their self export, a preview) are not counted:
    a digest tells a member what *others* did. Refusals are counted per reason.
    """

    viewers: set[int] = field(default_factory=set)
    anonymous_views: int = 0
    downloaders: set[int] = field(default_factory=set)
    downloaded: set[Field] = field(default_factory=set)
    syncing_apps: set[int] = field(default_factory=set)
    synced: set[Field] = field(default_factory=set)
    reading_apps: set[int] = field(default_factory=set)
    refused: Counter[Reason] = field(default_factory=Counter)

    @property
    def empty(self) -> bool:
        """True when nothing happened worth telling."""
        return not (
            self.viewers
            or self.anonymous_views
            or self.downloaders
            or self.syncing_apps
            or self.reading_apps
            or self.refused
        )


def _fields(released: str) -> set[Field]:
    return {Field(name.partition(":")[0]) for name in json.loads(released)}


def refusal_reason(refused: str) -> Reason:
    """The reason a refused event gives most often (a whole refusal has one)."""
    reasons = Counter(Reason(reason) for _name, reason in json.loads(refused))
    return reasons.most_common(1)[0][0] if reasons else Reason.AUDIENCE


def summarise(session: Session, member_id: int, start: datetime, end: datetime) -> AccessSummary:
    """Count what others did with ``member_id``'s data between ``start`` and ``end``."""
    in_period = (
        AccessEvent.subject_id == member_id,
        AccessEvent.occurred_at >= start,
        AccessEvent.occurred_at < end,
        or_(AccessEvent.requester_id.is_(None), AccessEvent.requester_id != member_id),
    )
    summary = AccessSummary()
    rows = session.execute(
        select(
            AccessEvent.action, AccessEvent.requester_id, AccessEvent.app_id, AccessEvent.released
        )
        .where(*in_period, AccessEvent.outcome != EventOutcome.REFUSED)
        .where((AccessEvent.action != EventAction.VIEW) | (AccessEvent.place == Place.PROFILE))
    )
    for action, requester_id, app_id, released in rows:
        _count_release(summary, action, requester_id, app_id, released)
    refusals = session.scalars(
        select(AccessEvent.refused)
        .where(*in_period, AccessEvent.outcome == EventOutcome.REFUSED)
        .where(AccessEvent.place.not_in(_LIST_PLACES))
    )
    summary.refused.update(refusal_reason(refused) for refused in refusals)
    return summary


def _count_release(
    summary: AccessSummary,
    action: EventAction,
    requester_id: int | None,
    app_id: int | None,
    released: str,
) -> None:
    if action is EventAction.VIEW:
        if requester_id is None:
            summary.anonymous_views += 1
        else:
            summary.viewers.add(requester_id)
    elif action is EventAction.DOWNLOAD and requester_id is not None:
        summary.downloaders.add(requester_id)
        summary.downloaded |= _fields(released)
    elif action is EventAction.SYNC and app_id is not None:
        summary.syncing_apps.add(app_id)
        summary.synced |= _fields(released)
    elif action is EventAction.API_READ and app_id is not None:
        summary.reading_apps.add(app_id)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _what(fields: Iterable[Field]) -> str:
    chosen = set(fields)
    if chosen & {Field.EMAIL, Field.PHONE} and len(chosen) > 2:
        return "contact details"
    names = [f.caption.lower() for f in Field if f in chosen]
    if not names:
        return "details"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def digest_text(summary: AccessSummary) -> str:
    """One sentence: "3 people downloaded your contact details; 1 app synced your e-mail"."""
    parts = []
    if summary.viewers:
        parts.append(f"{_count(len(summary.viewers), 'person', 'people')} viewed your profile")
    if summary.anonymous_views:
        visits = _count(summary.anonymous_views, "anonymous visit", "anonymous visits")
        parts.append(f"{visits} saw your public profile")
    if summary.downloaders:
        who = _count(len(summary.downloaders), "person", "people")
        parts.append(f"{who} downloaded your {_what(summary.downloaded)}")
    if summary.syncing_apps:
        apps = _count(len(summary.syncing_apps), "app", "apps")
        parts.append(f"{apps} synced your {_what(summary.synced)}")
    if summary.reading_apps:
        parts.append(f"{_count(len(summary.reading_apps), 'app', 'apps')} read your profile")
    for reason, n in sorted(summary.refused.items()):
        refused = _count(n, "request was", "requests were")
        parts.append(f"{refused} refused because of {why_refused(reason)}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


@dataclass(frozen=True, slots=True)
class DigestChoice:
    """Whether the member gets the access digest, and when they last changed that.

    ``changed_at`` is None while the member never chose: the digest is on by default.
    """

    enabled: bool
    changed_at: datetime | None


def digest_choice(session: Session, member_id: int) -> DigestChoice:
    """The member's choice about the access digest (on, unchanged, if they never made one)."""
    setting = session.get(NotificationSetting, member_id)
    if setting is None:
        return DigestChoice(enabled=True, changed_at=None)
    return DigestChoice(enabled=setting.access_digest, changed_at=setting.changed_at)


def digest_enabled(session: Session, member_id: int) -> bool:
    """True unless the member turned the access digest off."""
    return digest_choice(session, member_id).enabled


def set_digest_enabled(session: Session, member_id: int, enabled: bool) -> None:
    """Turn the access digest on or off, noting when it changed (the caller commits)."""
    setting = session.get(NotificationSetting, member_id)
    if setting is None:
        # Stamped now, not by the column default when the session flushes later.
        session.add(
            NotificationSetting(member_id=member_id, access_digest=enabled, changed_at=utcnow())
        )
    elif setting.access_digest != enabled:
        setting.access_digest = enabled
        setting.changed_at = utcnow()


def ensure_digest(session: Session, member_id: int, now: datetime) -> Notification | None:
    """Make the member's digest for the week ending ``now``, if one is due and not empty.

    A digest is due when the last one ended at least a week ago (or there is
    none). Returns the new notification, or None. The caller commits.
    """
    if not digest_enabled(session, member_id):
        return None
    last_end = session.scalar(
        select(func.max(Notification.period_end)).where(
            Notification.member_id == member_id, Notification.kind == ACCESS_DIGEST
        )
    )
    if last_end is not None and now - last_end < DIGEST_PERIOD:
        return None
    start = last_end or now - DIGEST_PERIOD  # no gap between digests
    summary = summarise(session, member_id, start, now)
    if summary.empty:
        return None
    notice = Notification(
        member_id=member_id,
        kind=ACCESS_DIGEST,
        period_start=start,
        period_end=now,
        body=digest_text(summary),
        created_at=now,
    )
    session.add(notice)
    return notice


def send_digests(session: Session, now: datetime) -> int:
    """Make every due digest (for ``flask notifications send``); return how many."""
    # Events outlive accounts: a deleted member gets no digest (nor a row again).
    subjects = session.scalars(
        select(AccessEvent.subject_id)
        .join(Member, Member.id == AccessEvent.subject_id)
        .where(AccessEvent.occurred_at >= now - DIGEST_PERIOD, Member.deleted_at.is_(None))
        .distinct()
    ).all()
    made = sum(1 for sid in subjects if ensure_digest(session, sid, now) is not None)
    session.commit()
    return made


def notifications_of(session: Session, member_id: int, limit: int = 50) -> list[Notification]:
    """The member's newest notifications."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.member_id == member_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, member_id: int) -> int:
    """How many notifications the member has not read."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, member_id: int, now: datetime) -> None:
    """Mark every notification read (the caller commits)."""
    session.execute(
        update(Notification)
        .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
