"""Every main page passes axe-core's checks (WCAG 2.1 A and AA, and its best practices).

axe-core is the accessibility engine most audits start from; it runs inside
the real page (Debian Chromium), at desktop and phone widths, signed out and
signed in, and on the OAuth consent page a member meets from a partner app.
What it cannot judge (whether a text makes sense, whether focus order is
sensible) the other browser tests and people looking at the screenshots do.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models.apps import OAuthClient
from tests.browser.helpers import sign_up
from tests.browser.pages import CRM, each_page, populate

pytestmark = pytest.mark.browser

AXE = Axe()
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _violations(page: Page, name: str) -> list[str]:
    """What axe finds wrong on the page as it stands, one line per rule broken."""
    found = AXE.run(page).response["violations"]
    return [
        f"{name}: {v['id']} ({v['impact']}) at {v['nodes'][0]['target']}: {v['help']}"
        for v in found
    ]


def _consent_url(app: Flask, app_id: str) -> str:
    """An authorization request of the app ``populate`` registered, as a partner sends it."""
    with app.app_context():
        client = db.session.get(OAuthClient, int(app_id))
        assert client is not None
        client_id = client.client_id
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CRM.redirect_uris[0],
        "scope": "basic:view contact:view",
        "state": "accessibility",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    return "/oauth/authorize?" + urlencode(query)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_main_page_passes_axe(new_page, live_app: Flask, width: str) -> None:
    page = new_page(**WIDTHS[width])
    problems: list[str] = []
    handles: dict[str, str] = {}
    for name, handles in each_page(page, live_app):  # noqa: B007 (the last handles are used)
        problems += _violations(page, name)

    page.goto(_consent_url(live_app, handles["app"]))
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    problems += _violations(page, "consent")
    page.goto(_consent_url(live_app, handles["app"]).replace("contact%3Aview", "personal%3Aview"))
    expect(page.get_by_role("link", name="Stay on Fieldgate")).to_be_visible()
    problems += _violations(page, "authorization-refused")
    page.goto("/api/v1/docs")
    problems += _violations(page, "api-docs")
    assert problems == []


def test_the_current_section_and_repeated_buttons_are_named(new_page, live_app: Flask) -> None:
    # Found by review: no aria-current on the section shown, and "Manage", "Accept",
    # "Decline" said nothing of the app or person they act on.
    page = new_page()
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    populate(live_app)
    page.goto("/privacy/history")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("[aria-current=page]")).to_have_count(1)
    expect(nav.get_by_role("link", name="Privacy")).to_have_attribute("aria-current", "page")

    page.goto("/developers")
    expect(page.get_by_role("link", name=f"Manage {CRM.name}")).to_be_visible()

    page.goto("/invitations")
    expect(
        page.get_by_role("button", name="Accept the invitation from Carol Herschel")
    ).to_be_visible()
    expect(
        page.get_by_role("button", name="Decline the invitation from Carol Herschel")
    ).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("^Invitations"))).to_have_attribute(
        "aria-current", "page"
    )


NEWCOMER_PAGES = (
    "/",
    "/connections",
    "/invitations",
    "/exports",
    "/access",
    "/apps",
    "/notifications",
    "/privacy/history",
    "/developers",
    "/search?q=nobody",
    "/no/such/page",
)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_newcomers_empty_pages_pass_axe(new_page, width: str) -> None:
    """The empty states a member meets before anyone connected (the walk above is populated)."""
    page = new_page(**WIDTHS[width])
    sign_up(page, "Nia", "Newcomer", "nia@example.com")
    problems: list[str] = []
    for path in NEWCOMER_PAGES:
        page.goto(path)
        problems += _violations(page, path)
    assert problems == []
