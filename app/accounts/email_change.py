"""Changing the sign-in e-mail: a signed, expiring link sent to the new address confirms it.

Stateless, no table: the link carries the member, the new address and a
fingerprint of the current sign-in address, signed with the app's secret key
(itsdangerous, as Flask signs its own cookies). Once the sign-in address
changes the fingerprint no longer matches, so each link works once. Only the
member, signed in, can use their link: a copy of it alone changes nothing.

The profile's e-mail values are profile data with their own policies; this
changes only the address the member signs in with.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.services import (
    AccountError,
    EmailTaken,
    ensure_email_free,
    normalise_email,
    verify_password,
)
from app.clock import utcnow
from app.models.accounts import Member

LINK_LIFETIME = timedelta(hours=24)
_SALT = "fieldgate.email-change"


class LinkRefused(AccountError):
    """A confirmation link that is forged, expired, used already or for another account."""


@dataclass(frozen=True, slots=True)
class EmailChange:
    """A confirmed wish: ``member_id`` wants to sign in with ``new_email``."""

    member_id: int
    new_email: str


class _ClockedSigner(TimestampSigner):
    """Timestamps from the app's clock, so a link's age follows an injected clock too."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT, signer=_ClockedSigner)


def _fingerprint(secret_key: str, member: Member) -> str:
    # Keyed, not a bare hash: the link's payload is signed but readable, and
    # whoever receives it (perhaps at a mistyped address) must not be able to
    # test guesses of the member's current address against it.
    message = f"{member.id}:{member.email}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def request_email_change(
    session: Session, member: Member, *, new_email: str, password: str, secret_key: str
) -> tuple[str, str]:
    """Check a change of sign-in e-mail and sign a link for it; nothing changes yet.

    Returns the normalised new address and the link's token.

    Raises:
        AccountError: the address is malformed or already the member's.
        WrongPassword: ``password`` is not the member's current password.
        EmailTaken: another account signs in with the address.
    """
    address = normalise_email(new_email)
    verify_password(member, password)
    if address == member.email:
        raise AccountError("That is already your sign-in e-mail.")
    ensure_email_free(session, address, member.id)
    payload = {"m": member.id, "e": address, "f": _fingerprint(secret_key, member)}
    return address, _serializer(secret_key).dumps(payload)


def read_link(token: str, member: Member, *, secret_key: str) -> EmailChange:
    """The change a link asks for, if it is genuine, fresh, unused and ``member``'s.

    Raises:
        LinkRefused: the link is forged, expired, used already (the sign-in
            e-mail changed since it was sent) or was sent for another account.
    """
    try:
        payload: Any = _serializer(secret_key).loads(
            token, max_age=int(LINK_LIFETIME.total_seconds())
        )
    except SignatureExpired as exc:
        raise LinkRefused("This link has expired. Ask for a new one on your account page.") from exc
    except BadSignature as exc:
        raise LinkRefused(
            "This link is not valid. Copy the whole link, or ask for a new one."
        ) from exc
    if not isinstance(payload, dict) or payload.get("m") != member.id:
        raise LinkRefused(
            "This link was sent for another account. Sign in with that account to use it."
        )
    if payload.get("f") != _fingerprint(secret_key, member):
        raise LinkRefused(
            "This link was used already, or your sign-in e-mail changed after it was sent."
        )
    return EmailChange(member_id=member.id, new_email=str(payload["e"]))


def confirm_email_change(session: Session, member: Member, token: str, *, secret_key: str) -> str:
    """Make the link's address the member's sign-in e-mail; returns it.

    Raises:
        LinkRefused: see :func:`read_link`.
        EmailTaken: another account took the address since the link was sent.
    """
    change = read_link(token, member, secret_key=secret_key)
    ensure_email_free(session, change.new_email, member.id)
    member.email = change.new_email
    try:
        session.flush()
    except IntegrityError as exc:  # taken between the check and the write
        raise EmailTaken("Another account signs in with that e-mail.") from exc
    return change.new_email
