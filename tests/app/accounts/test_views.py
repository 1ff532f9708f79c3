from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from app.models.accounts import AuthSession, Member
from app.models.network import Invitation, InvitationStatus
from app.network.services import invite
from tests.conftest import csrf_token, post_form
from tests.factories import TEST_PASSWORD, connect_members, make_member


def _signup_data(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@example.com",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    data.update(overrides)
    return data


def _members(session):
    return session.scalar(select(func.count()).select_from(Member))


def test_sign_up_signs_in_and_lands_on_profile(client, session):
    response = post_form(client, "/signup", _signup_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile")
    page = client.get("/profile").get_data(as_text=True)
    assert "grace@example.com" in page
    assert "never put into anyone" in page


def test_a_new_member_is_welcomed_and_a_returning_one_welcomed_back(client, session, auth):
    # Found by review: the home page said "Welcome back" right after sign-up.
    post_form(client, "/signup", _signup_data())
    first = client.get("/").get_data(as_text=True)
    assert "<h1>Welcome, Grace</h1>" in first and "Welcome back" not in first
    grace = session.scalars(select(Member).where(Member.email == "grace@example.com")).one()
    connect_members(session, grace, make_member(session))
    session.flush()  # connected already: no longer brand-new, even in this browser session
    assert "<h1>Welcome back, Grace</h1>" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("grace@example.com", "a long enough password")
    assert "<h1>Welcome back, Grace</h1>" in client.get("/").get_data(as_text=True)


def test_duplicate_sign_up_email_is_a_409_with_a_message_and_changes_nothing(client, session):
    make_member(session, email="grace@example.com")
    before = _members(session)
    response = post_form(client, "/signup", _signup_data(email="GRACE@example.com"))
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)
    assert _members(session) == before


def test_a_taken_sign_up_email_links_to_sign_in(client, session):
    # Found by review: "Sign in instead." was text to retype as a visit, not a link.
    make_member(session, email="grace@example.com")
    page = post_form(client, "/signup", _signup_data()).get_data(as_text=True)
    assert (
        '<div class="error" id="email-error">An account with that e-mail already exists.'
        ' <a href="/signin">Sign in instead</a>.</div>'
    ) in page
    assert 'aria-describedby="email-error"' in page


def test_malformed_email_is_a_400_with_a_message(client, session):
    response = post_form(client, "/signup", _signup_data(email="grace-at-example"))
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert _members(session) == 0


def test_overlong_name_is_a_400_and_creates_nothing(client, session):
    response = post_form(client, "/signup", _signup_data(first_name="G" * 81))
    assert response.status_code == 400
    assert "80 characters" in response.get_data(as_text=True)
    assert _members(session) == 0


WTFORMS_OWN = ("This field is required", "Field must be", "Field cannot be")


def test_sign_up_errors_say_what_to_do(client, session):
    """Found by a new-user walk: the first errors a newcomer met were WTForms' own texts."""
    blank = post_form(client, "/signup", {}).get_data(as_text=True)
    for message in (
        "Enter your first name.",
        "Enter your last name.",
        "Enter your e-mail address.",
        "Choose a password.",
        "Repeat the password.",
    ):
        assert message in blank
    short = post_form(client, "/signup", _signup_data(password="short", confirm="short"))
    assert "Use 12 to 128 characters." in short.get_data(as_text=True)
    signin = post_form(client, "/signin", {}).get_data(as_text=True)
    assert "Enter your e-mail address." in signin and "Enter your password." in signin
    for page in (blank, short.get_data(as_text=True), signin):
        assert not any(text in page for text in WTFORMS_OWN)
    assert _members(session) == 0


def test_forged_csrf_token_is_a_400_and_creates_nothing(client, session):
    client.get("/signup")
    response = client.post("/signup", data={**_signup_data(), "csrf_token": "forged"})
    assert response.status_code == 400
    assert "could not be verified" in response.get_data(as_text=True)
    assert _members(session) == 0


def test_missing_csrf_token_is_a_400(client, session):
    response = client.post("/signup", data=_signup_data())
    assert response.status_code == 400
    assert _members(session) == 0


def test_sign_in_with_wrong_password_is_401_with_one_message(client, session):
    make_member(session, email="ada@example.com")
    response = post_form(
        client, "/signin", {"email": "ada@example.com", "password": "wrong password"}
    )
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)


def test_sign_in_regenerates_the_session(client, session, auth):
    make_member(session, email="ada@example.com")
    before = csrf_token(client)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login("ada@example.com")
    with client.session_transaction() as sess:
        assert "planted" not in sess
    assert csrf_token(client) != before


def test_sign_out_ends_the_session_on_the_server(client, session, auth):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    with client.session_transaction() as sess:
        stolen = dict(sess)
    auth.logout()
    assert session.scalar(select(func.count()).select_from(AuthSession)) == 0
    with client.session_transaction() as sess:
        sess.update(stolen)  # replay the old cookie's contents
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    "next_",
    [
        "https://evil.example/",
        # urlsplit drops the tab of "/\t/[::1", then raised "Invalid IPv6 URL":
        # a 500 for a member whose sign-in had succeeded (found by review).
        "%2F%09%2F%5B%3A%3A1",
    ],
)
def test_sign_in_only_redirects_to_local_pages(client, session, next_):
    make_member(session, email="ada@example.com")
    response = client.post(
        f"/signin?next={next_}",
        data={
            "email": "ada@example.com",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_button_pressed_after_the_sign_in_ended_comes_back_to_its_page(client, session, auth):
    """Found by a new-user walk: signing in again led to the form's POST-only address, a 405."""
    ann = make_member(session, "Ann", "Able", email="ann@example.com")
    ben = make_member(session, "Ben", "Baker", email="ben@example.com")
    invitation = invite(session, ben.id, ann.id, "Hello", per_day=10, cooldown_days=21)
    session.commit()
    auth.login("ann@example.com")
    token = csrf_token(client)
    session.execute(delete(AuthSession))  # the sign-in ended while the page stayed open
    session.flush()

    pressed = client.post(
        f"/invitations/{invitation.id}/accept",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/invitations"},
    )
    assert pressed.status_code == 302
    assert pressed.headers["Location"] == "/signin?next=/invitations"
    signin = client.get(pressed.headers["Location"]).get_data(as_text=True)
    assert "Nothing was changed" in signin
    assert session.get(Invitation, invitation.id).status == InvitationStatus.PENDING

    back = client.post(
        pressed.headers["Location"],
        data={"email": "ann@example.com", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert back.headers["Location"] == "/invitations"
    page = client.get("/invitations")
    assert page.status_code == 200
    assert "Accept" in page.get_data(as_text=True)


def test_signing_out_after_the_sign_in_ended_just_says_so(client, session, auth):
    make_member(session, email="ann@example.com")
    auth.login("ann@example.com")
    token = csrf_token(client)
    session.execute(delete(AuthSession))
    session.flush()
    response = client.post("/signout", data={"csrf_token": token})
    assert response.headers["Location"] == "/"
    assert "You are signed out." in client.get("/").get_data(as_text=True)


def test_a_form_page_that_posts_to_itself_is_where_signing_in_again_leads(client, session, auth):
    make_member(session, email="ann@example.com")
    auth.login("ann@example.com")
    token = csrf_token(client)
    session.execute(delete(AuthSession))
    session.flush()
    response = client.post("/profile/edit", data={"csrf_token": token})
    assert response.headers["Location"] == "/signin?next=/profile/edit"


@pytest.mark.parametrize("referrer", [None, "https://evil.example/invitations", "not a url ["])
def test_a_form_sent_signed_out_from_elsewhere_signs_in_to_home(client, session, referrer):
    make_member(session, email="ann@example.com")
    headers = {"Referer": referrer} if referrer else {}
    response = client.post(
        "/invitations/1/accept", data={"csrf_token": csrf_token(client)}, headers=headers
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin"


def test_pages_need_sign_in(client, session):
    for url in ("/profile", "/profile/edit", "/connections", "/invitations", "/search?q=a"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/signin" in response.headers["Location"]


def test_production_over_tls_tells_browsers_to_stay_on_tls(app, client, session, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/signin").headers  # development
    monkeypatch.setitem(app.config, "ENV_NAME", "production")

    secure = client.get("/signin", base_url="https://fieldgate.example")
    plain = client.get("/signin")

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain.headers  # only a TLS answer may set it


def test_security_headers_are_set(client, session):
    response = client.get("/signin")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.headers["X-Request-ID"]) >= 8


def test_a_buttons_address_opened_directly_says_what_happened(client, session, auth):
    """Found by a new-user walk: "Method not allowed. The method is not allowed for the
    requested URL." is what a member met on opening /signout from the address bar."""
    make_member(session, email="ann@example.com")
    auth.login("ann@example.com")
    response = client.get("/signout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert "This address is for a button" in page and "opening it here did nothing" in page
    assert "Method not allowed" not in page and "requested URL" not in page
    api = client.get("/signout", headers={"Accept": "application/json"})
    assert api.status_code == 405 and api.get_json()["code"] == "method_not_allowed"
    assert api.get_json()["error"] == "Method not allowed"  # API clients' texts stay
