from __future__ import annotations

from types import MappingProxyType

import pytest

import permissions.defaults as defaults
from app.disclosure.context import consents_of
from app.privacy.services import (
    PolicyUpdate,
    PolicyUpdateError,
    UnknownValue,
    apply_updates,
    policy_history,
    preset_updates,
    purpose_history,
    purposes_of,
    set_purposes,
)
from app.profiles.services import add_value, values_of
from permissions import Audience, Consent, Field, Purpose, ValueLabel, policy
from tests.factories import make_member

A = Audience


def _email(session, member):
    return next(v for v in values_of(session, member.id) if v.field is Field.EMAIL)


def test_changing_the_defaults_table_never_touches_existing_values(session, monkeypatch):
    existing = make_member(session, email="early@example.com")
    wide = policy(A.PUBLIC, A.PUBLIC, A.PUBLIC)
    monkeypatch.setattr(defaults, "DEFAULT_POLICIES", MappingProxyType(dict.fromkeys(Field, wide)))
    newcomer = make_member(session, email="late@example.com")
    assert _email(session, newcomer).policy == wide, "the patched table is in effect"
    assert _email(session, existing).policy == policy(A.CONNECTIONS, A.NOBODY, A.NOBODY)
    session.expire_all()
    assert _email(session, existing).download is A.NOBODY


def test_a_change_is_kept_in_the_history_with_old_and_new_audiences(session):
    member = make_member(session)
    email = _email(session, member)
    apply_updates(
        session,
        member.id,
        [PolicyUpdate(email.id, A.NETWORK, A.CONNECTIONS, A.NOBODY)],
        source="settings",
    )
    (change,) = policy_history(session, member.id)
    assert change.value_id == email.id
    assert change.value_name == "E-mail (personal)"
    assert (change.old_view, change.old_download) == (A.CONNECTIONS, A.NOBODY)
    assert (change.new_view, change.new_download) == (A.NETWORK, A.CONNECTIONS)
    assert change.changed_at.tzinfo is not None


def test_unchanged_values_leave_no_history(session):
    member = make_member(session)
    email = _email(session, member)
    p = email.policy
    assert (
        apply_updates(
            session, member.id, [PolicyUpdate(email.id, p.view, p.download, p.sync)], source="api"
        )
        == []
    )
    assert policy_history(session, member.id) == []


def test_one_invalid_policy_refuses_the_whole_batch(session):
    member = make_member(session, values={Field.HEADLINE: "Analyst"})
    email = _email(session, member)
    headline = next(v for v in values_of(session, member.id) if v.field is Field.HEADLINE)
    with pytest.raises(PolicyUpdateError) as caught:
        apply_updates(
            session,
            member.id,
            [
                PolicyUpdate(headline.id, A.CONNECTIONS, A.NOBODY, A.NOBODY),
                PolicyUpdate(email.id, A.CONNECTIONS, A.PUBLIC, A.NOBODY),
            ],
            source="settings",
        )
    assert set(caught.value.errors) == {email.id}
    assert "E-mail (personal)" in caught.value.errors[email.id]
    assert headline.view is A.PUBLIC
    assert policy_history(session, member.id) == []


def test_another_members_value_is_unknown(session):
    member, other = make_member(session), make_member(session, "Eve")
    with pytest.raises(UnknownValue):
        apply_updates(
            session,
            member.id,
            [PolicyUpdate(_email(session, other).id, A.NOBODY, A.NOBODY, A.NOBODY)],
            source="api",
        )
    assert _email(session, other).view is A.CONNECTIONS


def test_preset_sets_every_value(session):
    member = make_member(session)
    add_value(session, member.id, Field.PHONE, "+1 202 555 0100", label=ValueLabel.WORK)
    apply_updates(
        session,
        member.id,
        preset_updates(session, member.id, "recruiters"),
        source="preset:recruiters",
    )
    phone = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    assert (phone.view, phone.download) == (A.NETWORK, A.CONNECTIONS)
    assert {c.source for c in policy_history(session, member.id)} == {"preset:recruiters"}


def test_purposes_default_to_allowed_except_marketing(session):
    member = make_member(session)
    assert purposes_of(session, member.id) == {
        Purpose.PERSONAL: True,
        Purpose.RECRUITING: True,
        Purpose.SALES: True,
        Purpose.MARKETING: False,
    }
    assert consents_of(session, [member.id])[member.id] == Consent()


def test_objections_and_opt_in_become_the_consent_the_engine_reads(session):
    member, other = make_member(session), make_member(session, "Bob")
    set_purposes(session, member.id, {Purpose.SALES: False, Purpose.MARKETING: True})
    consent = consents_of(session, [member.id, other.id])
    assert consent[member.id] == Consent(
        objections=frozenset({Purpose.SALES}), marketing_opt_in=True
    )
    assert consent[other.id] == Consent()
    set_purposes(session, member.id, {Purpose.MARKETING: False})
    assert [(c.purpose, c.allowed) for c in purpose_history(session, member.id)] == [
        (Purpose.MARKETING, False),
        (Purpose.MARKETING, True),
        (Purpose.SALES, False),
    ]


def test_a_batch_that_names_a_value_twice_is_refused_whole(session):
    # Found by review: [public, then connections] for one e-mail made it public (the
    # second item matched the stored policy and was dropped), against the batch's
    # last word; with two different changes the history recorded both from the
    # same "old", a change that never happened.
    member = make_member(session, values={Field.HEADLINE: "Analyst"})
    email = _email(session, member)
    headline = next(v for v in values_of(session, member.id) if v.field is Field.HEADLINE)
    for second in (A.CONNECTIONS, A.NOBODY):
        with pytest.raises(PolicyUpdateError) as caught:
            apply_updates(
                session,
                member.id,
                [
                    PolicyUpdate(headline.id, A.MEMBERS, A.NOBODY, A.NOBODY),
                    PolicyUpdate(email.id, A.PUBLIC, A.NOBODY, A.NOBODY),
                    PolicyUpdate(email.id, second, A.NOBODY, A.NOBODY),
                ],
                source="api",
            )
        assert set(caught.value.errors) == {email.id}
        assert "E-mail (personal)" in caught.value.errors[email.id]
        assert email.policy == policy(A.CONNECTIONS, A.NOBODY, A.NOBODY)
        assert headline.view is A.PUBLIC
        assert policy_history(session, member.id) == []
