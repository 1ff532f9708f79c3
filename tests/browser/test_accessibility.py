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
from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models.apps import OAuthClient
from tests.browser.pages import CRM, each_page

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
    page.goto("/api/v1/docs")
    problems += _violations(page, "api-docs")
    assert problems == []
