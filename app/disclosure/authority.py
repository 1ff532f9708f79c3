"""An app's authority, checked again in the transaction that logs each of its reads.

An app reads through a token of a member's grant. The token is checked when
its request arrives, but an export streams for as long as the app takes to
read it, chunk by chunk: a revocation, a block (which revokes the grant), an
expired grant or a deleted app must stop the chunks not yet sent (found by
review: the rest of a file kept streaming after the member revoked the app).
So every disclosure to an app checks its token and grant once more, just
before its events are committed and its values leave.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased

from app.clock import utcnow
from app.models.apps import OAuthClient, OAuthGrant, OAuthToken

# Made once: an alias builds a proxy of every token column, which per read cost
# more than the query itself (bench/api.py, profiled).
_SUCCESSOR = aliased(OAuthToken, name="successor")


class AuthorityEnded(PermissionError):
    """The token or grant an app reads through was revoked or expired, or the app deleted."""


def check_authority(
    session: Session, token_id: int, *, member_id: int | None, app_id: int | None
) -> None:
    """Pass if the access token ``token_id``, its grant and its app still hold.

    The token must still be the one ``app_id`` was given by ``member_id``: a
    member who deletes their account takes their token rows with them, and
    SQLite hands a freed top id to the next row, so a token issued meanwhile
    to someone else could carry the same id (found by review: an export kept
    streaming to the app after the member who granted it was gone).

    The token holds while it is not revoked, or when it was retired only by
    its own refresh (its family has a live successor: an app that refreshes
    while a file streams keeps its file). Its expiry is checked when its
    request arrives, not here: a file begun under a live token may finish
    after the hour is up. A revocation (by the member, a block, the app's own
    RFC 7009 request, a replayed code), the grant's expiry and the app's
    deletion stop it.

    Raises:
        AuthorityEnded: any of them no longer holds; nothing more may leave.
    """
    family_lives = exists().where(
        _SUCCESSOR.family_id == OAuthToken.family_id, _SUCCESSOR.refresh_revoked_at.is_(None)
    )
    live = session.scalar(
        select(OAuthToken.id)
        .join(OAuthGrant, OAuthGrant.id == OAuthToken.grant_id)
        .join(OAuthClient, OAuthClient.id == OAuthToken.app_id)
        .where(
            OAuthToken.id == token_id,
            OAuthToken.member_id == member_id,
            OAuthToken.app_id == app_id,
            or_(OAuthToken.access_revoked_at.is_(None), family_lives),
            OAuthGrant.revoked_at.is_(None),
            OAuthGrant.expires_at > utcnow(),
            OAuthClient.deleted_at.is_(None),
        )
        # The grant row is held (shared) until the events commit: a revocation,
        # block or deletion writing it meanwhile waits for this read to be
        # logged, or this read waits for it and finds it ended; never a read
        # released after its revocation committed. (PostgreSQL; SQLite's
        # transactions take the write lock when they begin, one at a time.)
        .with_for_update(read=True, of=OAuthGrant)
    )
    if live is None:
        raise AuthorityEnded("The app's access was revoked or has ended; nothing more is sent.")
