from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.services import (
    AccountError,
    EmailTaken,
    InvalidCredentials,
    authenticate,
    close_session,
    load_session,
    open_session,
    sign_up,
)
from app.clock import utcnow
from app.models.accounts import AuthSession, Member
from app.profiles.services import values_of
from permissions import Audience, Field, default_policy

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _sign_up(session, email="grace@example.com", password="a long enough password"):
    return sign_up(session, email=email, password=password, first_name="Grace", last_name="Hopper")


def test_sign_up_stores_names_and_primary_email_with_default_policies(session):
    member = _sign_up(session)
    values = {v.field: v for v in values_of(session, member.id)}
    assert values[Field.FIRST_NAME].value == "Grace"
    assert values[Field.EMAIL].value == "grace@example.com"
    assert values[Field.EMAIL].is_primary
    assert values[Field.EMAIL].policy == default_policy(Field.EMAIL)
    assert values[Field.EMAIL].download is Audience.NOBODY


def test_password_is_stored_as_argon2_hash(session):
    member = _sign_up(session)
    assert member.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in member.password_hash


def test_email_is_normalised_and_unique_case_insensitively(session):
    _sign_up(session, email="Grace@Example.com")
    with pytest.raises(EmailTaken):
        _sign_up(session, email="grace@EXAMPLE.com")


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@b.com", "a b@c.com", ""])
def test_malformed_email_is_refused(session, email):
    with pytest.raises(AccountError, match="not valid"):
        _sign_up(session, email=email)


def test_short_password_is_refused(session):
    with pytest.raises(AccountError, match="at least 12"):
        _sign_up(session, password="short")


def test_authenticate_accepts_the_right_password_only(session):
    _sign_up(session)
    assert authenticate(session, email="GRACE@example.com", password="a long enough password")
    with pytest.raises(InvalidCredentials):
        authenticate(session, email="grace@example.com", password="wrong password!!")
    with pytest.raises(InvalidCredentials):
        authenticate(session, email="nobody@example.com", password="a long enough password")


def test_session_token_is_stored_only_as_a_hash(session):
    member = _sign_up(session)
    token = open_session(session, member)
    session.flush()
    stored = session.scalars(select(AuthSession.token_hash)).all()
    assert token not in stored
    assert load_session(session, token, idle=HOUR, absolute=DAY).id == member.id


def test_closed_session_no_longer_loads(session):
    member = _sign_up(session)
    token = open_session(session, member)
    session.flush()
    close_session(session, token)
    assert load_session(session, token, idle=HOUR, absolute=DAY) is None


def test_idle_and_absolute_expiry(session):
    member = _sign_up(session)
    token = open_session(session, member)
    session.flush()
    later = utcnow() + timedelta(hours=2)
    assert load_session(session, token, idle=HOUR, absolute=DAY, now=later) is None
    assert session.scalar(select(AuthSession).where(AuthSession.member_id == member.id)) is None


def test_unknown_token_loads_nobody(session):
    assert load_session(session, "forged", idle=HOUR, absolute=DAY) is None
    assert session.scalar(select(Member)) is None
