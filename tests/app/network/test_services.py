from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import utcnow
from app.models.network import InvitationStatus
from app.network.services import (
    InvitationNotFound,
    InvitationRefused,
    NotConnected,
    accept,
    are_connected,
    decline,
    disconnect,
    invite,
    withdraw,
)
from tests.factories import make_member

RULES = {"per_day": 5, "cooldown_days": 21}


def _invite(session, sender, recipient, now=None, **rules):
    return invite(session, sender.id, recipient.id, "Hello", now=now, **{**RULES, **rules})


@pytest.fixture
def ada(session):
    return make_member(session, "Ada")


@pytest.fixture
def bob(session):
    return make_member(session, "Bob")


def test_accepting_connects_both_ways(session, ada, bob):
    invitation = _invite(session, ada, bob)
    accept(session, bob.id, invitation.id)
    assert invitation.status is InvitationStatus.ACCEPTED
    assert are_connected(session, ada.id, bob.id) and are_connected(session, bob.id, ada.id)


def test_cannot_invite_yourself(session, ada):
    with pytest.raises(InvitationRefused, match="yourself"):
        _invite(session, ada, ada)


def test_cannot_invite_an_existing_connection(session, ada, bob):
    accept(session, bob.id, _invite(session, ada, bob).id)
    with pytest.raises(InvitationRefused, match="already connected"):
        _invite(session, ada, bob)


def test_no_duplicate_pending_invitation(session, ada, bob):
    _invite(session, ada, bob)
    with pytest.raises(InvitationRefused, match="pending"):
        _invite(session, ada, bob)


def test_no_crossing_invitation(session, ada, bob):
    _invite(session, ada, bob)
    with pytest.raises(InvitationRefused, match="Accept their invitation"):
        _invite(session, bob, ada)


@pytest.mark.parametrize("close", [decline, withdraw])
def test_declined_or_withdrawn_invitation_cannot_be_resent_for_21_days(session, ada, bob, close):
    invitation = _invite(session, ada, bob)
    closer = bob if close is decline else ada
    close(session, closer.id, invitation.id)
    with pytest.raises(InvitationRefused, match="again from"):
        _invite(session, ada, bob, now=utcnow() + timedelta(days=20))
    again = _invite(session, ada, bob, now=utcnow() + timedelta(days=21, minutes=1))
    assert again.status is InvitationStatus.PENDING


def test_daily_cap_counts_the_last_24_hours(session, ada):
    others = [make_member(session, f"P{n}") for n in range(6)]
    start = utcnow() - timedelta(hours=23)
    for n, other in enumerate(others[:5]):
        _invite(session, ada, other, now=start + timedelta(minutes=n))
    with pytest.raises(InvitationRefused, match="daily limit of 5"):
        _invite(session, ada, others[5])
    assert _invite(session, ada, others[5], now=start + timedelta(hours=24, minutes=1))


def test_only_the_recipient_answers_and_only_the_sender_withdraws(session, ada, bob):
    eve = make_member(session, "Eve")
    invitation = _invite(session, ada, bob)
    with pytest.raises(InvitationNotFound):
        accept(session, eve.id, invitation.id)
    with pytest.raises(InvitationNotFound):
        accept(session, ada.id, invitation.id)
    with pytest.raises(InvitationNotFound):
        withdraw(session, bob.id, invitation.id)
    withdraw(session, ada.id, invitation.id)
    with pytest.raises(InvitationNotFound):
        accept(session, bob.id, invitation.id)


def test_overlong_message_is_refused(session, ada, bob):
    with pytest.raises(InvitationRefused, match="300"):
        invite(session, ada.id, bob.id, "x" * 301, **RULES)


def test_disconnect_removes_both_directions(session, ada, bob):
    accept(session, bob.id, _invite(session, ada, bob).id)
    disconnect(session, bob.id, ada.id)
    assert not are_connected(session, ada.id, bob.id) and not are_connected(session, bob.id, ada.id)
    with pytest.raises(NotConnected):
        disconnect(session, ada.id, bob.id)
