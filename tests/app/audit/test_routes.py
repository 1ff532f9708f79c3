"""Every route that can return another member's data writes access events.

The walk covers the whole URL map, so a route added later that shows member
data without going through ``disclose`` fails here.
"""

from __future__ import annotations

import io
import zipfile

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.models.accounts import Member
from app.network.services import invite
from permissions import Audience, Field, policy
from tests.app.audit.helpers import events
from tests.conftest import Auth
from tests.factories import connect_members, make_member, set_policy

SENTINELS = {
    Field.HEADLINE: "Sentinel-headline-7f3a",
    Field.COMPANY: "Sentinel-company-7f3a",
    Field.PHONE: "+1 555 0100 7319",
}
# Arguments of routes that name the requester's own things (an export run, a progress ticket).
ARGUMENTS = {"ticket": "walk-ticket-1", "run_id": 1, "name": "default"}
OPEN = policy(Audience.PUBLIC, Audience.PUBLIC, Audience.PUBLIC)

# Routes that cannot return another member's data, with why. A new route must
# either write events (and pass the walk) or be listed here with a reason.
# Query strings that make a page show people at all.
QUERIES = {"network.search": {"q": "Sentinelfirst"}, "exports.center": {"contacts": "people"}}
NO_MEMBER_DATA = {
    "static": "files shipped with the app",
    "accounts.signout": "signs out",
}


def _subject(session: Session) -> Member:
    subject = make_member(session, "Sentinelfirst", "Sentinellast", values=SENTINELS)
    for field in (Field.FIRST_NAME, Field.LAST_NAME, Field.EMAIL, *SENTINELS):
        set_policy(session, subject.id, field, OPEN)
    return subject


def _url(app: Flask, rule, subject: Member) -> str | None:
    values = {}
    for argument in rule.arguments:
        if argument == "handle":
            values[argument] = subject.handle
        elif argument == "fmt":
            values[argument] = "csv"
        elif argument in ARGUMENTS:
            values[argument] = ARGUMENTS[argument]
        else:
            return None
    with app.test_request_context():
        return url_for(rule.endpoint, **values, **QUERIES.get(rule.endpoint, {}))


def _text(response: TestResponse) -> str:
    """The body as text; an archive (the self export) is opened and all its files read."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(n).decode() for n in archive.namelist())
    return data.decode()


def _shows_subject(body: str, subject: Member) -> bool:
    return any(s in body for s in (*SENTINELS.values(), "Sentinelfirst", subject.email))


def test_every_route_that_returns_member_data_logs_the_access(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    subject, requester = _subject(session), make_member(session, "Walker", "Requester")
    connect_members(session, subject, requester)
    other = make_member(session, "Pending", "Inviter")
    invite(session, other.id, requester.id, per_day=20, cooldown_days=21)
    session.commit()
    auth.login(requester.email)

    shown_by: list[str] = []
    unreached: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_MEMBER_DATA or "GET" not in rule.methods:
            continue
        url = _url(app, rule, subject)
        if url is None:
            unreached.append(rule.rule)
            continue
        before = len(events(session, subject_id=subject.id))
        body = _text(client.get(url, follow_redirects=True))
        if _shows_subject(body, subject):
            shown_by.append(rule.rule)
            after = len(events(session, subject_id=subject.id))
            assert after > before, f"{rule.rule} showed the subject's data without logging it"

    assert unreached == [], f"the walk cannot fill the arguments of {unreached}"
    # The walk must really reach the pages that show people, or it proves nothing.
    assert {"/m/<handle>", "/connections", "/search", "/exports", "/exports/mine"} <= set(
        shown_by
    ), shown_by
