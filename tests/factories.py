"""Factories for members, values and connections, fast enough for thousands."""

from __future__ import annotations

import itertools

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.services import hash_password
from app.models.accounts import Member
from app.models.network import Connection
from app.models.profiles import ProfileValue
from app.network.services import connect
from app.profiles.services import add_value
from permissions import Field, Policy, ValueLabel

TEST_PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow; hash once and share it between test members.
PASSWORD_HASH = hash_password(TEST_PASSWORD)
_counter = itertools.count(1)


def make_member(
    session: Session,
    first: str = "Ada",
    last: str = "Lovelace",
    *,
    email: str | None = None,
    values: dict[Field, str] | None = None,
) -> Member:
    """A member with a name, a primary e-mail and any extra single values, default policies."""
    n = next(_counter)
    address = email or f"member{n}@example.com"
    member = Member(email=address, password_hash=PASSWORD_HASH)
    session.add(member)
    session.flush()
    add_value(session, member.id, Field.FIRST_NAME, first)
    add_value(session, member.id, Field.LAST_NAME, last)
    add_value(session, member.id, Field.EMAIL, address, label=ValueLabel.PERSONAL, primary=True)
    for field, text in (values or {}).items():
        add_value(session, member.id, field, text)
    return member


def set_policy(session: Session, member_id: int, field: Field, policy: Policy) -> None:
    """Give every value of ``field`` of a member the same policy (test shortcut)."""
    for value in session.query(ProfileValue).filter_by(member_id=member_id, field=field):
        value.policy = policy
    session.flush()


def connect_members(session: Session, *members: Member) -> None:
    """Connect the members in a chain: a-b, b-c, ..."""
    for left, right in itertools.pairwise(members):
        connect(session, left.id, right.id)


def set_handle(session: Session, member: Member, handle: str) -> None:
    """Give ``member`` the handle ``handle``, on their connections' rows too.

    Handles never change in the app; tests that need handles in a given order
    set them, and the connections' copy (``other_handle``) must follow.
    """
    member.handle = handle
    session.execute(
        update(Connection).where(Connection.other_id == member.id).values(other_handle=handle)
    )


def handles_against_registration(session: Session, members: list[Member]) -> list[str]:
    """Give ``members`` handles that sort the other way from their ids; the handles, sorted.

    For tests that an order is by handle and tells nothing of who registered first.
    """
    handles = [f"{chr(ord('a') + i) * 4}0" for i in range(len(members))]  # aaaa0, bbbb0, ...
    registered = sorted(members, key=lambda m: m.id)
    for member, handle in zip(registered, reversed(handles), strict=True):
        set_handle(session, member, handle)
    return handles
