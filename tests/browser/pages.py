"""The pages the layout and accessibility tests walk, and a member with something on each."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Flask
from playwright.sync_api import Page, expect

from app.accounts.email_change import request_email_change
from app.apps.registration import AppDetails, register_app
from app.disclosure.service import Requester, disclose
from app.extensions import db
from app.models.accounts import Member
from app.models.audit import Place
from app.models.exports import ExportRun
from app.network.services import connect, invite
from app.privacy.services import apply_updates, preset_updates
from app.profiles.services import add_value
from permissions import Action, Field, Purpose, Scope, ValueLabel
from tests.browser.helpers import find_member, seed_member, sign_up
from tests.factories import TEST_PASSWORD

LONG_WEBSITE = "https://www.example.com/people/augusta-ada-king-countess-of-lovelace/notes"
CRM = AppDetails(
    name="Analytical CRM",
    description="Keeps your contacts in one place.",
    homepage="https://crm.example",
    purpose=Purpose.SALES,
    redirect_uris=["https://crm.example/oauth/callback/with/a/long/path"],
    scopes=frozenset({Scope.BASIC_VIEW, Scope.CONTACT_VIEW}),
)


def populate(app: Flask) -> dict[str, str]:
    """Give Ada a connection, an invitation, accesses, a privacy change and a past export."""
    bob_handle = seed_member(app, "Bob", "Babbage", "bob@example.com")
    seed_member(app, "Carol", "Herschel", "carol@example.com")
    ada = find_member(app, "ada@example.com")
    bob = find_member(app, "bob@example.com")
    carol = find_member(app, "carol@example.com")
    with app.app_context():
        connect(db.session, ada.id, bob.id)
        invite(db.session, carol.id, ada.id, "Hello Ada", per_day=10, cooldown_days=21)
        add_value(db.session, ada.id, Field.WEBSITE, LONG_WEBSITE, label=ValueLabel.WORK)
        updates = preset_updates(db.session, ada.id, "recruiters")
        apply_updates(db.session, ada.id, updates, source="preset:recruiters")
        fields = json.dumps(["first_name", "last_name", "email"])
        db.session.add(
            ExportRun(
                requester_id=ada.id,
                format="csv",
                purpose="recruiting",
                fields=fields,
                contacts_selected=1,
                contacts_done=1,
                status="complete",
                manifest=json.dumps({"contacts": 1, "fields": ["first_name"]}),
            )
        )
        db.session.commit()
        disclose(db.session, Requester(bob.id), [ada.id], action=Action.VIEW, place=Place.PROFILE)
        crm, _secret = register_app(db.session, ada.id, CRM)
        db.session.commit()
        crm_id = crm.id
        _address, link = request_email_change(
            db.session,
            db.session.get(Member, ada.id),
            new_email="ada@analytical.example",
            password=TEST_PASSWORD,
            secret_key=app.config["SECRET_KEY"],
        )
    return {"bob": bob_handle, "ada": ada.handle, "email_link": link, "app": str(crm_id)}


def main_pages(handles: dict[str, str]) -> list[tuple[str, str, str]]:
    """(screenshot name, path, a heading the page shows)."""
    return [
        ("home", "/", "Welcome back, Ada"),
        ("profile", "/profile", "Your profile"),
        ("profile-edit", "/profile/edit", "Edit profile"),
        ("member", f"/m/{handles['bob']}", "Bob Babbage"),
        (
            "public-profile",
            f"/m/{handles['ada']}",
            "How someone who is not signed in sees your profile",
        ),
        ("connections", "/connections", "Connections"),
        ("invitations", "/invitations", "Invitations"),
        ("search", "/search?q=Bob", "Find members"),
        ("privacy", "/privacy", "Privacy"),
        ("privacy-history", "/privacy/history", "Privacy history"),
        ("access-log", "/access", "Who accessed my data"),
        ("notifications", "/notifications", "Notifications"),
        ("exports", "/exports", "Export contacts"),
        ("account", "/account", "Account"),
        ("account-delete", "/account/delete", "Delete your account"),
        ("confirm-email", f"/account/email/{handles['email_link']}", "New sign-in e-mail"),
        ("preset", "/privacy/presets/private", "Apply"),
        ("connected-apps", "/apps", "Connected apps"),
        ("developers", "/developers", "Developer portal"),
        ("register-app", "/developers/apps/new", "Register an app"),
        ("app", f"/developers/apps/{handles['app']}", CRM.name),
    ]


SIGNED_OUT = (("landing", "/"), ("signin", "/signin"), ("signup", "/signup"))


def each_page(page: Page, app: Flask) -> Iterator[tuple[str, dict[str, str]]]:
    """Open every page in turn, the signed-out ones first, then Ada's (signed up, populated).

    Yields each page's name once it is shown, with the handles of :func:`populate`
    (empty while signed out).
    """
    for name, path in SIGNED_OUT:
        page.goto(path)
        yield name, {}
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    handles = populate(app)
    for name, path, heading in main_pages(handles):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        yield name, handles
