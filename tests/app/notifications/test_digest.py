"""The weekly access digest: what it says, when it is made, and turning it off."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.clock import FixedClock
from app.models.audit import EventAction, Place
from app.notifications.services import (
    DigestChoice,
    digest_choice,
    digest_text,
    ensure_digest,
    set_digest_enabled,
    summarise,
)
from permissions import Field, Reason
from tests.app.audit.helpers import write_events
from tests.conftest import Auth, post_form
from tests.factories import make_member


def _access(
    app: Flask,
    session: Session,
    subject: int,
    requester: int,
    action: EventAction,
    fields: tuple[Field, ...],
    app_id: int | None = None,
) -> None:
    write_events(
        app,
        session,
        [subject],
        requester_id=requester,
        action=action,
        place=Place.EXPORT,
        app_id=app_id,
        fields=fields,
    )


def test_the_digest_counts_people_and_apps(app: Flask, session: Session, clock: FixedClock) -> None:
    member = make_member(session)
    contact = (Field.FIRST_NAME, Field.EMAIL, Field.PHONE)
    for requester in (11, 12, 13):
        _access(app, session, member.id, requester, EventAction.DOWNLOAD, contact)
    _access(app, session, member.id, 14, EventAction.SYNC, (Field.EMAIL,), app_id=3)
    now = clock.advance(hours=1)

    text = digest_text(summarise(session, member.id, now - timedelta(days=7), now))

    assert text == "3 people downloaded your contact details; 1 app synced your e-mail."


def test_a_digest_is_made_once_a_week_and_only_with_news(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    assert ensure_digest(session, member.id, clock()) is None  # nothing happened

    _access(app, session, member.id, 11, EventAction.DOWNLOAD, (Field.FIRST_NAME,))
    first_made = clock.advance(minutes=1)
    first = ensure_digest(session, member.id, first_made)
    assert first is not None and "1 person downloaded your first name" in first.body
    session.flush()
    assert ensure_digest(session, member.id, clock.advance(days=2)) is None
    clock.advance(days=1)  # the second download happens three days on
    _access(app, session, member.id, 12, EventAction.DOWNLOAD, (Field.FIRST_NAME,))
    second = ensure_digest(session, member.id, clock.advance(days=5))
    assert second is not None and second.period_start == first_made
    assert "1 person downloaded" in second.body  # the first download is not counted again


def test_the_inbox_shows_the_digest_and_the_nav_counts_it(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    member = make_member(session)
    _access(app, session, member.id, 11, EventAction.DOWNLOAD, (Field.EMAIL,))
    session.commit()
    auth.login(member.email)

    inbox = client.get("/notifications").get_data(as_text=True)
    assert "1 person downloaded your e-mail." in inbox
    assert '<span class="count">1</span>' in client.get("/").get_data(as_text=True)

    post_form(client, "/notifications/read")
    assert '<span class="count">' not in client.get("/notifications").get_data(as_text=True)


def test_turning_the_digest_off_stops_it(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    member = make_member(session)
    _access(app, session, member.id, 11, EventAction.DOWNLOAD, (Field.EMAIL,))
    session.commit()
    auth.login(member.email)

    response = post_form(client, "/notifications/settings", {}, follow_redirects=True)

    assert "digest is off" in response.get_data(as_text=True)
    assert "downloaded your e-mail" not in client.get("/notifications").get_data(as_text=True)


def test_the_digest_choice_keeps_when_it_last_changed(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    member = make_member(session)
    assert digest_choice(session, member.id) == DigestChoice(enabled=True, changed_at=None)

    with app.app_context():
        set_digest_enabled(session, member.id, False)
        turned_off = clock()
        clock.advance(days=2)
        set_digest_enabled(session, member.id, False)  # the same choice again: no change
        assert digest_choice(session, member.id) == DigestChoice(False, turned_off)
        clock.advance(days=3)
        set_digest_enabled(session, member.id, True)
    session.commit()

    assert digest_choice(session, member.id) == DigestChoice(True, clock())


def test_the_send_command_makes_due_digests(app: Flask, session: Session) -> None:
    member = make_member(session)
    _access(app, session, member.id, 11, EventAction.DOWNLOAD, (Field.EMAIL,))
    session.commit()

    result = app.test_cli_runner().invoke(args=["notifications", "send"])

    assert result.exit_code == 0 and "Made 1 access digests" in result.output


def test_the_digest_leaves_out_the_members_own_requests_and_names_real_reasons(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Regression: "2 people downloaded your contact details; 3 requests were refused
    # under your settings", when one recruiter exported the member, the second
    # "person" was the member's own self export, and two refusals were the quota.
    member = make_member(session)
    recruiter = 41
    email = (Field.FIRST_NAME, Field.EMAIL)
    _access(app, session, member.id, recruiter, EventAction.DOWNLOAD, email)
    _access(app, session, member.id, member.id, EventAction.DOWNLOAD, email)  # self export
    for _ in range(2):
        write_events(
            app,
            session,
            [member.id],
            requester_id=recruiter,
            action=EventAction.DOWNLOAD,
            place=Place.EXPORT,
            fields=email,
            refused=Reason.QUOTA,
        )
    write_events(
        app,
        session,
        [member.id],
        requester_id=42,
        action=EventAction.VIEW,
        fields=(Field.EMAIL,),
        refused=Reason.AUDIENCE,
    )
    now = clock.advance(hours=1)

    text = digest_text(summarise(session, member.id, now - timedelta(days=7), now))

    assert text == (
        "1 person downloaded your first name and e-mail; "
        "1 request was refused because of your privacy settings; "
        "2 requests were refused because of their daily export limit."
    )
