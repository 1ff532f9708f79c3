"""Authorization codes and tokens in the database: stored as digests, claimed atomically.

Authlib marks a code used, and a refresh token revoked, only after it has
saved the new tokens (authorization_code.py and refresh_token.py in Authlib
1.9.9), so two concurrent redemptions could both succeed. Here a code is
claimed, and a refresh token rotated, by a conditional UPDATE before
anything is issued: of two racing requests exactly one matches the row
(on PostgreSQL under READ COMMITTED the second UPDATE re-checks its WHERE
after the first commits and finds nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from app.apps.credentials import digest
from app.clock import utcnow
from app.database import affected
from app.models.apps import AuthorizationCode, OAuthGrant, OAuthToken


def lock_grant(session: Session, grant_id: int) -> None:
    """Hold the grant's row to the transaction's end: one issuer or revoker of its tokens.

    A refresh inserts its new token while it holds the old one's row; a
    revocation of the grant's tokens (the app's RFC 7009 request, or a
    replayed code's) waiting on that row then updated only the rows its
    statement began with, and on PostgreSQL the new token came out alive
    (found by review). Whoever issues or revokes a grant's tokens takes this
    lock first, so a revocation's updates begin after the refresh commits,
    and see its token. (SQLite's transactions are serial already.)
    """
    session.execute(select(OAuthGrant.id).where(OAuthGrant.id == grant_id).with_for_update())


def code_by_value(session: Session, code: str) -> AuthorizationCode | None:
    """The code row for a presented code, used or not."""
    return session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == digest(code))
    )


def claim_code(session: Session, code_id: int) -> bool:
    """Mark the code used; False if it already was (a replay, or a lost race)."""
    result = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return affected(result) == 1


def store_tokens(
    session: Session,
    token: Mapping[str, Any],
    *,
    grant: OAuthGrant,
    family_id: int,
    parent_id: int | None,
    granted_scope: str,
    access_expires_at: datetime,
    refresh_expires_at: datetime,
) -> OAuthToken:
    """Store the digests of a token response's access and refresh tokens (caller commits)."""
    row = OAuthToken(
        app_id=grant.app_id,
        member_id=grant.member_id,
        grant_id=grant.id,
        family_id=family_id,
        parent_id=parent_id,
        access_token_hash=digest(token["access_token"]),
        refresh_token_hash=digest(token["refresh_token"]),
        scope=token.get("scope") or granted_scope,
        granted_scope=granted_scope,
        issued_at=utcnow(),
        access_expires_at=access_expires_at,
        refresh_expires_at=refresh_expires_at,
    )
    session.add(row)
    return row


class Found(NamedTuple):
    """A token row and its grant, read together: every use of a token checks its grant."""

    token: OAuthToken
    grant: OAuthGrant


def _with_grant(session: Session, where: ColumnElement[bool]) -> Found | None:
    both = select(OAuthToken, OAuthGrant).join(OAuthGrant, OAuthGrant.id == OAuthToken.grant_id)
    row = session.execute(both.where(where)).first()
    return None if row is None else Found(row[0], row[1])


def token_by_access(session: Session, token: str) -> Found | None:
    """The token row whose access token was presented, with its grant (one query)."""
    return _with_grant(session, OAuthToken.access_token_hash == digest(token))


def token_by_refresh(session: Session, token: str) -> Found | None:
    """The token row whose refresh token was presented, current or rotated out, with its grant."""
    return _with_grant(session, OAuthToken.refresh_token_hash == digest(token))


def rotate(session: Session, token_id: int) -> bool:
    """Retire a refresh token (and its access token) before its successor is issued.

    False if it was already rotated or revoked: a reuse, or a lost race.
    """
    now = utcnow()
    result = session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.id == token_id,
            OAuthToken.refresh_rotated_at.is_(None),
            OAuthToken.refresh_revoked_at.is_(None),
        )
        .values(refresh_rotated_at=now, refresh_revoked_at=now, access_revoked_at=now)
    )
    return affected(result) == 1


def rotated_out(session: Session, token_id: int) -> bool:
    """True if the row's refresh token was rotated (by a refresh), not merely revoked.

    Read afresh: after :func:`rotate` found nothing to retire, this tells a
    reuse (or a lost race with another refresh) from a revocation.
    """
    found = session.scalar(select(OAuthToken.refresh_rotated_at).where(OAuthToken.id == token_id))
    return found is not None


def revoke_tokens(session: Session, *where: ColumnElement[bool], at: datetime | None = None) -> int:
    """Revoke the access and refresh tokens of every row matching ``where`` (caller commits).

    Returns how many tokens (access or refresh) were live until now: 0 when
    all of them were dead already.
    """
    when = at or utcnow()
    revoked = 0
    for column in (OAuthToken.access_revoked_at, OAuthToken.refresh_revoked_at):
        values: dict[str, Any] = {column.key: when}
        revoked += affected(
            session.execute(update(OAuthToken).where(*where, column.is_(None)).values(**values))
        )
    return revoked
