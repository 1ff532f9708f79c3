from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.services import authenticate
from app.demo.loader import DEMO_PASSWORD, RECRUITER_EMAIL, load_demo
from app.models.accounts import Member
from app.models.network import Connection
from app.models.profiles import ProfileValue


def _counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Member, Connection, ProfileValue)
    )


def test_demo_network_is_realistic_and_loads_idempotently(session):
    summary = load_demo(session)
    assert summary.members_total >= 200
    recruiter = session.scalar(select(Member).where(Member.email == RECRUITER_EMAIL))
    connections = session.scalar(
        select(func.count()).select_from(Connection).where(Connection.member_id == recruiter.id)
    )
    assert connections >= 150
    names = session.scalars(
        select(ProfileValue.value).where(ProfileValue.field == "last_name")
    ).all()
    assert len(set(names)) > 40, "names should vary"
    assert authenticate(session, email=RECRUITER_EMAIL, password=DEMO_PASSWORD).id == recruiter.id

    before = _counts(session)
    again = load_demo(session)
    assert again.members_created == 0
    assert _counts(session) == before
