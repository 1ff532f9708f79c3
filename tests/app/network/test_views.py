from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models.audit import AccessEvent
from app.models.network import Invitation
from app.network import search
from app.network.services import are_connected, connect
from permissions import Audience, Field, policy
from tests.conftest import post_form
from tests.factories import (
    connect_members,
    handles_against_registration,
    make_member,
    set_policy,
)


def test_search_finds_members_by_visible_name(client, session, auth):
    make_member(session, "Me", email="me@example.com")
    make_member(session, "Grace", "Hopper")
    hidden = make_member(session, "Grace", "Secret")
    set_policy(
        session,
        hidden.id,
        Field.LAST_NAME,
        policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY),
    )
    auth.login("me@example.com")
    page = client.get("/search?q=grace").get_data(as_text=True)
    assert "Grace Hopper" in page
    assert "Secret" not in page
    assert "Secret" not in client.get("/search?q=secret").get_data(as_text=True)


def _found_handles(page: str) -> list[str]:
    return re.findall(r'<a class="name" href="/m/([^"]+)"', page)


def test_search_results_do_not_tell_who_registered_first(client, session, auth):
    # Found by review: results came in member id order, so a search told which
    # of the people found joined before which ("Nothing tells who joined when").
    make_member(session, "Me", email="me@example.com")
    found = [make_member(session, "Grace", f"Zarkov{i}") for i in range(3)]
    handles = handles_against_registration(session, found)
    session.commit()
    auth.login("me@example.com")
    page = client.get("/search?q=zarkov").get_data(as_text=True)
    assert _found_handles(page) == handles == ["aaaa0", "bbbb0", "cccc0"]


def test_a_capped_search_does_not_keep_those_who_registered_first(
    client, session, auth, monkeypatch
):
    # With more matches than the cap, the ones kept were the first registered.
    monkeypatch.setattr(search, "MAX_MATCHES", 2)
    make_member(session, "Me", email="me@example.com")
    found = [make_member(session, "Grace", f"Zarkov{i}") for i in range(3)]
    handles = handles_against_registration(session, found)
    session.commit()
    auth.login("me@example.com")
    page = client.get("/search?q=zarkov").get_data(as_text=True)
    assert _found_handles(page) == handles[:2]


def test_search_rejects_bad_input_with_400(client, session, auth):
    make_member(session, "Me", email="me@example.com")
    auth.login("me@example.com")
    assert client.get("/search?q=" + "a" * 101).status_code == 400
    assert client.get("/search?q=a&page=zero").status_code == 400


def test_search_treats_like_wildcards_literally(client, session, auth):
    make_member(session, "Me", email="me@example.com")
    make_member(session, "Grace", "Hopper")
    auth.login("me@example.com")
    assert "Grace Hopper" not in client.get("/search?q=%25").get_data(as_text=True)


def test_invite_accept_and_both_see_the_connection(client, session, auth):
    ada = make_member(session, "Ada", "Lovelace", email="ada@example.com")
    bob = make_member(session, "Bob", "Babbage", email="bob@example.com")
    auth.login("ada@example.com")
    assert post_form(client, f"/m/{bob.handle}/invite", {"message": "Hi Bob"}).status_code == 302
    auth.logout()
    auth.login("bob@example.com")
    page = client.get("/invitations").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Hi Bob" in page
    invitation_id = session.scalar(select(Invitation.id).where(Invitation.sender_id == ada.id))
    assert post_form(client, f"/invitations/{invitation_id}/accept").status_code == 302
    assert are_connected(session, ada.id, bob.id)
    assert "Ada Lovelace" in client.get("/connections").get_data(as_text=True)
    auth.logout()
    auth.login("ada@example.com")
    assert "Bob Babbage" in client.get("/connections").get_data(as_text=True)


def test_refused_invitation_shows_a_clear_message_not_an_error_page(client, session, auth):
    make_member(session, "Ada", email="ada@example.com")
    bob = make_member(session, "Bob")
    auth.login("ada@example.com")
    post_form(client, f"/m/{bob.handle}/invite")
    response = post_form(client, f"/m/{bob.handle}/invite")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already invited this member" in page and "Bob" in page


def test_invite_unknown_member_is_404(client, session, auth):
    make_member(session, "Ada", email="ada@example.com")
    auth.login("ada@example.com")
    assert post_form(client, "/m/nobody-here/invite").status_code == 404
    assert post_form(client, "/invitations/424242/accept").status_code == 404


def test_remove_connection(client, session, auth):
    ada = make_member(session, "Ada", email="ada@example.com")
    bob = make_member(session, "Bob")
    connect_members(session, ada, bob)
    auth.login("ada@example.com")
    assert post_form(client, f"/connections/{bob.handle}/remove").status_code == 302
    assert not are_connected(session, ada.id, bob.id)
    assert post_form(client, f"/connections/{bob.handle}/remove").status_code == 404


def test_connection_sees_connections_only_email_and_stranger_does_not(client, session, auth):
    ada = make_member(session, "Ada", email="ada@example.com")
    bob = make_member(session, "Bob", email="bob@example.com")
    make_member(session, "Eve", email="eve@example.com")
    connect_members(session, ada, bob)
    auth.login("bob@example.com")
    assert "ada@example.com" in client.get(f"/m/{ada.handle}").get_data(as_text=True)
    auth.logout()
    auth.login("eve@example.com")
    assert "ada@example.com" not in client.get(f"/m/{ada.handle}").get_data(as_text=True)


def _events(session):
    return session.scalar(select(func.count()).select_from(AccessEvent))


def test_a_member_sees_their_own_page_as_others_see_it(client, session, auth):
    ada = make_member(
        session, email="ada@example.com", values={Field.HEADLINE: "Countess of engines"}
    )
    set_policy(
        session, ada.id, Field.LAST_NAME, policy(Audience.MEMBERS, Audience.NOBODY, Audience.NOBODY)
    )
    auth.login("ada@example.com")
    before = _events(session)

    public = client.get(f"/m/{ada.handle}")
    assert public.status_code == 200
    page = public.get_data(as_text=True)
    assert "How someone who is not signed in sees your profile" in page
    assert "Countess of engines" in page
    assert "Lovelace" not in page  # members only
    assert "ada@example.com" not in page  # connections only

    page = client.get(f"/m/{ada.handle}?as=member").get_data(as_text=True)
    assert "Ada Lovelace" in page and "ada@example.com" not in page
    page = client.get(f"/m/{ada.handle}?as=connection").get_data(as_text=True)
    assert "ada@example.com" in page
    assert "Send invitation" not in page and "Never export me again" not in page
    assert _events(session) == before  # looking at oneself is no access by anyone else


def test_viewing_ones_own_page_through_an_unknown_viewpoint_is_a_400(client, session, auth):
    ada = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    for bad in ("sync", "download", "everyone", ""):
        response = client.get(f"/m/{ada.handle}?as={bad}")
        assert response.status_code == 400, bad
        assert "Choose one of the listed viewpoints" in response.get_data(as_text=True)


def test_others_pages_ignore_the_viewpoint(client, session, auth):
    make_member(session, "Me", email="me@example.com")
    bob = make_member(session, "Bob", "Babbage", email="bob@example.com")
    auth.login("me@example.com")
    page = client.get(f"/m/{bob.handle}?as=connection").get_data(as_text=True)
    assert "bob@example.com" not in page
    assert "Send invitation" in page


def test_removing_a_connection_names_them_as_the_list_did(client, session, auth):
    # Found by review: the flash said only "Connection removed."
    ada = make_member(session, "Ada", email="ada@example.com")
    bob, cyd = make_member(session, "Bob", "Babbage"), make_member(session, "Cyd", "Hidden")
    connect(session, ada.id, bob.id)
    connect(session, ada.id, cyd.id)
    for field in (Field.FIRST_NAME, Field.LAST_NAME):  # Cyd shows her name to nobody
        set_policy(
            session, cyd.id, field, policy(Audience.NOBODY, Audience.NOBODY, Audience.NOBODY)
        )
    auth.login("ada@example.com")
    page = post_form(client, f"/connections/{bob.handle}/remove", follow_redirects=True)
    assert "Bob Babbage is no longer one of your connections." in page.get_data(as_text=True)
    page = post_form(client, f"/connections/{cyd.handle}/remove", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"A member ({cyd.handle}) is no longer one of your connections." in text
    assert "Cyd" not in text


def test_a_page_past_the_last_says_so_and_leads_to_the_last(client, session, auth, monkeypatch):
    # Found by review: /connections?page=999 said "159 connections", then "No connections yet".
    monkeypatch.setattr("app.network.views.PER_PAGE", 2)
    ada = make_member(session, "Ada", email="ada@example.com")
    for n in range(5):
        connect(session, ada.id, make_member(session, "Friend", f"Number{n}").id)
    auth.login("ada@example.com")
    page = client.get("/connections?page=999").get_data(as_text=True)
    assert "No connections yet" not in page
    assert "There is no page 999: your 5 connections fill 3 pages." in page
    assert 'href="/connections?page=3">Go to page 3</a>' in page
    assert "Friend Number" in client.get("/connections?page=3").get_data(as_text=True)
    assert "There is no page" not in client.get("/connections?page=3").get_data(as_text=True)
