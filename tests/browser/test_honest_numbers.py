"""What a recruiter and an exported member read: limits before and after, honest counts.

Rita exports Ada twice, then hits her daily limit (the 429 leads back to the
form with her choices kept); Ada downloads her own data. Ada's digest counts
one person (not her own download) and names the limit as the reason for the
refusal; her access log groups the two exports and tells the refusal as one.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.network.services import connect
from permissions import Audience, Field, policy
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, open_nav, seed_member, sign_in, sign_out
from tests.factories import set_policy

pytestmark = pytest.mark.browser

DOWNLOADABLE = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)


def _seed(live_app) -> None:
    seed_member(live_app, "Rita", "Recruiter", "rita@example.com")
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    seed_member(live_app, "Bea", "Byron", "bea@example.com")
    rita, ada, bea = (find_member(live_app, f"{n}@example.com") for n in ("rita", "ada", "bea"))
    with live_app.app_context():
        for contact in (ada, bea):
            set_policy(db.session, contact.id, Field.EMAIL, DOWNLOADABLE)
            connect(db.session, rita.id, contact.id)
        db.session.commit()


def _export(page: Page) -> None:
    page.get_by_label("Purpose").select_option("recruiting")
    with page.expect_download():
        page.get_by_role("button", name="Download").click()
    expect(page.locator("#export-progress-text")).to_contain_text("Done")


def test_limits_are_shown_before_and_the_numbers_told_after_are_honest(new_page, live_app):
    _seed(live_app)
    live_app.config["EXPORT_CONTACTS_PER_DAY"] = 4
    try:
        page = new_page()
        sign_in(page, "rita@example.com")
        open_nav(page, "Exports")
        expect(page.locator("#quota")).to_contain_text("of 4 of 4 people")
        _export(page)
        page.goto("/exports")
        expect(page.locator("#quota")).to_contain_text("of 2 of 4 people")
        _export(page)
        page.goto("/exports")
        page.get_by_label("Purpose").select_option("recruiting")
        page.get_by_label("Format").select_option("json")
        page.get_by_role("button", name="Download").click()
        expect(page.get_by_role("alert")).to_contain_text("Over your daily limit")
        expect(page.get_by_role("alert")).to_contain_text("contact details of 2 people")
        expect(page.get_by_label("Format")).to_have_value("json")  # the choices are kept
        expect(page.get_by_label("Purpose")).to_have_value("recruiting")
        screenshot(page, "33-export-over-the-limit")
        sign_out(page)
    finally:
        live_app.config["EXPORT_CONTACTS_PER_DAY"] = 1000

    sign_in(page, "ada@example.com")
    with page.expect_download():
        page.goto("/exports")
        page.get_by_role("link", name="Download my own data").click()
    open_nav(page, "Notifications")
    digest = page.locator(".notice").first
    expect(digest).to_contain_text("1 person downloaded your")
    expect(digest).to_contain_text("1 request was refused because of their daily export limit")
    expect(digest).not_to_contain_text("2 people")
    screenshot(page, "34-honest-digest")

    open_nav(page, "Access log")
    rows = page.locator("table.events tbody tr")
    expect(rows.filter(has_text="Tried to download: refused")).to_have_count(1)
    expect(rows.filter(has_text="Nothing shared: their daily export limit")).to_have_count(1)
    expect(rows.filter(has_text="2 times")).to_contain_text("Rita Recruiter")
    expect(page.locator("table.events")).not_to_contain_text("(quota)")
    screenshot(page, "35-access-log-grouped")
