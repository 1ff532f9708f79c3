from __future__ import annotations

import base64
import hashlib

import pytest

from app.accounts.email_change import (
    LINK_LIFETIME,
    LinkRefused,
    confirm_email_change,
    read_link,
    request_email_change,
)
from app.accounts.services import AccountError, EmailTaken, WrongPassword
from app.profiles.services import values_of
from permissions import Field
from tests.factories import TEST_PASSWORD, make_member

KEY = "test-secret-key"


def _link(session, member, new_email="ada@new.example"):
    return request_email_change(
        session, member, new_email=new_email, password=TEST_PASSWORD, secret_key=KEY
    )[1]


def test_the_link_moves_the_sign_in_email_and_leaves_the_profile_alone(session):
    ada = make_member(session, email="ada@old.example")
    token = _link(session, ada, "  Ada@NEW.example ")

    assert ada.email == "ada@old.example"  # nothing changes before the link is opened
    assert confirm_email_change(session, ada, token, secret_key=KEY) == "ada@new.example"
    assert ada.email == "ada@new.example"
    emails = [v.value for v in values_of(session, ada.id) if v.field is Field.EMAIL]
    assert emails == ["ada@old.example"]


def test_a_link_works_once(session):
    ada = make_member(session)
    token = _link(session, ada)
    confirm_email_change(session, ada, token, secret_key=KEY)
    with pytest.raises(LinkRefused, match="used already"):
        confirm_email_change(session, ada, token, secret_key=KEY)


def test_an_older_link_dies_when_the_email_changes_by_another_link(session):
    ada = make_member(session)
    first, second = _link(session, ada, "one@example.com"), _link(session, ada, "two@example.com")
    confirm_email_change(session, ada, second, secret_key=KEY)
    with pytest.raises(LinkRefused, match="used already"):
        read_link(first, ada, secret_key=KEY)


def test_a_link_expires(app, session, clock):
    ada = make_member(session)
    with app.app_context():  # the link's age follows the app's clock
        token = _link(session, ada)
        clock.advance(seconds=LINK_LIFETIME.total_seconds() - 60)
        assert read_link(token, ada, secret_key=KEY).new_email == "ada@new.example"
        clock.advance(minutes=2)
        with pytest.raises(LinkRefused, match="expired"):
            read_link(token, ada, secret_key=KEY)


def test_a_link_is_only_for_its_member(session):
    ada, eve = make_member(session), make_member(session, "Eve", "Intruder")
    token = _link(session, ada)
    with pytest.raises(LinkRefused, match="another account"):
        confirm_email_change(session, eve, token, secret_key=KEY)
    assert eve.email != "ada@new.example"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(".", ".x", 1),
        lambda t: "",
        lambda t: "not-a-link",
    ],
)
def test_a_forged_or_damaged_link_is_refused(session, tamper):
    ada = make_member(session)
    with pytest.raises(LinkRefused, match="not valid"):
        read_link(tamper(_link(session, ada)), ada, secret_key=KEY)


def test_a_link_signed_with_another_key_is_refused(session):
    ada = make_member(session)
    token = _link(session, ada)
    with pytest.raises(LinkRefused, match="not valid"):
        read_link(token, ada, secret_key="another-key")


def test_the_link_does_not_reveal_the_current_address(session):
    ada = make_member(session, email="secret.old@example.com")
    token = _link(session, ada)
    assert "secret.old" not in token
    payload = token.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert hashlib.sha256(b"secret.old@example.com").hexdigest()[:32] not in decoded


def test_asking_needs_the_password_a_new_and_free_address(session):
    ada = make_member(session, email="ada@example.com")
    make_member(session, "Bob", "Babbage", email="bob@example.com")

    def ask(address, password=TEST_PASSWORD):
        request_email_change(session, ada, new_email=address, password=password, secret_key=KEY)

    with pytest.raises(WrongPassword):
        ask("ada@new.example", "not my password")
    with pytest.raises(EmailTaken):
        ask("BOB@example.com")
    with pytest.raises(AccountError, match="already your sign-in"):
        ask("ADA@example.com")
    with pytest.raises(AccountError, match="not valid"):
        ask("ada-at-example")


def test_an_address_taken_after_the_link_was_sent_is_refused(session):
    ada = make_member(session)
    token = _link(session, ada, "wanted@example.com")
    make_member(session, "Zed", "Quick", email="wanted@example.com")
    with pytest.raises(EmailTaken):
        confirm_email_change(session, ada, token, secret_key=KEY)
