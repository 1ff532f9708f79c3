"""The top bar marks the section a page belongs to, and only that one.

Found by review: every page of the apps blueprint marked "Apps" as the
current page, the developer portal too, which is no part of a member's
connected apps and has no section in the bar.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.app.apps.helpers import new_app
from tests.conftest import post_form, sign_in_as
from tests.factories import make_member

REGISTRATION = {
    "name": "Talent Radar",
    "description": "Finds candidates among your connections.",
    "homepage": "https://radar.example",
    "purpose": "recruiting",
    "redirect_uris": "https://radar.example/cb",
    "scopes": ["basic:view"],
    "auth_method": "client_secret_basic",
}


class _Current(HTMLParser):
    """The names of the top bar's links and buttons marked current, to the ear and to the eye.

    ``current`` lists those with ``aria-current="page"``, ``active`` those with ``.active``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.current: list[str] = []
        self.active: list[str] = []
        self._in_header = False
        self._open: list[tuple[bool, bool, list[str]]] = []  # (current, active, text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "header":
            self._in_header = True
        elif self._in_header and tag in ("a", "button"):
            classes = (found.get("class") or "").split()
            self._open.append((found.get("aria-current") == "page", "active" in classes, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "header":
            self._in_header = False
        elif tag in ("a", "button") and self._open:
            current, active, text = self._open.pop()
            name = "".join(text).strip()
            if current:
                self.current.append(name)
            if active:
                self.active.append(name)

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2].append(data)


def marked(page: str) -> tuple[list[str], list[str]]:
    """The top bar's items marked current for screen readers, and for the eye."""
    parser = _Current()
    parser.feed(page)
    return parser.current, parser.active


@pytest.fixture
def developer(app: Flask, client: FlaskClient, session: Session) -> int:
    """A developer signed in, with one registered app; returns the app's id."""
    member = make_member(session, "Dana", "Developer")
    session.commit()
    registered, _secret = new_app(app, session, member)
    sign_in_as(client, member)
    return registered.id


def test_the_connected_apps_page_marks_apps(client: FlaskClient, developer: int) -> None:
    assert marked(client.get("/apps").get_data(as_text=True)) == (["Apps"], ["Apps"])


def test_the_developer_portal_marks_no_section(client: FlaskClient, developer: int) -> None:
    pages = {
        "portal": client.get("/developers"),
        "register form": client.get("/developers/apps/new"),
        "app": client.get(f"/developers/apps/{developer}"),
        "registered": post_form(client, "/developers/apps/new", REGISTRATION),
        "new secret": post_form(client, f"/developers/apps/{developer}/secret"),
    }
    assert {name: r.status_code for name, r in pages.items()} == {
        "portal": 200,
        "register form": 200,
        "app": 200,
        "registered": 201,
        "new secret": 200,
    }
    shown = {name: marked(r.get_data(as_text=True)) for name, r in pages.items()}
    assert shown == dict.fromkeys(pages, ([], []))


def test_the_check_sees_a_marked_section(client: FlaskClient, developer: int) -> None:
    assert marked(client.get("/privacy").get_data(as_text=True)) == (["Privacy"], ["Privacy"])
    assert marked(client.get("/account").get_data(as_text=True)) == (["Account"], ["Account"])


def test_a_missing_app_in_the_developer_portal_marks_no_section(
    client: FlaskClient, developer: int
) -> None:
    # Review 2: the mark follows a flag set by the portal's own templates, so
    # any other page the portal's endpoints answer with (here the error page
    # of an app that is not the developer's, or does not exist) marks "Apps",
    # a member's connected apps, as the current page again.
    response = client.get(f"/developers/apps/{developer + 1000}")
    assert response.status_code == 404
    assert marked(response.get_data(as_text=True)) == ([], [])
