"""Sign-up, sign-in and server-side sign-in sessions.

Passwords are hashed with Argon2id through argon2-cffi. Sign-in sessions are
rows in ``auth_sessions`` keyed by a hash of a random token; the cookie holds
the token, so signing out (or an expired session) really ends it, even for a
copied cookie. flask-login alone cannot revoke a cookie, hence this module.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.database import affected
from app.models.accounts import AuthSession, Member
from app.profiles.services import add_value
from permissions import Field, ValueLabel

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
MAX_NAME_LENGTH = 80
_SEEN_RESOLUTION = timedelta(minutes=1)

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail and a wrong
# password take the same time and an attacker cannot probe for accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A sign-up or sign-in request that cannot be carried out; the message says why."""


class EmailTaken(AccountError):
    """Another account already signs in with this e-mail."""


class InvalidCredentials(AccountError):
    """The e-mail and password do not match an account."""


class WrongPassword(AccountError):
    """The current password, asked for to confirm a change, is not the member's."""


def normalise_email(raw: str) -> str:
    """Return the canonical form of an e-mail address.

    Raises:
        AccountError: the address is malformed.
    """
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"That e-mail address is not valid: {exc}") from exc
    return result.normalized.lower()


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or too long (OWASP ASVS 2.1).

    Raises:
        AccountError: the password is outside the allowed length.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at most {MAX_PASSWORD_LENGTH} characters.")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


def sign_up(
    session: Session, *, email: str, password: str, first_name: str, last_name: str
) -> Member:
    """Create a member with a name and a primary e-mail, each under default policies.

    Raises:
        AccountError: malformed e-mail, weak password or bad name.
        EmailTaken: the e-mail already belongs to an account.
    """
    address = normalise_email(email)
    check_password_strength(password)
    if session.scalar(select(Member.id).where(Member.email == address)) is not None:
        raise EmailTaken("An account with that e-mail already exists.")  # the page links to sign in
    member = Member(email=address, password_hash=hash_password(password))
    session.add(member)
    session.flush()
    add_value(session, member.id, Field.FIRST_NAME, first_name)
    add_value(session, member.id, Field.LAST_NAME, last_name)
    add_value(session, member.id, Field.EMAIL, address, label=ValueLabel.PERSONAL, primary=True)
    return member


def authenticate(session: Session, *, email: str, password: str) -> Member:
    """The member whose e-mail and password these are.

    Raises:
        InvalidCredentials: no such account, or the wrong password (one message for both).
    """
    try:
        address = normalise_email(email)
    except AccountError:
        address = ""
    member = session.scalar(select(Member).where(Member.email == address)) if address else None
    try:
        _hasher.verify(member.password_hash if member else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        member = None
    if member is None:
        raise InvalidCredentials("That e-mail and password do not match an account.")
    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


def verify_password(member: Member, password: str) -> None:
    """Re-authenticate ``member`` before a change to how they sign in.

    Raises:
        WrongPassword: ``password`` is not the member's current password.
    """
    try:
        _hasher.verify(member.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise WrongPassword("That is not your current password.") from exc


def change_password(session: Session, member: Member, *, current: str, new: str) -> int:
    """Set a new password and end every sign-in session of the member.

    All sessions end, the caller's too: it opens a fresh one for the browser
    that made the change, so a session stolen before the change dies with
    the old password. Returns how many sessions were ended.

    Raises:
        WrongPassword: ``current`` is not the member's password.
        AccountError: the new password is too short, too long or the current one.
    """
    verify_password(member, current)
    check_password_strength(new)
    if new == current:
        raise AccountError("Choose a new password that differs from the current one.")
    member.password_hash = hash_password(new)
    return close_all_sessions(session, member.id)


def ensure_email_free(session: Session, address: str, member_id: int) -> None:
    """Refuse a sign-in e-mail that another account already uses.

    Raises:
        EmailTaken: another member signs in with ``address``.
    """
    taken = session.scalar(select(Member.id).where(Member.email == address, Member.id != member_id))
    if taken is not None:
        raise EmailTaken("Another account signs in with that e-mail.")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, member: Member) -> str:
    """Start a sign-in session for ``member`` and return its (secret) token."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_token_hash(token), member_id=member.id))
    member.auth_token = token
    return token


def load_session(
    session: Session,
    token: str,
    *,
    idle: timedelta,
    absolute: timedelta,
    now: datetime | None = None,
) -> Member | None:
    """The member signed in with ``token``, or None if it is unknown or expired.

    An expired session is deleted on the way. ``last_seen_at`` is refreshed at
    most once a minute, so a busy page does not write on every request. The
    caller commits.
    """
    now = now or utcnow()
    row = session.get(AuthSession, _token_hash(token))
    if row is None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        session.delete(row)
        return None
    if now - row.last_seen_at > _SEEN_RESOLUTION:
        row.last_seen_at = now
    member = session.get(Member, row.member_id)
    if member is not None:
        member.auth_token = token
    return member


def close_session(session: Session, token: str | None) -> None:
    """End the sign-in session behind ``token`` (no error if it is already gone)."""
    if token:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def close_all_sessions(session: Session, member_id: int) -> int:
    """End every sign-in session of a member; returns how many were open."""
    result = session.execute(delete(AuthSession).where(AuthSession.member_id == member_id))
    return affected(result)
