"""'Never export me again': set on a requester's profile, listed and undone in the settings."""

from __future__ import annotations

from app.privacy.suppression import is_suppressed
from permissions import Audience, Field, policy
from tests.app.audit.helpers import events, released
from tests.app.exports.helpers import run_export
from tests.conftest import post_form
from tests.factories import connect_members, make_member, set_policy

DOWNLOADABLE = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)


def _pair(session):
    rita = make_member(session, "Rita", "Recruiter", email="rita@example.com")
    ada = make_member(session, "Ada", "Lovelace", email="ada@example.com")
    set_policy(session, ada.id, Field.EMAIL, DOWNLOADABLE)
    connect_members(session, rita, ada)
    session.commit()
    return rita, ada


def test_never_export_me_again_from_the_requesters_profile(app, client, auth, session):
    rita, ada = _pair(session)
    auth.login(ada.email)
    page = client.get(f"/m/{rita.handle}").get_data(as_text=True)
    assert "Never export me again" in page

    response = post_form(
        client, f"/privacy/suppressions/{rita.handle}", {"back": f"/m/{rita.handle}"}
    )

    assert response.status_code == 302 and response.location.endswith(f"/m/{rita.handle}")
    assert is_suppressed(session, ada.id, rita.id)
    page = client.get(f"/m/{rita.handle}").get_data(as_text=True)
    assert "You keep yourself out of Rita Recruiter" in page
    data, _ = run_export(app, session, rita)
    assert b"ada@example.com" not in data and ada.handle.encode() not in data


def test_the_settings_page_lists_kept_out_requesters_and_can_allow_them_again(
    client, auth, session
):
    rita, ada = _pair(session)
    auth.login(ada.email)
    post_form(client, f"/privacy/suppressions/{rita.handle}")

    page = client.get("/privacy").get_data(as_text=True)
    assert "Kept out of exports" in page and "Rita Recruiter" in page

    response = post_form(client, f"/privacy/suppressions/{rita.handle}/remove")

    assert response.status_code == 302
    assert not is_suppressed(session, ada.id, rita.id)
    assert "Nobody yet." in client.get("/privacy").get_data(as_text=True)


def test_bad_suppression_requests_are_refused_and_change_nothing(client, auth, session):
    rita, ada = _pair(session)
    auth.login(ada.email)

    assert post_form(client, f"/privacy/suppressions/{ada.handle}").status_code == 400
    assert post_form(client, "/privacy/suppressions/nosuchmember").status_code == 404
    forged = client.post(f"/privacy/suppressions/{rita.handle}", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert not is_suppressed(session, ada.id, rita.id)


def test_suppressing_needs_a_signed_in_member(client, session):
    rita, ada = _pair(session)

    response = post_form(client, f"/privacy/suppressions/{rita.handle}")

    assert response.status_code == 302 and "/signin" in response.location
    assert not is_suppressed(session, ada.id, rita.id)


HIDDEN = policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)


def _stranger_with_a_hidden_name(session):
    ada = make_member(session, "Ada", "Lovelace", email="ada@example.com")
    hidden = make_member(session, "Quintessa", "Hiddenname", email="q@example.com")
    set_policy(session, hidden.id, Field.FIRST_NAME, HIDDEN)
    set_policy(session, hidden.id, Field.LAST_NAME, HIDDEN)
    session.commit()
    return ada, hidden


def test_keeping_out_a_stranger_shows_their_handle_not_their_hidden_name(client, auth, session):
    # Regression: the flash message and the "Kept out of exports" list read the
    # requester's first and last name outside the engine, with no access event.
    ada, hidden = _stranger_with_a_hidden_name(session)
    auth.login(ada.email)

    for url in (
        f"/privacy/suppressions/{hidden.handle}",
        f"/privacy/suppressions/{hidden.handle}",  # "already kept out" message
        f"/privacy/suppressions/{hidden.handle}/remove",
        f"/privacy/suppressions/{hidden.handle}",
    ):
        page = post_form(client, url, follow_redirects=True).get_data(as_text=True)
        assert "Quintessa" not in page and "Hiddenname" not in page, url
        assert hidden.handle in page, url

    logged = events(session, subject_id=hidden.id, place="privacy")
    assert logged and all(e.requester_id == ada.id for e in logged)
    assert all(released(e) == [] for e in logged)


def test_a_visible_name_in_suppression_pages_is_logged_as_a_view(client, auth, session):
    rita, ada = _pair(session)
    auth.login(ada.email)

    page = post_form(client, f"/privacy/suppressions/{rita.handle}", follow_redirects=True)

    assert "Rita Recruiter can no longer put you in their exports" in page.get_data(as_text=True)
    shown = events(session, subject_id=rita.id, place="privacy")
    assert shown and set(released(shown[-1])) >= {"first_name", "last_name"}


def test_a_back_target_that_breaks_urlsplit_leads_to_the_settings_after_saving(
    client, auth, session
):
    # "/\t/[::1": urlsplit drops the tab, then raised "Invalid IPv6 URL", a 500
    # after the suppression was saved (found by review).
    rita, ada = _pair(session)
    auth.login(ada.email)

    response = post_form(client, f"/privacy/suppressions/{rita.handle}", {"back": "/\t/[::1"})

    assert response.status_code == 302 and response.location.endswith("/privacy")
    assert is_suppressed(session, ada.id, rita.id)
