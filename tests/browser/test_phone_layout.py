"""Every main page on a phone (390x844): nothing scrolls sideways, the menu opens, search works.

Screenshots ``60-phone-*`` (and ``61-desktop-*`` for the same pages at 1280
wide, so the desktop does not regress) are for people to look at.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from app.accounts.email_change import request_email_change
from app.apps.registration import AppDetails, register_app
from app.disclosure.service import Requester, disclose
from app.extensions import db
from app.models.accounts import Member
from app.models.audit import Place
from app.models.exports import ExportRun
from app.models.notifications import Notification
from app.network.services import connect, invite
from app.notifications.services import ACCESS_DIGEST
from app.privacy.services import apply_updates, preset_updates
from app.profiles.services import add_value
from permissions import Action, Field, Purpose, Scope, ValueLabel
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, seed_member, sign_up
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_WEBSITE = "https://www.example.com/people/augusta-ada-king-countess-of-lovelace/notes"
CRM = AppDetails(
    name="Analytical CRM",
    description="Keeps your contacts in one place.",
    homepage="https://crm.example",
    purpose=Purpose.SALES,
    redirect_uris=["https://crm.example/oauth/callback/with/a/long/path"],
    scopes=frozenset({Scope.BASIC_VIEW, Scope.CONTACT_VIEW}),
)


def _populate(app) -> dict[str, str]:
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


def _overflow(page: Page, name: str) -> list[str]:
    """A problem if the page is wider than the window (it would scroll sideways)."""
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return [f"{name}: the page is {scroll}px wide in a {inner}px window"] if scroll > inner else []


def _fits(page: Page, name: str) -> None:
    """The page is no wider than the window: no sideways scrolling."""
    assert _overflow(page, name) == []


def _pages(handles: dict[str, str]) -> list[tuple[str, str, str]]:
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


def test_every_main_page_fits_a_phone(new_page, live_app):
    page = new_page(**PHONE)
    problems: list[str] = []
    for name, path in (("landing", "/"), ("signin", "/signin"), ("signup", "/signup")):
        page.goto(path)
        problems += _overflow(page, name)
        screenshot(page, f"60-phone-{name}")

    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    handles = _populate(live_app)
    for name, path, heading in _pages(handles):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        problems += _overflow(page, name)
        screenshot(page, f"60-phone-{name}")
    assert problems == []

    page.goto("/exports")
    page.get_by_label("Purpose").select_option("recruiting")
    page.get_by_role("button", name="Preview manifest").click()
    expect(page.get_by_role("heading", name="Manifest preview")).to_be_visible()
    _fits(page, "exports-manifest")
    screenshot(page, "60-phone-exports-manifest")
    with page.expect_download():
        page.get_by_role("button", name="Download", exact=True).click()
    page.goto("/exports")
    page.get_by_role("link", name="manifest").first.click()
    expect(page.get_by_role("heading", name="Manifest").first).to_be_visible()
    _fits(page, "past-export-manifest")
    screenshot(page, "60-phone-past-export-manifest")


def test_the_phone_menu_opens_in_the_page_and_search_stays_in_reach(new_page, live_app):
    page = new_page(**PHONE)
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    seed_member(live_app, "Bob", "Babbage", "bob@example.com")
    page.goto("/privacy")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    menu = page.locator("summary", has_text="Menu")
    heading_before = page.get_by_role("heading", name="Privacy", exact=True).bounding_box()

    menu.click()
    for section in ("Home", "Profile", "Connections", "Exports", "Privacy", "Access log"):
        expect(nav.get_by_role("link", name=section)).to_be_visible()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    _fits(page, "menu open")
    # The menu pushes the page down instead of covering it.
    heading_after = page.get_by_role("heading", name="Privacy", exact=True).bounding_box()
    menu_box = page.locator("#main-menu").bounding_box()
    assert heading_after["y"] >= menu_box["y"] + menu_box["height"] > heading_before["y"]
    screenshot(page, "60-phone-menu-open")

    nav.get_by_role("link", name="Access log").click()
    expect(page.get_by_role("heading", name="Who accessed my data")).to_be_visible()
    expect(nav).to_be_hidden()  # a new page starts with the menu closed

    search = page.get_by_role("searchbox", name="Search members")
    expect(search).to_be_visible()
    search.fill("Bob")
    search.press("Enter")
    expect(page.locator(".person").get_by_role("link", name="Bob Babbage")).to_be_visible()


def _unread(app, email: str, how_many: int) -> None:
    """Give a member ``how_many`` unread digests, so the bar carries a two-digit count."""
    member = find_member(app, email)
    with app.app_context():
        for n in range(how_many):
            db.session.add(
                Notification(
                    member_id=member.id, kind=ACCESS_DIGEST, body=f"Digest {n}: 1 profile view."
                )
            )
        db.session.commit()


def test_the_desktop_keeps_its_one_line_top_bar(new_page, live_app):
    page = new_page()
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    handles = _populate(live_app)
    _unread(live_app, "ada@example.com", 12)
    page.reload()
    # Both counts at once: an invitation (from _populate) and twelve digests.
    expect(page.locator(".nav a", has_text="Notifications").locator(".count")).to_have_text("12")
    expect(page.locator(".nav a", has_text="Invitations").locator(".count")).to_have_text("1")
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications")).to_be_visible()
    bar = page.locator("header.topbar").bounding_box()
    assert bar["height"] < 70, "the top bar wrapped onto a second line"
    for name, path, heading in _pages(handles):
        if name not in (
            "home",
            "privacy",
            "access-log",
            "account",
            "public-profile",
            "exports",
            "developers",
        ):
            continue
        page.goto(path)
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        _fits(page, name)
        screenshot(page, f"61-desktop-{name}")
