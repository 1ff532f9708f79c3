"""The member's "Who accessed my data" page and the downloads of their own events."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.accounts import Member
from tests.conftest import Auth
from tests.factories import connect_members, make_member


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
        "page=0",
        "start=2026-02-01&end=2026-01-01",
    ):
        response = client.get(f"/access?{query}")
        assert response.status_code == 400, query
        assert "could not be used" in response.get_data(as_text=True)


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
