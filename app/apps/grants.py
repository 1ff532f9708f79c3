"""Members' grants to apps: consent given, reused, widened, revoked; what a member has granted.

A grant is one member's consent to one app, for named scopes and the app's
declared purpose, until it expires (``OAUTH2_GRANT_DAYS``) or is revoked.
A request within a live grant's scopes is granted again without asking; a
wider one asks again and the union is stored, restarting the clock.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from app.apps import history
from app.apps.scopes import parse_scopes, scope_string
from app.apps.tokens import revoke_tokens
from app.clock import utcnow
from app.models.accounts import Member
from app.models.apps import OAuthClient, OAuthEventKind, OAuthGrant, OAuthToken
from permissions import Scope

LAST_USED_RESOLUTION = timedelta(minutes=1)


class GrantNotFound(LookupError):
    """The member has no grant with that id."""


@dataclass(frozen=True, slots=True)
class GrantedApp:
    """One grant of a member with the app it was given to."""

    grant: OAuthGrant
    app: OAuthClient

    @property
    def scopes(self) -> frozenset[Scope]:
        """The scopes the member granted."""
        return parse_scopes(self.grant.scope)


def _live_of(member_id: int, app_id: int) -> Select[OAuthGrant]:
    return select(OAuthGrant).where(
        OAuthGrant.member_id == member_id,
        OAuthGrant.app_id == app_id,
        OAuthGrant.revoked_at.is_(None),
        OAuthGrant.expires_at > utcnow(),
    )


def active_grant(session: Session, member_id: int, app_id: int) -> OAuthGrant | None:
    """The member's live grant to the app, if any (the newest, should there be two)."""
    return session.scalar(_live_of(member_id, app_id).order_by(OAuthGrant.id.desc()).limit(1))


def active_grants(session: Session, member_id: int, app_id: int) -> list[OAuthGrant]:
    """Every live grant of the member to the app.

    One, unless two consents raced (two tabs allowing at once on PostgreSQL
    each find no live grant and make one); whatever ends the member's access
    must end them all.
    """
    return list(session.scalars(_live_of(member_id, app_id)))


def covers(grant: OAuthGrant, scopes: Collection[Scope]) -> bool:
    """True if ``grant`` already allows every one of ``scopes``."""
    return set(scopes) <= parse_scopes(grant.scope)


def consent(
    session: Session,
    member_id: int,
    app: OAuthClient,
    scopes: Collection[Scope],
    lifetime: timedelta,
) -> OAuthGrant:
    """Record the member's "Allow": a new grant, or the live one widened and renewed.

    Holds the member's row until the transaction ends, so two "Allow"s at
    once (two tabs) are one after the other: each found no live grant and
    made one on PostgreSQL, and whatever ended the member's access had to
    find both (found by review).
    """
    session.execute(select(Member.id).where(Member.id == member_id).with_for_update())
    now = utcnow()
    grant = active_grant(session, member_id, app.id)
    if grant is None:
        grant = OAuthGrant(
            member_id=member_id,
            app_id=app.id,
            purpose=app.purpose,
            scope=scope_string(scopes),
            created_at=now,
            consented_at=now,
            expires_at=now + lifetime,
        )
        session.add(grant)
        session.flush()
        history.record(session, member_id, app, OAuthEventKind.GRANTED, scopes)
        return grant
    grant.scope = scope_string(parse_scopes(grant.scope) | set(scopes))
    grant.consented_at, grant.expires_at = now, now + lifetime
    history.record(session, member_id, app, OAuthEventKind.RENEWED, parse_scopes(grant.scope))
    return grant


def revoke(
    session: Session,
    grant: OAuthGrant,
    app: OAuthClient,
    reason: str,
    kind: OAuthEventKind | None,
) -> None:
    """Revoke the grant and kill all its tokens at once; note ``kind`` in the member's history.

    Revoking a revoked grant kills any token left and notes nothing new.
    """
    now = utcnow()
    revoke_tokens(session, OAuthToken.grant_id == grant.id, at=now)
    if grant.revoked_at is not None:
        return
    grant.revoked_at, grant.revoked_reason = now, reason
    if kind is not None:
        history.record(session, grant.member_id, app, kind)


def revoke_all_of_app(session: Session, app: OAuthClient) -> int:
    """Revoke every live grant of an app being deleted; returns how many there were."""
    live = session.scalars(
        select(OAuthGrant).where(OAuthGrant.app_id == app.id, OAuthGrant.revoked_at.is_(None))
    ).all()
    now = utcnow()
    counted = [g for g in live if g.expires_at > now]
    for grant in live:
        kind = OAuthEventKind.APP_DELETED if grant in counted else None
        revoke(session, grant, app, "app_deleted", kind)
    revoke_tokens(session, OAuthToken.app_id == app.id, at=now)
    return len(counted)


def member_grant(session: Session, member_id: int, grant_id: int) -> GrantedApp:
    """One of the member's grants with its app.

    Raises:
        GrantNotFound: the member has no grant with that id.
    """
    row = session.execute(
        select(OAuthGrant, OAuthClient)
        .join(OAuthClient, OAuthClient.id == OAuthGrant.app_id)
        .where(OAuthGrant.id == grant_id, OAuthGrant.member_id == member_id)
    ).first()
    if row is None:
        raise GrantNotFound("You have no grant with that id.")
    return GrantedApp(row[0], row[1])


def grants_of(session: Session, member_id: int, *, live_only: bool) -> list[GrantedApp]:
    """The member's grants (live ones, or all ever given), newest first."""
    query = (
        select(OAuthGrant, OAuthClient)
        .join(OAuthClient, OAuthClient.id == OAuthGrant.app_id)
        .where(OAuthGrant.member_id == member_id)
        .order_by(OAuthGrant.consented_at.desc(), OAuthGrant.id.desc())
    )
    if live_only:
        query = query.where(OAuthGrant.revoked_at.is_(None), OAuthGrant.expires_at > utcnow())
    return [GrantedApp(grant, app) for grant, app in session.execute(query).all()]


def touch(session: Session, grant_id: int, at: datetime) -> None:
    """Note that the grant was used at ``at`` (written at most once a minute per grant)."""
    session.execute(
        update(OAuthGrant)
        .where(
            OAuthGrant.id == grant_id,
            (OAuthGrant.last_used_at.is_(None))
            | (OAuthGrant.last_used_at < at - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=at)
    )
