"""A recruiter exports CSV: a contact who allowed view but not download has no e-mail in it."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.network.services import connect
from permissions import Audience, Field, policy
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, open_nav, seed_member, sign_in
from tests.factories import set_policy

pytestmark = pytest.mark.browser

VIEW_ONLY = policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)
DOWNLOADABLE = policy(Audience.CONNECTIONS, Audience.CONNECTIONS, Audience.NOBODY)


def _seed(live_app) -> None:
    for first, last, email in (
        ("Rita", "Recruiter", "rita@example.com"),
        ("Dana", "Viewonly", "dana@example.com"),
        ("Eve", "Open", "eve@example.com"),
    ):
        seed_member(live_app, first, last, email)
    rita, dana, eve = (find_member(live_app, f"{n}@example.com") for n in ("rita", "dana", "eve"))
    with live_app.app_context():
        set_policy(db.session, dana.id, Field.EMAIL, VIEW_ONLY)
        set_policy(db.session, eve.id, Field.EMAIL, DOWNLOADABLE)
        connect(db.session, rita.id, dana.id)
        connect(db.session, rita.id, eve.id)
        db.session.commit()


def _quota_left(page) -> tuple[int, int]:
    """What the quota line says is left today, and the day's limit."""
    said = re.search(r"of (\d+) of (\d+) people", page.locator("#quota").inner_text())
    assert said, "no quota line"
    return int(said.group(1)), int(said.group(2))


def test_a_recruiter_gets_only_the_emails_their_contacts_allow_in_downloads(new_page, live_app):
    _seed(live_app)
    page = new_page()
    sign_in(page, "rita@example.com")
    open_nav(page, "Exports")
    expect(page.get_by_role("heading", name="Export contacts")).to_be_visible()
    page.get_by_label("Purpose").select_option("recruiting")

    page.get_by_role("button", name="Preview manifest").click()
    manifest = page.locator("#manifest")
    expect(manifest).to_contain_text("2 of 2 selected people would be included")
    email_row = manifest.locator("tr", has_text="E-mail")
    expect(email_row).to_have_text("E-mail1")  # included only: two people, who withheld would show
    expect(manifest).to_contain_text("withheld values are not counted at all")
    expect(page.get_by_text("dana@example.com")).to_have_count(0)
    screenshot(page, "30-export-center")

    left_before, limit = _quota_left(page)
    refreshes = []
    page.on("response", lambda r: refreshes.append(r) if "/exports/history" in r.url else None)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8")
    rows = {r["First name"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert set(rows) == {"Dana", "Eve"}
    assert rows["Eve"]["E-mail (personal)"] == "eve@example.com"
    assert rows["Dana"]["E-mail (personal)"] == ""
    assert "dana@example.com" not in text

    # Past exports refresh by themselves once the export is complete.
    history = page.locator("#history .history-item").first
    expect(history).to_contain_text("2 people")
    # So does the quota: Eve's e-mail counted against it, without a reload.
    expect(page.locator("#quota")).to_contain_text(f"of {left_before - 1} of {limit} people")
    # Refreshed from the fragment, not a whole page reached by a redirect.
    assert [r.status for r in refreshes] == [200] and "<html" not in refreshes[0].text()
    screenshot(page, "31-export-history")
    with page.expect_navigation():
        history.get_by_role("link", name="manifest").click()
    expect(page.get_by_role("heading", name="Export manifest")).to_be_visible()
    expect(page.locator("#manifest")).to_contain_text("2 of 2 selected people were included")
    screenshot(page, "32-export-manifest")
    kept = page.request.get(page.url + ".json").json()
    assert kept["people"]["included"] == 2
    assert "dana@example.com" not in json.dumps(kept)


def test_typing_a_name_narrows_the_export_to_it(new_page, live_app):
    _seed(live_app)
    page = new_page()
    sign_in(page, "rita@example.com")
    open_nav(page, "Exports")
    page.get_by_label("Purpose").select_option("recruiting")
    # Typed without touching the radio buttons: the name is what counts.
    page.get_by_placeholder("e.g. Chen").fill("Eve")
    expect(page.get_by_role("radio", name="Connections whose name contains…")).to_be_checked()

    page.get_by_role("button", name="Preview manifest").click()

    expect(page.locator("#manifest")).to_contain_text("1 of 1 selected person would be included")


def test_past_exports_opened_as_a_page_show_in_the_export_center(new_page, live_app):
    # Found by review: opened in the browser, /exports/history was an unstyled fragment.
    _seed(live_app)
    page = new_page(width=390, height=844)
    sign_in(page, "rita@example.com")
    page.goto("/exports/history")
    expect(page).to_have_url(re.compile(r"/exports#history$"))
    expect(page.get_by_role("heading", name="Export contacts")).to_be_visible()
    expect(page.get_by_role("heading", name="Past exports")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("No exports yet.")
    expect(page.locator("#history")).to_be_in_viewport()
    # Laid out by the stylesheet: the top bar folds behind its menu on a phone.
    expect(page.locator("header summary", has_text="Menu")).to_be_visible()
    screenshot(page, "33-export-history-opened")
