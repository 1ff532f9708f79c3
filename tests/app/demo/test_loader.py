from __future__ import annotations

import random
from datetime import timedelta

import phonenumbers
from sqlalchemy import func, select

from app.accounts.services import authenticate
from app.audit.integrity import verify
from app.audit.note import verifier_key_for
from app.audit.tree import seal_pending
from app.clock import utcnow
from app.demo.history import load_history
from app.demo.loader import DEMO_PASSWORD, RECRUITER_EMAIL, load_demo
from app.models.accounts import Member
from app.models.audit import AccessEvent
from app.models.exports import ExportRun
from app.models.network import Connection
from app.models.profiles import ProfileValue
from tests.settings import TEST_ORIGIN, TEST_SIGNER_KEY


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


def test_the_demo_carries_weeks_of_history_written_through_the_real_paths(app, session):
    load_demo(session)
    members = session.scalars(select(Member.id).order_by(Member.id)).all()
    recruiter = session.scalar(select(Member.id).where(Member.email == RECRUITER_EMAIL))

    with app.app_context():
        written = load_history(session, members, recruiter, random.Random(1))
        again = load_history(session, members, recruiter, random.Random(1))

    days = {e.occurred_at.date() for e in session.scalars(select(AccessEvent))}
    assert written > 100 and again == 0
    assert len(days) >= 14 and max(days) < utcnow().date() + timedelta(days=1)
    runs = session.scalars(select(ExportRun).where(ExportRun.requester_id == recruiter)).all()
    assert len(runs) == 3 and {r.status for r in runs} == {"complete"}
    _seal(session)
    assert verify(
        session, verifier_key_for(TEST_SIGNER_KEY), TEST_ORIGIN, now=utcnow(), delay=timedelta(0)
    ).ok


def _seal(session) -> None:
    while seal_pending(session, TEST_SIGNER_KEY, TEST_ORIGIN).events:
        pass


def test_demo_phone_numbers_are_real_numbers_in_e164(session):
    load_demo(session)
    phones = session.execute(
        select(ProfileValue.value, ProfileValue.label).where(ProfileValue.field == "phone")
    ).all()
    assert len(phones) > 100
    for number, _ in phones:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
    assert len({number for number, _ in phones}) > 50, "numbers should vary"
    assert "mobile" in {label for _, label in phones}


def test_the_demo_is_refused_in_production(app, session, monkeypatch) -> None:
    # Found by review: `flask demo load` made 240 accounts, with the README's password,
    # on a production server.
    monkeypatch.setitem(app.config, "ENV_NAME", "production")

    result = app.test_cli_runner().invoke(args=["demo", "load"])

    assert result.exit_code == 1 and "refusing in production" in result.output
    assert session.scalar(select(func.count()).select_from(Member)) == 0


def test_the_demo_log_verifies_right_after_loading(app, session) -> None:
    # Found by review: `db upgrade; demo load; audit verify` failed with "304 events
    # committed more than 5 s ago are in no signed checkpoint": the demo's events are
    # backdated, and nothing sealed them until a sequencer ran.
    runner = app.test_cli_runner()

    loaded = runner.invoke(args=["demo", "load"])
    verified = runner.invoke(args=["audit", "verify"])

    assert loaded.exit_code == 0, loaded.output
    assert verified.exit_code == 0, verified.output
    assert "Access log intact" in verified.output
    assert "sealed into the access log" in loaded.output
