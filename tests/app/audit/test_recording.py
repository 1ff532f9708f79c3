"""Every view of another member's data is logged before it leaves, and fails closed."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import app.audit.recorder as recorder
from app.audit.recorder import AccessContext, record_outcomes
from app.models.audit import AccessEvent, EventAction, EventOutcome, Place
from permissions import Action, Audience, Field, Outcome, Reason, Relation, policy
from tests.app.audit.helpers import events, refused, released
from tests.conftest import Auth, QueryCounter
from tests.factories import connect_members, make_member, set_policy

SENTINEL_PHONE = "+44 20 7946 0999"


def _subject(session: Session):
    subject = make_member(session, "Grace", "Hopper", values={Field.PHONE: SENTINEL_PHONE})
    set_policy(
        session, subject.id, Field.PHONE, policy(Audience.NOBODY, Audience.NOBODY, Audience.NOBODY)
    )
    return subject


def test_a_profile_view_records_released_and_refused_values_without_the_values(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    subject, viewer = _subject(session), make_member(session, "Alan", "Turing")
    connect_members(session, subject, viewer)
    session.commit()
    auth.login(viewer.email)

    page = client.get(f"/m/{subject.handle}")

    assert page.status_code == 200
    assert subject.email in page.get_data(as_text=True)
    [event] = events(session, subject_id=subject.id)
    assert event.requester_id == viewer.id
    assert event.action is EventAction.VIEW and event.place is Place.PROFILE
    assert {"first_name", "last_name", "email:personal"} <= set(released(event))
    assert refused(event) == {"phone:other": "audience"}
    assert event.outcome is EventOutcome.PARTIAL
    assert event.request_id == page.headers["X-Request-ID"]
    stored = " ".join(str(getattr(event, c.key)) for c in AccessEvent.__table__.columns)
    assert subject.email not in stored and SENTINEL_PHONE not in stored


def test_an_anonymous_view_is_recorded_without_a_requester(
    client: FlaskClient, session: Session
) -> None:
    subject = _subject(session)
    session.commit()

    client.get(f"/m/{subject.handle}")

    [event] = events(session, subject_id=subject.id)
    assert event.requester_id is None
    assert "email:personal" in refused(event)


def test_looking_at_ones_own_profile_is_not_an_access_by_someone_else(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    member = make_member(session)
    session.commit()
    auth.login(member.email)

    assert client.get(f"/m/{member.handle}", follow_redirects=True).status_code == 200
    assert client.get("/profile").status_code == 200

    assert events(session, subject_id=member.id) == []


def test_lists_and_search_results_record_a_view_of_each_card(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    me, friend = make_member(session, "Ada", "Lovelace"), make_member(session, "Zelda", "Quill")
    connect_members(session, me, friend)
    session.commit()
    auth.login(me.email)

    client.get("/connections")
    client.get("/search?q=Zelda")

    places = [e.place for e in events(session, subject_id=friend.id)]
    assert places == [Place.CONNECTIONS, Place.SEARCH]


def test_if_the_log_cannot_be_written_nothing_is_shown(
    client: FlaskClient, auth: Auth, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject, viewer = _subject(session), make_member(session)
    connect_members(session, subject, viewer)
    session.commit()
    auth.login(viewer.email)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO access_events", {}, Exception("disk full"))

    monkeypatch.setattr(recorder, "append_events", broken)
    page = client.get(f"/m/{subject.handle}")

    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "could not record this access" in body
    assert subject.email not in body and "Grace" not in body
    assert events(session, subject_id=subject.id) == []


def test_an_api_client_gets_a_json_503_when_the_log_fails(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject = _subject(session)
    session.commit()
    monkeypatch.setattr(
        recorder,
        "append_events",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("x", {}, Exception())),
    )

    page = client.get(f"/m/{subject.handle}", headers={"Accept": "application/json"})

    assert page.status_code == 503
    assert page.get_json()["status"] == 503


def _outcomes(n: int) -> list[Outcome]:
    return [Outcome(i, Relation.CONNECTION, [], [], Reason.PURPOSE) for i in range(1, n + 1)]


def test_thirty_thousand_events_take_a_few_statements(
    app, session: Session, count_queries: QueryCounter
) -> None:
    context = AccessContext(requester_id=1, action=EventAction.DOWNLOAD, place=Place.EXPORT)
    with app.test_request_context():
        written = record_outcomes(session, context, _outcomes(30_000))

    assert written == 30_000
    inserts = [s for s in count_queries.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) <= 3, f"{len(inserts)} INSERT statements for 30,000 events"
    assert len(count_queries.statements) <= 8
    assert len(events(session, action=EventAction.DOWNLOAD)) == 30_000


def test_a_subject_left_out_whole_is_recorded_with_its_reason(app, session: Session) -> None:
    context = AccessContext(requester_id=1, action=EventAction.DOWNLOAD, place=Place.EXPORT)
    with app.test_request_context():
        record_outcomes(session, context, _outcomes(1))

    [event] = events(session, subject_id=1)
    assert refused(event) == {"*": "purpose"}
    assert event.outcome is EventOutcome.REFUSED


def test_every_engine_action_is_a_logged_action_under_the_same_name() -> None:
    for action in Action:
        assert EventAction.of(action, through_app=False).value == action.value
    assert EventAction.of(Action.VIEW, through_app=True) is EventAction.API_READ
    assert EventAction.of(Action.SYNC, through_app=True) is EventAction.SYNC


def test_a_write_the_database_refuses_is_access_log_unavailable(app, session: Session) -> None:
    # A row the database itself refuses (subject_id is NOT NULL), through the
    # driver's own bulk path (COPY on PostgreSQL, executemany on SQLite).
    context = AccessContext(None, EventAction.VIEW, Place.PROFILE)
    broken = Outcome(None, Relation.MEMBER, [], [])  # type: ignore[arg-type]
    before = session.query(AccessEvent).count()
    with app.test_request_context(), pytest.raises(recorder.AccessLogUnavailable):
        record_outcomes(session, context, [broken])
    assert session.query(AccessEvent).count() == before
