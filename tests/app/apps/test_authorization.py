"""The authorization endpoint: code grant only, PKCE S256 only, exact redirect URIs, the page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.privacy.services import set_purposes
from permissions import Purpose
from tests.app.apps.helpers import (
    CB,
    LOOPBACK_CB,
    Harness,
    pkce_pair,
    query_of,
    refused_link,
)


def assert_error_page(response: TestResponse) -> None:
    """Shown to the member, never redirected: no Location, a page that says so."""
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert "You were not sent back to the application" in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_error_redirect(response: TestResponse, error: str) -> dict[str, str]:
    """A page that says what went wrong, linking back to the app: never sent on by itself."""
    location = refused_link(response)
    assert location.startswith(CB + "?")
    found = query_of(location)
    assert found["error"] == error
    assert found["error_description"]
    assert "code" not in found
    return found


# --- only the authorization code grant --------------------------------------------------


def test_the_implicit_grant_is_not_available(oauth: Harness) -> None:
    params, _ = oauth.authorize_params(response_type="token")
    found = assert_error_redirect(oauth.authorize(params), "unsupported_response_type")
    assert "access_token" not in found
    # Authlib swaps its error's arguments: the description was just "token" (found by review).
    assert found["error_description"] == "Only response_type=code is supported."


def test_the_page_says_which_response_type_is_supported(oauth: Harness) -> None:
    # The page read "response_type=The response type 'token' is not supported ..." (found
    # by review).
    params, _ = oauth.authorize_params(redirect_uri="https://elsewhere.example/cb")
    response = oauth.authorize({**params, "response_type": "token"})
    assert_error_page(response)
    assert "Only response_type=code is supported." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"grant_type": "password", "username": "ann@example.org", "password": "x"},
        {"grant_type": "client_credentials"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        {"grant_type": "implicit"},
    ],
)
def test_other_grant_types_are_not_available(oauth: Harness, data: dict[str, str]) -> None:
    response = oauth.token(data)
    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"
    assert response.get_json()["error_description"]


# --- PKCE: required, S256 only ------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},  # omitted means plain
        {"code_challenge": None},  # a method without a challenge
        {"code_challenge": "short"},  # malformed
    ],
    ids=["missing", "plain", "method-omitted", "challenge-missing", "malformed"],
)
def test_an_authorization_request_without_s256_pkce_is_refused(
    oauth: Harness, overrides: dict[str, str | None]
) -> None:
    params, _ = oauth.authorize_params(**overrides)
    found = assert_error_redirect(oauth.authorize(params), "invalid_request")
    assert "challenge" in found["error_description"]


def test_plain_is_refused_even_when_the_verifier_equals_the_challenge(oauth: Harness) -> None:
    verifier, _ = pkce_pair()
    params, _ = oauth.authorize_params(code_challenge=verifier, code_challenge_method="plain")
    assert_error_redirect(oauth.authorize(params), "invalid_request")


def test_the_token_request_needs_the_right_verifier(oauth: Harness) -> None:
    code, verifier, _ = oauth.get_code()
    missing = oauth.exchange(code, None)
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"
    wrong = oauth.exchange(code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    # Failed attempts did not burn the code: it is claimed only when tokens are issued.
    assert oauth.exchange(code, verifier).status_code == 200


# --- redirect URIs ------------------------------------------------------------------------


def test_an_unknown_or_missing_client_gets_the_error_page(oauth: Harness) -> None:
    for client_id in ("fgc_nope", None, "x" * 300):
        params, _ = oauth.authorize_params(client_id=client_id)
        assert_error_page(oauth.authorize(params))


@pytest.mark.parametrize(
    "uri",
    [
        "https://crm.example/cb/",
        "https://crm.example/cb?x=1",
        "https://CRM.example/cb",
        "http://crm.example/cb",
        "https://crm.example/cb/../cb",
        "https://crm.example:443/cb",
        "https://evil.example/cb",
        "http://127.0.0.1:9999/cb",  # loopback, but not the registered port
        None,  # omitted: never falls back to a registered one
    ],
)
def test_a_redirect_uri_must_match_exactly_or_the_member_sees_a_page(
    oauth: Harness, uri: str | None
) -> None:
    params, _ = oauth.authorize_params(redirect_uri=uri)
    assert_error_page(oauth.authorize(params))
    # Even with another error that would otherwise be sent back to the app.
    params, _ = oauth.authorize_params(redirect_uri=uri, code_challenge_method="plain", scope="no")
    assert_error_page(oauth.authorize(params))
    params, _ = oauth.authorize_params(redirect_uri=uri, response_type="token")
    assert_error_page(oauth.authorize(params))


def test_a_registered_loopback_redirect_uri_works(oauth: Harness) -> None:
    params, verifier = oauth.authorize_params(redirect_uri=LOOPBACK_CB)
    response = oauth.consent(params)
    assert response.headers["Location"].startswith(LOOPBACK_CB + "?code=")
    code = query_of(response.headers["Location"])["code"]
    assert oauth.exchange(code, verifier, redirect_uri=LOOPBACK_CB).status_code == 200


def test_the_token_request_must_repeat_the_authorization_requests_redirect_uri(
    oauth: Harness,
) -> None:
    code, verifier, _ = oauth.get_code()
    response = oauth.exchange(code, verifier, redirect_uri=LOOPBACK_CB)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_grant"


@pytest.mark.parametrize("scope", [None, "basic:view unknown:scope", "personal:view", "x" * 300])
def test_a_scope_must_be_named_known_and_registered(oauth: Harness, scope: str | None) -> None:
    params, _ = oauth.authorize_params(scope=scope)
    assert_error_redirect(oauth.authorize(params), "invalid_scope")


@pytest.mark.parametrize(
    "overrides",
    [
        {"response_type": 'to"ken'},
        {"response_type": "tok\u00e9n"},
        {"response_type": "tok\\en"},
        {"redirect_uri": 'https://crm.example/c"b'},
        {"redirect_uri": "https://crm.example/c\u00e9"},
        {"client_id": 'x"y'},
        {"client_id": "fgc_\u00e9\x00"},
        {"scope": 'basic:view "x'},
        {"state": "\u00e9\u202e\x00"},
    ],
)
def test_hostile_parameters_never_crash_the_endpoint(
    oauth: Harness, overrides: dict[str, str]
) -> None:
    # Authlib itself raises ValueError for such characters in an error description.
    params, _ = oauth.authorize_params(**overrides)
    response = oauth.authorize(params)
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith(CB + "?")
        assert "iss=" in response.headers["Location"]


# --- the consent page ---------------------------------------------------------------------


def test_the_consent_page_cannot_be_framed_cached_or_leak_its_url(oauth: Harness) -> None:
    params, _ = oauth.authorize_params()
    page = oauth.authorize(params)
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://crm.example;" in policy  # Allow and Deny lead there
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_consent_page_says_who_asks_why_and_for_what_in_plain_words(oauth: Harness) -> None:
    params, _ = oauth.authorize_params(scope="basic:view contact:sync")
    text = oauth.authorize(params).get_data(as_text=True)
    assert "Allow CRM Sync to use your Fieldgate data?" in text
    assert "Dev Eloper" in text and "https://crm.example" in text
    assert "Keeps your CRM in step with your network." in text
    assert "To find people and contact them about jobs." in text
    assert "See the names, headlines, companies, positions" in text
    assert "Copy into the app&#39;s own store the e-mail addresses, phone numbers" in text
    assert "contact:view" not in text  # registered, but not asked for


def test_the_consent_page_says_when_the_members_own_purposes_keep_their_data_out(
    oauth: Harness,
) -> None:
    params, _ = oauth.authorize_params(scope="basic:view")
    notice = "do not allow recruiting use of your data"
    assert notice not in oauth.authorize(params).get_data(as_text=True)
    set_purposes(oauth.session, oauth.member.id, {Purpose.RECRUITING: False})
    oauth.session.commit()
    assert notice in oauth.authorize(params).get_data(as_text=True)


def test_a_consent_post_without_the_csrf_token_changes_nothing(oauth: Harness) -> None:
    params, _ = oauth.authorize_params()
    response = oauth.http.post("/oauth/authorize", query_string=params, data={"decision": "allow"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_signed_out_members_sign_in_first_and_come_back(
    oauth: Harness, client: FlaskClient
) -> None:
    anonymous = client.application.test_client()
    params, _ = oauth.authorize_params()
    response = anonymous.get("/oauth/authorize", query_string=params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=/oauth/authorize")
    # ... but a bad request is refused before anyone is asked to sign in.
    params, _ = oauth.authorize_params(redirect_uri="https://evil.example/cb")
    assert_error_page(anonymous.get("/oauth/authorize", query_string=params))


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "no-such-scope"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
    ],
)
def test_an_error_is_sent_back_to_the_app_only_after_the_member_signed_in(
    oauth: Harness, client: FlaskClient, overrides: dict[str, str], error: str
) -> None:
    """RFC 9700 4.11.2: authenticate first, then redirect.

    Any member can register an app with any https redirect URI, so an error
    sent straight back to a registered URI made /oauth/authorize an open
    redirect on our own address to wherever an app said (found by review).
    """
    anonymous = client.application.test_client()
    params, _ = oauth.authorize_params(**overrides)
    response = anonymous.get("/oauth/authorize", query_string=params)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=/oauth/authorize")
    # Signed in, the app is told what was wrong, with iss and state.
    found = assert_error_redirect(oauth.authorize(params), error)
    assert found["state"] == "st-123" and found["iss"]


@pytest.mark.parametrize("site", ["same-origin", "cross-site", None])
def test_an_error_is_a_page_that_says_where_its_link_leads_and_never_moves_on_by_itself(
    oauth: Harness, site: str | None
) -> None:
    """RFC 9700 4.11.2: send the member on by itself only to a redirect URI the server trusts.

    Any member can register an app, so no app's URI is trusted: a signed-in
    member who followed a crafted link was sent straight on to the app's
    site from our own address (found by review). Wherever they came from
    (our sign-in form included), they now see where the link leads.
    """
    params, _ = oauth.authorize_params(scope="no-such-scope")
    headers = {"Sec-Fetch-Site": site} if site else {}
    ours = oauth.http.get("/oauth/authorize", query_string=params, headers=headers)
    location = refused_link(ours)
    assert query_of(location)["error"] == "invalid_scope"
    page = ours.get_data(as_text=True)
    assert "CRM Sync asked for something Fieldgate cannot give" in page
    assert "<code>https://crm.example</code>" in page
    assert "Stay on Fieldgate" in page and "already allowed" not in page
    assert ours.headers["Referrer-Policy"] == "no-referrer"
