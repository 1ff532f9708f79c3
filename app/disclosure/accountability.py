"""How a member's access log names the people who read their data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.profiles import ProfileValue
from permissions import Field


def display_names(session: Session, member_ids: Sequence[int]) -> dict[int, str]:
    """First and last names of requesters, for the log of the member they accessed.

    Deliberately not filtered by the requester's own view policy: reading
    someone's data is not anonymous, and the subject is owed the name of
    who read it (see README, "The access log").
    """
    if not member_ids:
        return {}
    rows = session.execute(
        select(ProfileValue.member_id, ProfileValue.field, ProfileValue.value)
        .where(
            ProfileValue.member_id.in_(member_ids),
            ProfileValue.field.in_([Field.FIRST_NAME, Field.LAST_NAME]),
        )
        .order_by(ProfileValue.member_id, ProfileValue.field)
    ).all()
    parts: dict[int, dict[Field, str]] = {}
    for member_id, field, value in rows:
        parts.setdefault(member_id, {})[Field(field)] = value
    return {
        mid: " ".join(p for p in (names.get(Field.FIRST_NAME), names.get(Field.LAST_NAME)) if p)
        for mid, names in parts.items()
    }
