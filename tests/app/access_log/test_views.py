"""The member's "Who accessed my data" page and the downloads of their own events."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.accounts import Member
from app.models.audit import EventAction, Place
from app.network.services import invite
from app.privacy.services import set_purposes
from app.privacy.suppression import suppress
from permissions import Audience, Field, Purpose, Reason, policy
from tests.app.apps.helpers import new_app
from tests.app.audit.helpers import events, released, write_events
from tests.app.exports.helpers import recruiter_with, run_export
from tests.conftest import Auth
from tests.factories import connect_members, make_member, set_policy


def _viewed(client: FlaskClient, auth: Auth, viewer: Member, subject: Member) -> None:
    auth.login(viewer.email)
    assert client.get(f"/m/{subject.handle}").status_code == 200
    auth.logout()


def test_the_member_sees_who_viewed_them_and_nothing_about_others(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    ada, bob = make_member(session, "Ada", "Byron"), make_member(session, "Bob", "Viewer")
    cyd = make_member(session, "Cyd", "Other")
    connect_members(session, ada, bob, cyd)
    session.commit()
    _viewed(client, auth, bob, ada)
    _viewed(client, auth, ada, cyd)  # an event about Cyd, not Ada

    auth.login(ada.email)
    page = client.get("/access").get_data(as_text=True)

    assert "Bob Viewer" in page and "Viewed" in page
    assert "E-mail (personal)" in page
    assert "1 event" in page
    assert "<svg" in page and "chart-bar" in page
    assert "Cyd Other" not in page


def test_filters_narrow_the_events(client: FlaskClient, auth: Auth, session: Session) -> None:
    ada, bob = make_member(session, "Ada", "Byron"), make_member(session, "Bob", "Viewer")
    connect_members(session, ada, bob)
    session.commit()
    _viewed(client, auth, bob, ada)
    client.get(f"/m/{ada.handle}")  # anonymous
    auth.login(ada.email)

    assert "2 events" in client.get("/access").get_data(as_text=True)
    by_bob = client.get(f"/access?requester={bob.handle}").get_data(as_text=True)
    assert "1 event" in by_bob and "Bob Viewer" in by_bob
    anonymous = client.get("/access?requester=anonymous").get_data(as_text=True)
    assert "An anonymous visitor" in anonymous and "1 event" in anonymous
    assert "No accesses match" in client.get("/access?action=download").get_data(as_text=True)
    assert "No accesses match" in client.get("/access?end=2001-01-01").get_data(as_text=True)


def test_the_date_filters_say_they_are_utc_days_as_the_event_times_are(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: the times below are UTC, and From and To did not say their days were.
    ada = make_member(session, "Ada", "Byron")
    session.commit()
    auth.login(ada.email)

    page = client.get("/access").get_data(as_text=True)

    for name, hint in (("start", "UTC day, from 00:00"), ("end", "UTC day, up to 23:59")):
        assert f'id="{name}" type="date" name="{name}" aria-describedby="{name}-hint"' in page
        assert f'<div class="hint" id="{name}-hint">{hint}</div>' in page


def test_bad_filters_get_a_400_with_a_message(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    member = make_member(session)
    session.commit()
    auth.login(member.email)

    for query in (
        "start=yesterday",
        "action=steal",
        "app=-3",
        "before=0",
        "field=salary",
        "before=5&after=3",
        "start=2026-02-01&end=2026-01-01",
    ):
        response = client.get(f"/access?{query}")
        assert response.status_code == 400, query
        assert "could not be used" in response.get_data(as_text=True)


def test_a_filter_that_cannot_be_used_keeps_the_page_and_the_filters_typed(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    member = make_member(session)
    session.commit()
    auth.login(member.email)

    response = client.get("/access?start=2026-02-01&end=2026-01-01&action=download&field=email")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The start date must not be after the end date." in page
    assert "Who accessed my data" in page  # the page again, not a bare error page
    assert 'value="2026-02-01"' in page and 'value="2026-01-01"' in page
    assert '<option value="download" selected' in page
    assert '<option value="email" selected' in page
    assert "No events are shown until the filters can be used." in page
    # A download with the same filters is still a plain 400: it is a file, not a page.
    assert client.get("/access/events.csv?start=2026-02-01&end=2026-01-01").status_code == 400


def test_the_page_needs_a_signed_in_member(client: FlaskClient, session: Session) -> None:
    assert client.get("/access").status_code == 302
    assert client.get("/access/events.csv").status_code == 302


def test_csv_and_json_downloads_hold_only_the_members_own_events(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    ada, bob = make_member(session, "Ada", "Byron"), make_member(session, "=Bob", "Viewer")
    cyd = make_member(session, "Cyd", "Other")
    connect_members(session, ada, bob, cyd)
    session.commit()
    _viewed(client, auth, bob, ada)
    _viewed(client, auth, bob, cyd)
    auth.login(ada.email)

    response = client.get("/access/events.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["requester"] == "'=Bob Viewer"  # neutralised against formula injection
    assert rows[0]["action"] == "view" and "E-mail (personal)" in rows[0]["released"]

    document = client.get("/access/events.json").get_json()
    assert [e["requester_handle"] for e in document["events"]] == [bob.handle]
    assert document["events"][0]["place"] == "profile"


def test_the_csv_names_apps_as_the_page_does(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    ada, dev = make_member(session, "Ada", "Byron"), make_member(session, "Dev", "Eloper")
    session.commit()
    crm, _secret = new_app(app, session, dev, name="=CRM Sync")
    write_events(app, session, [ada.id], requester_id=dev.id, app_id=crm.id)
    write_events(app, session, [ada.id], requester_id=dev.id)
    auth.login(ada.email)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/access/events.csv").get_data(as_text=True)))
    )
    assert sorted(r["app"] for r in rows) == ["", "'=CRM Sync"]  # neutralised, like every name


def test_a_download_names_requesters_as_they_allow_downloads_not_views(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Names are public to view and downloadable by connections (the defaults):
    # a stranger's name is on the page, but a file is a download.
    ada, stranger = make_member(session, "Ada", "Byron"), make_member(session, "Sol", "Stranger")
    session.commit()
    _viewed(client, auth, stranger, ada)
    auth.login(ada.email)

    page = client.get("/access").get_data(as_text=True)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/access/events.csv").get_data(as_text=True)))
    )
    document = client.get("/access/events.json").get_json()

    assert "Sol Stranger" in page
    assert [r["requester"] for r in rows] == [f"A member ({stranger.handle})"]
    assert [e["requester"] for e in document["events"]] == [f"A member ({stranger.handle})"]
    named = [e for e in events(session, subject_id=stranger.id) if e.place is Place.ACCESS_LOG]
    assert {(e.action, e.purpose) for e in named} == {
        (EventAction.VIEW, None),
        (EventAction.DOWNLOAD, Purpose.PERSONAL),
    }
    assert all(e.requester_id == ada.id for e in named)


HIDDEN = policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)


def _hide_name(session: Session, member: Member) -> None:
    set_policy(session, member.id, Field.FIRST_NAME, HIDDEN)
    set_policy(session, member.id, Field.LAST_NAME, HIDDEN)


def test_an_invitation_cannot_buy_the_recipients_hidden_name(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Regression: the recipient's invitations page views the sender's card, and
    # the sender's access log named the viewer with the name they hide.
    sender = make_member(session, "Sam", "Sender")
    recipient = make_member(session, "Quintessa", "Hiddenname")
    _hide_name(session, recipient)
    invite(session, sender.id, recipient.id, per_day=10, cooldown_days=21)
    session.commit()
    auth.login(recipient.email)
    assert "Sam Sender" in client.get("/invitations").get_data(as_text=True)
    auth.logout()

    auth.login(sender.email)
    page = client.get("/access").get_data(as_text=True)
    download = client.get("/access/events.json").get_data(as_text=True)

    for body in (page, download):
        assert "Quintessa" not in body and "Hiddenname" not in body
        assert recipient.handle in body
    assert "A member (" in page


def test_a_search_cannot_buy_the_searchers_hidden_name(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    found = make_member(session, "Findable", "Person")
    searcher = make_member(session, "Quintessa", "Hiddenname")
    _hide_name(session, searcher)
    session.commit()
    auth.login(searcher.email)
    assert "Findable Person" in client.get("/search?q=findable").get_data(as_text=True)
    auth.logout()

    auth.login(found.email)
    page = client.get("/access").get_data(as_text=True)

    assert "Quintessa" not in page and "Hiddenname" not in page
    assert searcher.handle in page


def _exported_by_a_hidden_name(app, session: Session) -> tuple[Member, Member]:
    """Rita, who hides her name, and the one contact she exported."""
    recruiter, (contact,) = recruiter_with(session, 1)
    _hide_name(session, recruiter)
    session.commit()
    run_export(app, session, recruiter)
    return recruiter, contact


def test_whoever_downloads_your_data_is_named_to_you_even_if_they_hide_their_name(
    app, client: FlaskClient, auth: Auth, session: Session
) -> None:
    recruiter, contact = _exported_by_a_hidden_name(app, session)

    auth.login(contact.email)
    page = client.get("/access").get_data(as_text=True)
    download = client.get("/access/events.csv").get_data(as_text=True)

    assert "Rita Recruiter" in page
    assert "Rita Recruiter" in download  # kept in the member's own file too
    named = [e for e in events(session, subject_id=recruiter.id) if e.place is Place.ACCESS_LOG]
    assert sorted(e.action for e in named) == [EventAction.DOWNLOAD, EventAction.VIEW]
    for event in named:
        assert event.requester_id == contact.id
        assert set(released(event)) == {"first_name", "last_name"}


@pytest.mark.parametrize("hides_by", ["objecting to purpose personal", "suppressing the member"])
def test_an_exporter_stays_named_in_the_exported_members_file_whatever_she_sets(
    app, client: FlaskClient, auth: Auth, session: Session, hides_by: str
) -> None:
    # Found by review: purposes and suppressions were decided before the
    # accountability rule, so they kept her name out of the member's download.
    recruiter, contact = _exported_by_a_hidden_name(app, session)
    if hides_by == "objecting to purpose personal":
        set_purposes(session, recruiter.id, {Purpose.PERSONAL: False})
    else:
        suppress(session, recruiter.id, contact.id)
    session.commit()
    auth.login(contact.email)

    rows = csv.DictReader(io.StringIO(client.get("/access/events.csv").get_data(as_text=True)))

    assert {r["requester"] for r in rows} == {"Rita Recruiter"}


def test_downloading_ones_own_log_never_names_one_back_to_the_people_in_it(
    client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: Quintessa's download of her own log decided Sol's name
    # as a download (refused), and that refused "download" made her accountable
    # to him, so his log named her, though she hides her name from him.
    quintessa = make_member(session, "Quintessa", "Hiddenname")
    sol = make_member(session, "Sol", "Stranger")
    _hide_name(session, quintessa)
    session.commit()
    auth.login(sol.email)
    assert client.get(f"/m/{quintessa.handle}").status_code == 200
    auth.logout()

    auth.login(quintessa.email)
    document = client.get("/access/events.json").get_json()
    assert {e["requester"] for e in document["events"]} == {f"A member ({sol.handle})"}
    assert client.get("/exports/mine").status_code == 200  # her self export names him too
    auth.logout()

    auth.login(sol.email)
    page = client.get("/access").get_data(as_text=True)

    assert "Quintessa" not in page and "Hiddenname" not in page
    assert quintessa.handle in page


def test_refusals_read_as_refusals_with_the_reason_in_words_and_repeats_are_grouped(
    app, client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Regression: a refused export read "Downloaded ... everything (quota)".
    member = make_member(session, "Ada", "Byron")
    recruiter = make_member(session, "Rita", "Recruiter")
    connect_members(session, member, recruiter)
    for _ in range(3):
        write_events(
            app,
            session,
            [member.id],
            requester_id=recruiter.id,
            action=EventAction.DOWNLOAD,
            place=Place.EXPORT,
            fields=[Field.FIRST_NAME, Field.EMAIL],
            refused=Reason.QUOTA,
        )
    session.commit()
    auth.login(member.email)

    page = client.get("/access").get_data(as_text=True)

    assert "Tried to download: refused" in page
    assert "Nothing shared: their daily export limit" in page
    assert "3 times" in page
    assert "(quota)" not in page and ">quota<" not in page
    assert "Downloaded" not in page.split("<tbody>")[1]


@pytest.mark.parametrize(
    "query", ["fmt=json", "endpoint=web.home", "_method=POST", "_anchor=x", "_external=1", "x=1"]
)
def test_the_download_links_carry_only_the_filters(
    client: FlaskClient, auth: Auth, session: Session, query: str
) -> None:
    # The page passed its whole query to url_for: fmt, endpoint and _method made it
    # a 500, _anchor and _external changed the links (found by review).
    member = make_member(session)
    session.commit()
    auth.login(member.email)

    response = client.get(f"/access?action=view&{query}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/access/events.csv?action=view"' in page
    assert 'href="/access/events.json?action=view"' in page
