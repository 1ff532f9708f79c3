"""Reads through an app: the grant's purpose is declared, and app blocks hold through any grant."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.disclosure.service import Requester, decide_for, disclose
from app.models.apps import AppBlock, OAuthClient
from app.models.audit import AccessEvent, EventAction, Place
from app.privacy.services import set_purposes
from permissions import Action, Purpose, Reason, Scope
from tests.app.apps.helpers import through_app
from tests.conftest import QueryCounter
from tests.factories import connect_members, make_member

ALL_SCOPES = frozenset(Scope)


def _through(
    session: Session, member_id: int, app: OAuthClient, purpose: Purpose = Purpose.RECRUITING
) -> Requester:
    return through_app(session, member_id, app, ALL_SCOPES, purpose)


def _app(session: Session, developer_id: int, name: str) -> OAuthClient:
    row = OAuthClient(
        client_id=f"fgc_{name.lower()}",
        secret_hash="",
        developer_id=developer_id,
        name=name,
        description="",
        homepage="https://app.example",
        purpose=Purpose.RECRUITING,
        redirect_uris="[]",
        allowed_scope="basic:view",
        token_endpoint_auth_method="client_secret_basic",
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(app: Flask, session: Session):
    """Sam blocked CRM Sync; Ann and Bob are both Sam's connections; Other is another app."""
    ann, bob, sam = (make_member(session, n, "Tester") for n in ("Ann", "Bob", "Sam"))
    connect_members(session, ann, sam, bob)
    crm, other = _app(session, ann.id, "Crm"), _app(session, bob.id, "Other")
    session.add(AppBlock(member_id=sam.id, app_id=crm.id))
    session.commit()
    return ann, bob, sam, crm, other


def test_a_blocked_app_gets_app_blocked_through_every_members_grant(
    app: Flask, session: Session, world
) -> None:
    ann, bob, sam, crm, _ = world
    with app.test_request_context():
        for requester in (ann, bob, sam):
            outcome = disclose(
                session,
                _through(session, requester.id, crm),
                [sam.id],
                action=Action.VIEW,
                place=Place.API,
            )[sam.id]
            assert outcome.released == []
            assert outcome.subject_reason is Reason.APP_BLOCKED
    logged = session.scalars(select(AccessEvent).where(AccessEvent.subject_id == sam.id)).all()
    assert [(e.requester_id, e.app_id, e.action) for e in logged] == [
        (ann.id, crm.id, EventAction.API_READ),
        (bob.id, crm.id, EventAction.API_READ),
        (sam.id, crm.id, EventAction.API_READ),
    ]
    assert {json.loads(e.refused)[0][1] for e in logged} == {"app_blocked"}


def test_the_same_member_in_the_browser_or_another_app_is_unaffected(
    app: Flask, session: Session, world
) -> None:
    ann, _, sam, crm, other = world
    browser = decide_for(session, Requester(ann.id), [sam.id], action=Action.VIEW)[sam.id]
    another = decide_for(session, _through(session, ann.id, other), [sam.id], action=Action.VIEW)[
        sam.id
    ]
    blocked = decide_for(session, _through(session, ann.id, crm), [sam.id], action=Action.VIEW)[
        sam.id
    ]
    assert browser.released and browser.subject_reason is None
    assert another.released and another.subject_reason is None
    assert blocked.subject_reason is Reason.APP_BLOCKED


def test_blocks_load_in_one_query_whatever_the_number_of_subjects(
    app: Flask, session: Session, world, count_queries: QueryCounter
) -> None:
    ann, _, sam, crm, _ = world
    extra = [make_member(session, f"M{n}", "Bulk") for n in range(30)]
    session.flush()
    via_crm = _through(session, ann.id, crm)

    def statements(subjects: list[int]) -> int:
        before = count_queries.count
        decide_for(session, via_crm, subjects, action=Action.VIEW)
        return count_queries.count - before

    statements([sam.id])  # warm up: the first call also flushes the new members
    one = statements([extra[0].id])
    many = statements([m.id for m in extra])
    assert one == many
    blocks = [s for s in count_queries.statements if "app_blocks" in s]
    assert len(blocks) == 3  # one per call


def test_an_apps_reads_declare_the_grants_purpose(app: Flask, session: Session, world) -> None:
    ann, bob, sam, crm, _ = world
    set_purposes(session, bob.id, {Purpose.MARKETING: True})
    session.commit()
    marketing = _through(session, sam.id, crm, Purpose.MARKETING)
    with app.test_request_context():
        outcomes = disclose(
            session, marketing, [ann.id, bob.id], action=Action.SYNC, place=Place.API
        )
    assert outcomes[ann.id].subject_reason is Reason.PURPOSE  # never opted in to marketing
    assert outcomes[bob.id].subject_reason is None
    purposes = session.scalars(
        select(AccessEvent.purpose).where(AccessEvent.requester_id == sam.id)
    ).all()
    assert purposes == [Purpose.MARKETING, Purpose.MARKETING]


def test_an_app_cannot_declare_another_purpose_than_its_grants(session: Session, world) -> None:
    ann, _, sam, crm, _ = world
    with pytest.raises(ValueError, match="grant is for recruiting"):
        decide_for(
            session,
            _through(session, ann.id, crm),
            [sam.id],
            action=Action.SYNC,
            purpose=Purpose.SALES,
        )


def test_an_app_without_scopes_is_not_a_requester() -> None:
    with pytest.raises(ValueError, match="scopes of a grant"):
        Requester(1, app_id=2)
    with pytest.raises(ValueError, match="through a token"):
        Requester(1, app_id=2, scopes=ALL_SCOPES)
