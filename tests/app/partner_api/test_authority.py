"""An app's export stops when its authority ends mid-stream, and goes on across its own refresh.

Chunks of one contact (instead of 5,000) make each contact a chunk of its
own, decided and logged when its turn comes.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.deletion import delete_account
from app.apps import blocks, grants, registration
from app.apps.registration import delete_apps_of
from app.disclosure.authority import AuthorityEnded, check_authority
from app.disclosure.service import disclose
from app.exports import service
from app.extensions import db
from app.models.accounts import Member
from app.models.apps import OAuthClient, OAuthEventKind, OAuthGrant, OAuthToken
from app.models.audit import AccessEvent, Place
from app.network.services import connect
from app.partner_api import api as partner_api
from exporters import csv_format
from permissions import Action, Audience, Field, Policy
from tests.app.apps.helpers import Harness, committed_app_and_member, issue_token, through_app
from tests.app.exports.helpers import ordered_handle
from tests.factories import TEST_PASSWORD, make_member, set_policy

EXPORT = "/api/v1/exports/contacts?format=csv&purpose=recruiting"
DOWNLOADABLE = Policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)
EVERY_MEMBER = Policy(Audience.MEMBERS, Audience.MEMBERS, Audience.NOBODY)
SCOPE = "basic:download contact:download"


@pytest.fixture
def one_per_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each contact decided, logged and written out on its own."""
    monkeypatch.setattr(
        partner_api, "start_export", functools.partial(service.start_export, chunk_size=1)
    )
    monkeypatch.setattr(csv_format, "ROWS_PER_CHUNK", 1)


def _contacts(partner: Harness, n: int = 3) -> list[Member]:
    people = [make_member(partner.session, f"Con{i}", f"Tact{i}") for i in range(n)]
    for i, person in enumerate(people):
        person.handle = ordered_handle(i, person.handle)  # exports take them in this order
        connect(partner.session, partner.member.id, person.id)
        set_policy(partner.session, person.id, Field.EMAIL, DOWNLOADABLE)
    partner.session.commit()
    return people


def _export_interrupted(
    partner: Harness, token: str, meanwhile: Callable[[], None]
) -> tuple[int, bytes]:
    """Start an export, read its first chunk, run ``meanwhile``, read the rest as far as it goes."""
    response = partner.api(token, EXPORT)
    assert response.status_code == 200
    body: Iterator[bytes] = iter(response.response)
    received = next(body)
    meanwhile()
    try:
        for piece in body:
            received += piece
    except AuthorityEnded:
        pass  # the stream breaks off: the client sees a cut-short transfer
    return response.status_code, received


def _revoke_by_member(partner: Harness) -> None:
    grant = partner.session.scalars(select(OAuthGrant)).one()
    grants.revoke(partner.session, grant, partner.app, "member", OAuthEventKind.REVOKED_BY_MEMBER)
    partner.session.commit()


def _block(partner: Harness) -> None:
    blocks.block(partner.session, partner.member.id, partner.app)
    partner.session.commit()


def _delete_app(partner: Harness) -> None:
    registration.delete_app(partner.session, partner.app)
    partner.session.commit()


@pytest.mark.parametrize("end", [_revoke_by_member, _block, _delete_app])
def test_an_export_under_way_stops_when_the_apps_access_ends(
    partner: Harness, one_per_chunk: None, end: Callable[[Harness], None]
) -> None:
    people = _contacts(partner)
    token = partner.full_flow(scope=SCOPE)["access_token"]
    _, received = _export_interrupted(partner, token, lambda: end(partner))
    sent = [p for p in people if p.email.encode() in received]
    assert sent == people[:1]  # the first chunk left before; nothing after
    later = partner.session.scalars(
        select(AccessEvent).where(AccessEvent.subject_id.in_([p.id for p in people[1:]]))
    ).all()
    assert later == []  # no read after the end was logged as released (nor made)


def test_the_apps_own_revocation_stops_its_export_too(
    partner: Harness, one_per_chunk: None
) -> None:
    people = _contacts(partner)
    issued = partner.full_flow(scope=SCOPE)

    def revoke() -> None:
        assert partner.revoke(issued["refresh_token"]).status_code == 200

    _, received = _export_interrupted(partner, issued["access_token"], revoke)
    assert [p for p in people if p.email.encode() in received] == people[:1]


def test_an_app_that_refreshes_while_its_file_streams_keeps_its_file(
    partner: Harness, one_per_chunk: None
) -> None:
    people = _contacts(partner)
    issued = partner.full_flow(scope=SCOPE)

    def refresh() -> None:
        assert partner.refresh(issued["refresh_token"]).status_code == 200

    _, received = _export_interrupted(partner, issued["access_token"], refresh)
    assert [p for p in people if p.email.encode() in received] == people


def test_a_read_after_the_grant_ended_is_refused_and_not_logged(
    app: Flask, partner: Harness
) -> None:
    [contact] = _contacts(partner, 1)
    requester = through_app(partner.session, partner.member.id, partner.app)
    live = {"member_id": partner.member.id, "app_id": partner.app.id}
    check_authority(partner.session, requester.token_id or 0, **live)  # live: passes
    grant = partner.session.scalars(select(OAuthGrant)).one()
    grants.revoke(partner.session, grant, partner.app, "member", OAuthEventKind.REVOKED_BY_MEMBER)
    partner.session.commit()
    with app.test_request_context(), pytest.raises(AuthorityEnded):
        disclose(partner.session, requester, [contact.id], action=Action.VIEW, place=Place.API)
    assert partner.session.scalars(select(AccessEvent)).all() == []


def test_an_expired_grant_ends_the_apps_authority(partner: Harness) -> None:
    requester = through_app(partner.session, partner.member.id, partner.app)
    grant = partner.session.scalars(select(OAuthGrant)).one()
    grant.expires_at = grant.created_at
    partner.session.commit()
    with pytest.raises(AuthorityEnded):
        check_authority(
            partner.session,
            requester.token_id or 0,
            member_id=partner.member.id,
            app_id=partner.app.id,
        )
    assert partner.session.get(OAuthToken, requester.token_id).access_revoked_at is None


def test_a_grant_revoked_between_the_token_check_and_the_read_gets_a_401(
    partner: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    [contact] = _contacts(partner, 1)
    token = partner.full_flow(scope="basic:view")["access_token"]
    page = partner_api.connections_page

    def revoked_meanwhile(*args: object, **kwargs: object) -> object:
        _revoke_by_member(partner)
        return page(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(partner_api, "connections_page", revoked_meanwhile)
    response = partner.api(token, "/api/v1/connections")
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert contact.handle not in response.get_data(as_text=True)


def test_a_read_during_a_revocation_waits_for_it_and_is_refused(committed_app: Flask) -> None:
    with committed_app.app_context():
        registered, _secret, member = committed_app_and_member(committed_app)
        token_id = through_app(db.session, member.id, registered).token_id or 0
        app_id, member_id = registered.id, member.id
        db.session.rollback()  # this session holds no transaction (SQLite's would lock)
        engine = db.engine
        outcome: dict[str, str] = {}

        def read() -> None:
            with committed_app.app_context(), Session(engine) as reader:
                try:
                    check_authority(reader, token_id, member_id=member_id, app_id=app_id)
                    outcome["read"] = "allowed"
                except AuthorityEnded:
                    outcome["read"] = "refused"

        with Session(engine) as revoker:
            grant = revoker.scalars(select(OAuthGrant)).one()
            revoked_app = revoker.get(OAuthClient, app_id)
            assert revoked_app is not None
            grants.revoke(revoker, grant, revoked_app, "member", None)
            revoker.flush()  # written, not yet committed
            reader_thread = threading.Thread(target=read)
            reader_thread.start()
            reader_thread.join(0.5)
            assert reader_thread.is_alive()  # the read waits for the revocation to end
            revoker.commit()
        reader_thread.join(30)
        assert outcome == {"read": "refused"}


def test_an_export_under_way_stops_when_the_member_deletes_their_account(
    partner: Harness, one_per_chunk: None
) -> None:
    """Even when the deleted token's id comes back (SQLite gives a freed top id again)."""
    people = _contacts(partner)
    for person in people:  # what any member may download: still theirs after Rita is gone
        set_policy(partner.session, person.id, Field.EMAIL, EVERY_MEMBER)
    partner.session.commit()
    token = partner.full_flow(scope=SCOPE)["access_token"]
    token_id = partner.session.scalars(select(OAuthToken.id)).one()
    bob = make_member(partner.session, "Bob", "Other")
    partner.session.commit()

    def delete_rita() -> None:
        delete_account(partner.session, partner.member, TEST_PASSWORD, [delete_apps_of])
        partner.session.commit()
        _access, row = issue_token(partner.session, bob.id, partner.app)  # another member's
        # SQLite gives the freed id to this token (the case found by review); PostgreSQL's
        # sequence never does, and there the export must stop all the same.
        assert (row.id == token_id) is (partner.session.get_bind().dialect.name == "sqlite")

    _, received = _export_interrupted(partner, token, delete_rita)
    assert [p for p in people if p.email.encode() in received] == people[:1]
