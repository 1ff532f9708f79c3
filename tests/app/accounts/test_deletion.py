"""Deleting an account: every row of the member goes, the tombstone and the access log stay."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.accounts.deletion import KEPT, delete_account, tables_referring_to_members
from app.accounts.services import WrongPassword
from app.apps.blocks import block
from app.apps.registration import delete_apps_of
from app.clock import utcnow
from app.disclosure.service import Requester, disclose
from app.models.accounts import Member
from app.models.apps import OAuthClient
from app.models.audit import AccessEvent, Place
from app.models.exports import ExportRun
from app.network.services import connect, invite
from app.notifications.services import ensure_digest, send_digests, set_digest_enabled
from app.privacy.services import apply_updates, preset_updates, set_purposes
from app.privacy.suppression import suppress
from permissions import Action, Purpose
from tests.app.apps.helpers import Harness, new_app
from tests.conftest import post_form, sign_in_as
from tests.factories import TEST_PASSWORD, make_member


def _rows_of(session: Session, member_id: int) -> dict[str, int]:
    """How many rows of each table (other than the kept ones) refer to the member."""
    counts = {}
    for name, columns in tables_referring_to_members():
        if name in KEPT:
            continue
        where = " OR ".join(f"{c} = :m" for c in columns)
        counts[name] = session.execute(
            text(f"SELECT COUNT(*) FROM {name} WHERE {where}"),
            {"m": member_id},
        ).scalar_one()
    return counts


def _a_full_account(app: Flask, oauth: Harness) -> tuple[Member, Member]:
    """Ann with everything a member can have; and Bob, her connection."""
    session, ann = oauth.session, oauth.member
    bob = make_member(session, "Bob", "Other")
    cy = make_member(session, "Cy", "Stranger")
    connect(session, ann.id, bob.id)
    invite(session, cy.id, ann.id, "Hello", per_day=10, cooldown_days=21)  # a notification too
    set_purposes(session, ann.id, {Purpose.MARKETING: True})
    suppress(session, ann.id, bob.id)
    suppress(session, bob.id, ann.id)
    apply_updates(session, ann.id, preset_updates(session, ann.id, "private"), source="settings")
    mine, _ = new_app(app, session, ann, name="Ann's Tool")
    block(session, ann.id, mine)
    session.commit()
    oauth.full_flow()  # a grant, a code, tokens and security history
    with app.test_request_context():
        disclose(session, Requester(bob.id), [ann.id], action=Action.VIEW, place=Place.PROFILE)
        disclose(session, Requester(ann.id), [bob.id], action=Action.VIEW, place=Place.PROFILE)
    set_digest_enabled(session, ann.id, True)
    with app.app_context():  # the test clock's time, when the events above were written
        assert ensure_digest(session, ann.id, utcnow() + timedelta(hours=1)) is not None
    session.add(
        ExportRun(
            requester_id=ann.id,
            format="csv",
            purpose="recruiting",
            fields=json.dumps(["first_name"]),
            contacts_selected=1,
            contacts_done=1,
            status="complete",
            manifest=json.dumps({"contacts": 1, "fields": ["first_name"]}),
        )
    )
    session.commit()
    return ann, bob


def test_every_row_that_refers_to_the_member_is_erased(app: Flask, oauth: Harness) -> None:
    ann, bob = _a_full_account(app, oauth)
    before = _rows_of(oauth.session, ann.id)
    # Not vacuous: the account touches most tables (every one a member can fill here).
    assert {name for name, n in before.items() if n} >= {
        "profile_values", "connections", "invitations", "purpose_choices", "suppressions",
        "policy_changes", "app_blocks", "oauth_grants", "oauth_tokens", "oauth_codes",
        "oauth_events", "auth_sessions", "notifications", "notification_settings",
        "export_runs",
    }  # fmt: skip

    delete_account(oauth.session, ann, TEST_PASSWORD, [delete_apps_of])
    oauth.session.commit()

    assert {name: n for name, n in _rows_of(oauth.session, ann.id).items() if n} == {}
    tomb = oauth.session.get(Member, ann.id)
    assert tomb.deleted_at is not None and not tomb.is_active
    assert tomb.email.endswith("@deleted.invalid") and tomb.password_hash == "!deleted"
    # The access log keeps its events, as subject and as requester.
    logged = oauth.session.scalars(
        select(AccessEvent.subject_id).where(
            (AccessEvent.subject_id == ann.id) | (AccessEvent.requester_id == ann.id)
        )
    ).all()
    assert ann.id in logged and len(logged) >= 2
    # Bob keeps his account and his own rows.
    assert _rows_of(oauth.session, bob.id)["profile_values"] > 0
    # Her events stay, but the weekly digest no longer makes her rows again.
    with app.app_context():
        send_digests(oauth.session, utcnow() + timedelta(hours=1))
    assert {name: n for name, n in _rows_of(oauth.session, ann.id).items() if n} == {}
    assert _rows_of(oauth.session, bob.id)["notifications"] == 1


def test_only_the_kept_tables_may_keep_rows_of_a_deleted_member() -> None:
    # A table added later with a key to members is erased unless it is listed here on purpose.
    referring = {name for name, _ in tables_referring_to_members()}
    assert referring | {"members"} >= KEPT
    assert "access_events" not in referring  # ids without keys: the log outlives members


def test_apps_the_member_registered_are_deleted_and_their_grants_end(
    app: Flask, oauth: Harness
) -> None:
    issued = oauth.full_flow()  # Ann's grant to Dev's app
    assert oauth.api(issued["access_token"]).status_code == 200
    developer = oauth.session.get(Member, oauth.app.developer_id)

    delete_account(oauth.session, developer, TEST_PASSWORD, [delete_apps_of])
    oauth.session.commit()

    assert oauth.session.get(OAuthClient, oauth.app.id).deleted_at is not None
    assert oauth.api(issued["access_token"]).status_code == 401


def test_a_deleted_developers_app_keeps_only_what_others_histories_need(
    app: Flask, oauth: Harness
) -> None:
    developer = oauth.session.get(Member, oauth.app.developer_id)

    with app.app_context():
        delete_account(oauth.session, developer, TEST_PASSWORD, [delete_apps_of])
    oauth.session.commit()
    oauth.session.expire_all()

    row = oauth.session.get(OAuthClient, oauth.app.id)
    assert row.deleted_at is not None and row.developer_id == developer.id
    assert (row.name, row.client_id) == ("CRM Sync", oauth.client_id)
    assert (row.description, row.homepage, row.redirect_uris) == ("", "", "[]")


def test_a_wrong_password_changes_nothing(app: Flask, oauth: Harness) -> None:
    ann, _bob = _a_full_account(app, oauth)
    before = _rows_of(oauth.session, ann.id)
    with pytest.raises(WrongPassword):
        delete_account(oauth.session, ann, "not the password", [delete_apps_of])
    oauth.session.rollback()
    assert _rows_of(oauth.session, ann.id) == before


def test_the_page_deletes_signs_out_and_the_account_is_gone(app: Flask, oauth: Harness) -> None:
    ann, bob = _a_full_account(app, oauth)
    browser = oauth.http
    page = browser.get("/account/delete").get_data(as_text=True)
    assert "What is erased" in page and "What stays" in page
    assert "Apps you registered keep their name" in page

    refused = post_form(
        browser, "/account/delete", {"current_password": "wrong", "understood": "y"}
    )
    assert refused.status_code == 403 and "Delete my account" in refused.get_data(as_text=True)
    unticked = post_form(browser, "/account/delete", {"current_password": TEST_PASSWORD})
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    both = post_form(browser, "/account/delete", {"current_password": "wrong"}).get_data(
        as_text=True
    )
    assert "Tick the box" in both and "not your current password" in both  # both at once
    assert oauth.session.get(Member, ann.id).deleted_at is None

    done = post_form(
        browser, "/account/delete", {"current_password": TEST_PASSWORD, "understood": "y"}
    )
    assert done.status_code == 302
    said = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your account is deleted" in said and "access log keeps its records" in said
    assert "Everything that was yours" not in said  # not all: the log stays, as the page said
    assert browser.get("/account").status_code in (302, 401)  # signed out
    oauth.session.expire_all()
    gone = browser.get(f"/m/{ann.handle}")
    assert gone.status_code == 404 and "deleted their account" in gone.get_data(as_text=True)
    signin = post_form(
        app.test_client(), "/signin", {"email": ann.email, "password": TEST_PASSWORD}
    )
    assert signin.status_code == 401
    # Bob's connections no longer hold her.
    bobs = app.test_client()
    sign_in_as(bobs, bob)
    connections = bobs.get("/connections").get_data(as_text=True)
    assert ann.handle not in connections
    for path in (
        f"/privacy/suppressions/{ann.handle}",
        f"/privacy/suppressions/{ann.handle}/remove",
    ):
        kept_out = post_form(bobs, path)
        assert kept_out.status_code == 404, path
        assert "deleted their account" in kept_out.get_data(as_text=True)
    assert _rows_of(oauth.session, ann.id)["suppressions"] == 0
    # Bob's access log still says his profile was read, by a former member.
    log = bobs.get("/access").get_data(as_text=True)
    assert "A former member" in log and ann.handle not in log
    assert oauth.session.scalar(select(func.count()).select_from(Member)) >= 3
