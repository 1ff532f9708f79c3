"""GET /api/v1/connections and /connections/{handle}: paged, filtered, only what may be viewed."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from app.accounts.deletion import delete_account
from app.apps.blocks import block
from app.models.accounts import Member
from app.models.audit import AccessEvent, EventAction, Place
from app.network.services import connect, disconnect
from app.partner_api.services import BadCursor, decode_cursor, encode_cursor
from app.privacy.services import set_purposes
from permissions import Audience, Field, Policy, Purpose
from tests.app.apps.helpers import Harness
from tests.factories import (
    TEST_PASSWORD,
    handles_against_registration,
    make_member,
    set_policy,
)


def _connections(partner: Harness, n: int) -> list[Member]:
    people = [make_member(partner.session, f"Con{i}", f"Nect{i}") for i in range(n)]
    for person in people:
        connect(partner.session, partner.member.id, person.id)
    partner.session.commit()
    return people


def _in_handle_order(partner: Harness, people: list[Member]) -> list[Member]:
    """``people`` as the database orders their handles (its own collation)."""
    by_handle = {p.handle: p for p in people}
    stmt = select(Member.handle).where(Member.id.in_([p.id for p in people]))
    return [by_handle[h] for h in partner.session.scalars(stmt.order_by(Member.handle))]


def _get(partner: Harness, token: str, path: str) -> tuple[int, dict]:
    response = partner.api(token, path)
    return response.status_code, response.get_json()


def test_pages_follow_a_stable_order_and_cover_everyone_once(partner: Harness) -> None:
    people = _connections(partner, 7)
    token = partner.full_flow(scope="basic:view")["access_token"]
    seen, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/connections?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, body = _get(partner, token, path)
        assert status == 200
        seen += [c["handle"] for c in body["connections"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [p.handle for p in _in_handle_order(partner, people)]


def _pages(partner: Harness, token: str, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        path = f"/api/v1/connections?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        status, body = _get(partner, token, path)
        assert status == 200
        pages.append([c["handle"] for c in body["connections"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def _unbase64(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_every_page_size_covers_everyone_once_in_handle_order(partner: Harness, limit: int) -> None:
    people = _connections(partner, 5)
    token = partner.full_flow(scope="basic:view")["access_token"]
    seen = [handle for page in _pages(partner, token, limit) for handle in page]
    assert seen == [p.handle for p in _in_handle_order(partner, people)]


def test_pages_do_not_tell_who_registered_first(partner: Harness) -> None:
    # Found by review: pages in id order told an app which of the member's
    # connections joined before which. The handles here sort against it.
    people = _connections(partner, 4)
    handles_against_registration(partner.session, people)
    partner.session.commit()
    token = partner.full_flow(scope="basic:view")["access_token"]
    seen = [handle for page in _pages(partner, token, 3) for handle in page]
    assert seen == ["aaaa0", "bbbb0", "cccc0", "dddd0"]


def test_the_cursor_does_not_reveal_internal_member_ids(partner: Harness) -> None:
    people = _connections(partner, 2)
    token = partner.full_flow(scope="basic:view")["access_token"]
    cursor = partner.api(token, "/api/v1/connections?limit=1").get_json()["next_cursor"]
    decoded = _unbase64(cursor)
    first = min(people, key=lambda p: p.id)
    assert decoded != f"c{first.id}"


def test_a_connection_removed_between_pages_does_not_break_the_paging(partner: Harness) -> None:
    first, second, third, fourth = _in_handle_order(partner, _connections(partner, 4))
    token = partner.full_flow(scope="basic:view")["access_token"]
    body = partner.api(token, "/api/v1/connections?limit=2").get_json()
    assert [c["handle"] for c in body["connections"]] == [first.handle, second.handle]
    disconnect(partner.session, partner.member.id, second.id)
    delete_account(partner.session, third, TEST_PASSWORD)
    partner.session.commit()
    status, body = _get(partner, token, f"/api/v1/connections?limit=2&cursor={body['next_cursor']}")
    assert status == 200
    assert [c["handle"] for c in body["connections"]] == [fourth.handle]
    assert body["next_cursor"] is None


def test_a_deleted_member_behind_the_cursor_does_not_break_the_paging(partner: Harness) -> None:
    first, second = _in_handle_order(partner, _connections(partner, 2))
    token = partner.full_flow(scope="basic:view")["access_token"]
    cursor = partner.api(token, "/api/v1/connections?limit=1").get_json()["next_cursor"]
    delete_account(partner.session, first, TEST_PASSWORD)
    partner.session.commit()
    status, body = _get(partner, token, f"/api/v1/connections?limit=1&cursor={cursor}")
    assert status == 200
    assert [c["handle"] for c in body["connections"]] == [second.handle]


def test_a_cursor_made_up_from_a_handle_is_refused_like_any_other(partner: Harness) -> None:
    # Were a bare handle accepted, an app could tell members from unknown
    # handles, and learn who registered before whom, by the answers.
    (person,) = _connections(partner, 1)
    stranger = make_member(partner.session, "Stan", "Ger")
    partner.session.commit()
    token = partner.full_flow(scope="basic:view")["access_token"]
    answers = set()
    for text in (
        f"{stranger.handle}.AAAAAAAAAAAAAAAA",
        f"{person.handle}.",
        "zzzzzzzzzzzz.AAAAAAAAAAAAAAAA",
        f"c{person.id}",
    ):
        cursor = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        status, body = _get(partner, token, f"/api/v1/connections?cursor={cursor}")
        answers.add((status, body["code"], body["message"]))
    assert answers == {(400, "invalid_request", "'cursor': not a cursor this API gave out.")}


def test_a_cursor_serves_only_the_member_it_was_given_for() -> None:
    cursor = encode_cursor("Abc123", key=b"k", member_id=1)
    assert decode_cursor(cursor, key=b"k", member_id=1) == "Abc123"
    with pytest.raises(BadCursor):
        decode_cursor(cursor, key=b"k", member_id=2)
    with pytest.raises(BadCursor):
        decode_cursor(cursor, key=b"another key", member_id=1)


def test_values_are_those_of_the_tokens_scopes_and_each_connections_policy(
    partner: Harness,
) -> None:
    open_book, private = _connections(partner, 2)
    set_policy(partner.session, private.id, Field.EMAIL, Policy(*[Audience.NOBODY] * 3))
    partner.session.commit()

    basic = partner.full_flow(scope="basic:view")["access_token"]
    _, body = _get(partner, basic, "/api/v1/connections")
    by_handle = {c["handle"]: c["fields"] for c in body["connections"]}
    assert by_handle[open_book.handle] == {"first_name": "Con0", "last_name": "Nect0"}
    assert open_book.email not in json.dumps(body)

    wider = partner.full_flow(scope="basic:view contact:view")["access_token"]
    _, body = _get(partner, wider, "/api/v1/connections")
    by_handle = {c["handle"]: c["fields"] for c in body["connections"]}
    assert by_handle[open_book.handle]["email"] == [{"label": "personal", "value": open_book.email}]
    assert "email" not in by_handle[private.handle]
    assert private.email not in json.dumps(body)


def test_fields_narrows_what_is_read_and_logged(partner: Harness) -> None:
    (person,) = _connections(partner, 1)
    token = partner.full_flow(scope="basic:view contact:view")["access_token"]
    status, body = _get(partner, token, "/api/v1/connections?fields=last_name")
    assert status == 200
    assert body["connections"] == [{"handle": person.handle, "fields": {"last_name": "Nect0"}}]
    event = partner.session.scalars(
        select(AccessEvent).where(AccessEvent.subject_id == person.id)
    ).one()
    assert json.loads(event.released) == ["last_name"]
    assert json.loads(event.refused) == []


def test_each_read_is_logged_for_each_connection_naming_the_app(partner: Harness) -> None:
    people = _connections(partner, 3)
    token = partner.full_flow(scope="basic:view")["access_token"]
    _get(partner, token, "/api/v1/connections")
    for person in people:
        event = partner.session.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == person.id)
        ).one()
        assert event.requester_id == partner.member.id and event.app_id == partner.app.id
        assert event.action is EventAction.API_READ and event.place is Place.API
        assert event.purpose is Purpose.RECRUITING


def test_a_connection_who_blocked_the_app_is_only_a_handle(partner: Harness) -> None:
    blocker, other = _connections(partner, 2)
    block(partner.session, blocker.id, partner.app)
    partner.session.commit()
    token = partner.full_flow(scope="basic:view contact:view")["access_token"]
    _, body = _get(partner, token, "/api/v1/connections")
    by_handle = {c["handle"]: c["fields"] for c in body["connections"]}
    assert by_handle[blocker.handle] == {}
    assert by_handle[other.handle]["first_name"] == "Con1"
    assert "Con0" not in json.dumps(body)
    event = partner.session.scalars(
        select(AccessEvent).where(AccessEvent.subject_id == blocker.id)
    ).one()
    refused = json.loads(event.refused)
    assert refused and {reason for _value, reason in refused} == {"app_blocked"}
    assert json.loads(event.released) == []


def test_a_connection_who_refused_the_grants_purpose_is_only_a_handle(partner: Harness) -> None:
    refuser, _ = _connections(partner, 2)
    set_purposes(partner.session, refuser.id, {Purpose.RECRUITING: False})
    partner.session.commit()
    token = partner.full_flow(scope="basic:view")["access_token"]
    status, body = _get(partner, token, f"/api/v1/connections/{refuser.handle}")
    assert status == 200
    assert body == {"handle": refuser.handle, "fields": {}}


def test_one_connection_by_handle(partner: Harness) -> None:
    (person,) = _connections(partner, 1)
    token = partner.full_flow(scope="basic:view")["access_token"]
    status, body = _get(partner, token, f"/api/v1/connections/{person.handle}?fields=first_name")
    assert status == 200
    assert body == {"handle": person.handle, "fields": {"first_name": "Con0"}}


def test_a_stranger_is_not_found_and_nothing_is_logged(partner: Harness) -> None:
    stranger = make_member(partner.session, "Stan", "Ger")
    partner.session.commit()
    token = partner.full_flow(scope="basic:view")["access_token"]
    status, body = _get(partner, token, f"/api/v1/connections/{stranger.handle}")
    assert status == 404 and body["code"] == "not_found"
    assert "Stan" not in json.dumps(body)
    logged = partner.session.scalars(
        select(AccessEvent).where(AccessEvent.subject_id == stranger.id)
    ).all()
    assert logged == []


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        # int() reads other scripts' digits, spaces, signs and underscores (found by review).
        ("limit=%D9%A1", "limit"),
        ("limit=%EF%BC%95", "limit"),
        ("limit=%205", "limit"),
        ("limit=%2B5", "limit"),
        ("limit=1_0", "limit"),
        ("cursor=%25%25%25", "cursor"),
        ("cursor=YWJj", "cursor"),
        ("fields=email,shoe_size", "fields"),
        ("colour=blue", "colour"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(
    partner: Harness, query: str, named: str
) -> None:
    token = partner.full_flow(scope="basic:view")["access_token"]
    status, body = _get(partner, token, f"/api/v1/connections?{query}")
    assert status == 400
    assert body["code"] == "invalid_request"
    assert f"'{named}'" in body["message"]


def test_without_basic_view_the_connections_are_a_403_naming_the_scope(partner: Harness) -> None:
    token = partner.full_flow(scope="contact:view")["access_token"]
    for path in ("/api/v1/connections", "/api/v1/connections/someone"):
        status, body = _get(partner, token, path)
        assert status == 403
        assert body["code"] == "insufficient_scope" and body["scope"] == "basic:view"


def test_unknown_api_paths_and_methods_answer_json_with_a_code(partner: Harness) -> None:
    token = partner.full_flow(scope="basic:view")["access_token"]
    status, body = _get(partner, token, "/api/v1/nothing-here")
    assert status == 404 and body["code"] == "not_found" and body["message"]
    response = partner.http.delete(
        "/api/v1/connections", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 405 and response.get_json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]  # RFC 9110 15.5.6 (its page dropped it)
