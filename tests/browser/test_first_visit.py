"""A brand-new member's first pages, empty network and all, at desktop and phone widths.

Screenshots ``70-first-*`` show what a newcomer meets before anyone connected.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import open_menu, open_nav, sign_up

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_newcomers_home_says_what_to_do_next(new_page, width: str) -> None:
    """Found by a new-user walk: the first home page showed three zeros and no next step."""
    page = new_page(**WIDTHS[width])
    sign_up(page, "Nia", "Newcomer", "nia@example.com")
    open_menu(page)
    open_nav(page, "Home")
    start = page.get_by_role("region", name="Start your network")
    expect(start).to_be_visible()
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    screenshot(page, f"70-first-home-{width}")

    start.get_by_role("link", name="Find people you know").click()
    expect(page.get_by_role("heading", name="Find members")).to_be_visible()
    page.go_back()
    start.get_by_role("link", name="Check your privacy settings").click()
    expect(page.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()
