"""The account page: change the password, change the sign-in e-mail through a logged link."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import func, select

from app.accounts.services import authenticate
from app.extensions import limiter
from app.models.accounts import AuthSession, Member
from app.profiles.services import values_of
from permissions import Field
from tests.conftest import csrf_token, post_form, sign_in_as
from tests.database import short_lived_app
from tests.factories import TEST_PASSWORD, make_member
from tests.settings import app_config

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"confirmation link for <[^>]+>: http://localhost(/account/email/\S+)")


@pytest.fixture
def ada(session):
    return make_member(session, email="ada@example.com")


@pytest.fixture
def signed_in(client, auth, ada):
    auth.login("ada@example.com")
    return client


def _password(client, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return post_form(
        client,
        "/account/password",
        {
            "password-current_password": current,
            "password-new_password": new,
            "password-confirm": new if confirm is None else confirm,
        },
    )


def _email(client, address, password=TEST_PASSWORD):
    return post_form(
        client,
        "/account/email",
        {"email-new_email": address, "email-current_password": password},
    )


def test_the_account_page_shows_the_sign_in_email_and_the_public_profile_link(signed_in, ada):
    page = signed_in.get("/account").get_data(as_text=True)
    assert "You sign in as <strong" in page and "ada@example.com" in page
    assert f'href="/m/{ada.handle}"' in page


def test_the_account_page_needs_sign_in(client, session):
    assert client.get("/account").status_code == 302


def test_a_new_password_signs_out_every_other_browser(app, signed_in, session, ada):
    elsewhere = app.test_client()
    sign_in_as(elsewhere, ada)
    assert elsewhere.get("/account").status_code == 200

    response = _password(signed_in)

    assert response.status_code == 302
    assert "Password changed" in signed_in.get("/account").get_data(as_text=True)
    assert elsewhere.get("/account").status_code == 302  # sent to sign in
    assert session.scalar(select(func.count()).select_from(AuthSession)) == 1
    member = session.get(Member, ada.id)
    assert authenticate(session, email="ada@example.com", password=NEW_PASSWORD) == member


def test_the_password_change_starts_a_fresh_session_for_this_browser(signed_in, session):
    before = session.scalars(select(AuthSession.token_hash)).all()
    _password(signed_in)
    after = session.scalars(select(AuthSession.token_hash)).all()
    assert len(after) == 1 and after[0] not in before


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"current": "not my password at all"}, 403, "That is not your current password."),
        ({"current": ""}, 400, "Enter your current password."),
        ({"confirm": "something else entirely"}, 400, "The passwords differ."),
        ({"new": "short", "confirm": "short"}, 400, "Use 12 to 128 characters."),
        ({"new": TEST_PASSWORD}, 400, "differs from the current one"),
    ],
)
def test_a_refused_password_change_says_why_at_the_field_and_changes_nothing(
    signed_in, session, ada, kwargs, status, message
):
    before = session.get(Member, ada.id).password_hash
    response = _password(signed_in, **kwargs)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert re.search(r'<div class="error"[^>]*>[^<]*' + re.escape(message), page), page[-3000:]
    assert session.get(Member, ada.id).password_hash == before
    assert signed_in.get("/account").status_code == 200  # still signed in


def test_an_email_change_is_confirmed_by_the_link_in_the_log(signed_in, session, ada, caplog):
    caplog.set_level(logging.INFO, logger="app")
    response = _email(signed_in, "Ada@New.example")
    assert response.status_code == 302
    assert "We sent a link to ada@new.example" in signed_in.get("/account").get_data(as_text=True)
    assert session.get(Member, ada.id).email == "ada@example.com"  # not yet

    (path,) = LINK.findall(caplog.text)
    page = signed_in.get(path).get_data(as_text=True)
    assert "ada@new.example" in page and "Use this address" in page

    response = post_form(signed_in, path)
    assert response.status_code == 302
    assert session.get(Member, ada.id).email == "ada@new.example"
    emails = [v.value for v in values_of(session, ada.id) if v.field is Field.EMAIL]
    assert emails == ["ada@example.com"]  # the profile's e-mail is profile data

    again = post_form(signed_in, path)
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)


def test_the_link_needs_its_member_signed_in(app, client, session, ada, caplog, auth):
    caplog.set_level(logging.INFO, logger="app")
    auth.login("ada@example.com")
    _email(client, "ada@new.example")
    (path,) = LINK.findall(caplog.text)
    auth.logout()

    assert client.get(path).status_code == 302  # to sign in, and back here after

    eve = make_member(session, "Eve", "Intruder", email="eve@example.com")
    auth.login("eve@example.com")
    response = post_form(client, path)
    assert response.status_code == 400
    assert "sent for another account" in response.get_data(as_text=True)
    assert session.get(Member, ada.id).email == "ada@example.com"
    assert session.get(Member, eve.id).email == "eve@example.com"


def test_an_address_taken_before_the_link_is_opened_is_a_409(signed_in, session, ada, caplog):
    caplog.set_level(logging.INFO, logger="app")
    _email(signed_in, "wanted@example.com")
    (path,) = LINK.findall(caplog.text)
    make_member(session, "Zed", "Quick", email="wanted@example.com")
    response = post_form(signed_in, path)
    assert response.status_code == 409
    assert "Another account signs in with that e-mail." in response.get_data(as_text=True)
    assert session.get(Member, ada.id).email == "ada@example.com"


@pytest.mark.parametrize(
    ("address", "password", "status", "message"),
    [
        ("ada@new.example", "not my password at all", 403, "That is not your current password."),
        ("bob@example.com", TEST_PASSWORD, 409, "Another account signs in with that e-mail."),
        ("ADA@example.com", TEST_PASSWORD, 400, "That is already your sign-in e-mail."),
        ("ada-at-example", TEST_PASSWORD, 400, "That e-mail address is not valid"),
        ("", TEST_PASSWORD, 400, "Enter the new address."),
    ],
)
def test_a_refused_email_change_says_why_at_the_field_and_sends_nothing(
    signed_in, session, ada, caplog, address, password, status, message
):
    make_member(session, "Bob", "Babbage", email="bob@example.com")
    caplog.set_level(logging.INFO, logger="app")
    response = _email(signed_in, address, password)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert re.search(r'<div class="error"[^>]*>[^<]*' + re.escape(message), page), page[-3000:]
    assert LINK.findall(caplog.text) == []


def test_without_mail_outside_development_no_link_is_logged(app, signed_in, caplog):
    caplog.set_level(logging.INFO, logger="app")
    app.config["ENV_NAME"] = "production"
    try:
        response = _email(signed_in, "ada@new.example")
    finally:
        app.config["ENV_NAME"] = "development"
    assert response.status_code == 503
    assert "cannot send e-mail yet" in response.get_data(as_text=True)
    assert "/account/email/" not in caplog.text


def test_a_damaged_link_is_a_400_with_a_message(signed_in):
    response = signed_in.get("/account/email/not-a-real-link")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)


def test_account_forms_need_the_csrf_token(signed_in, session, ada):
    before = session.get(Member, ada.id).password_hash
    csrf_token(signed_in)
    response = signed_in.post(
        "/account/password",
        data={
            "password-current_password": TEST_PASSWORD,
            "password-new_password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
            "csrf_token": "forged",
        },
    )
    assert response.status_code == 400
    assert session.get(Member, ada.id).password_hash == before


@pytest.fixture
def limited_client(database_url, session, ada):
    """A client of an app with rate limits on (the suite's app has them off)."""
    try:
        with short_lived_app(app_config(database_url, RATELIMIT_ENABLED=True)) as limited:
            yield limited.test_client()
    finally:
        # Flask-Limiter keeps its switch on the one shared extension object.
        limiter.reset()
        limiter.enabled = False


def test_guessing_the_current_password_is_rate_limited(limited_client, ada):
    sign_in_as(limited_client, ada)
    answers = [_password(limited_client, current="a wrong guess").status_code for _ in range(11)]
    assert answers == [403] * 10 + [429]


def _sign_in(client, password):
    data = {"email": "ada@example.com", "password": password, "csrf_token": csrf_token(client)}
    return client.post("/signin", data=data)


def test_failed_sign_ins_are_limited_with_a_message_saying_when_to_try_again(limited_client, ada):
    answers = [_sign_in(limited_client, "a wrong guess").status_code for _ in range(20)]
    assert answers == [401] * 20
    refused = _sign_in(limited_client, TEST_PASSWORD)  # even the right one, now
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many requests in a short time" in page and "Try again in 10 minutes." in page
    assert "per 10 minute" not in page
    assert 0 < int(refused.headers["Retry-After"]) <= 600


def test_sign_ins_that_work_do_not_count_against_the_limit(limited_client, ada):
    # Colleagues behind one address sign in many times a morning.
    for _ in range(25):
        assert _sign_in(limited_client.application.test_client(), TEST_PASSWORD).status_code == 302
    assert _sign_in(limited_client, "a wrong guess").status_code == 401
