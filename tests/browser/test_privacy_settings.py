"""A member narrows an e-mail; the preview and a second member's real view agree."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.network.services import connect
from app.privacy.services import apply_updates, preset_updates
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, open_nav, seed_member, sign_in, sign_out

pytestmark = pytest.mark.browser


def _open_to_recruiters(app, email):
    member = find_member(app, email)
    with app.app_context():
        apply_updates(
            db.session,
            member.id,
            preset_updates(db.session, member.id, "recruiters"),
            source="test",
        )
        db.session.commit()
    return member


def test_connections_can_view_nobody_can_download(new_page, live_app):
    ada_handle = seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    seed_member(live_app, "Bob", "Babbage", "bob@example.com")
    seed_member(live_app, "Eve", "Stranger", "eve@example.com")
    ada = _open_to_recruiters(live_app, "ada@example.com")
    bob = find_member(live_app, "bob@example.com")
    with live_app.app_context():
        connect(db.session, ada.id, bob.id)
        db.session.commit()

    page = new_page()
    sign_in(page, "ada@example.com")
    open_nav(page, "Privacy")
    row = page.locator("tr.value-row", has_text="E-mail (personal)")
    view, download = (
        row.locator("select[data-action=view]"),
        row.locator("select[data-action=download]"),
    )
    expect(view).to_have_value("network")
    expect(download).to_have_value("connections")

    # An impossible choice is flagged before saving...
    download.select_option("public")
    expect(page.locator("tr.explain-row.invalid .client-error")).to_contain_text(
        "Download cannot reach more people"
    )
    # ...and the server explains it too if it is sent anyway.
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_role("alert").first).to_contain_text("cannot be wider than who may see it")
    screenshot(page, "10-privacy-invalid")

    row = page.locator("tr.value-row", has_text="E-mail (personal)")
    row.locator("select[data-action=view]").select_option("connections")
    row.locator("select[data-action=download]").select_option("nobody")
    row.locator("select[data-action=sync]").select_option("nobody")
    page.get_by_role("button", name="Save privacy settings").click()
    expect(page.get_by_text("Saved. 1 value changed.")).to_be_visible()
    expect(
        page.locator(
            "tr.explain-row",
            has_text="Your connections can see this e-mail, but it is never put into anyone's",
        )
    ).to_be_visible()

    page.get_by_label("Viewpoint").select_option("download")
    page.get_by_role("button", name="Show preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("A connection's CSV download gets")
    expect(preview.locator(".preview-list").first).not_to_contain_text("ada@example.com")
    expect(preview).to_contain_text("— your privacy settings")
    page.get_by_label("Viewpoint").select_option("connection")
    page.get_by_role("button", name="Show preview").click()
    expect(preview.locator(".preview-list").first).to_contain_text("ada@example.com")
    screenshot(page, "11-privacy-settings")
    page.get_by_role("link", name="Change history").click()
    expect(page.locator("table").first).to_contain_text("E-mail (personal)")
    screenshot(page, "12-privacy-history")
    sign_out(page)

    connection = new_page()
    sign_in(connection, "bob@example.com")
    connection.goto(f"/m/{ada_handle}")
    expect(connection.get_by_text("ada@example.com")).to_be_visible()

    stranger = new_page()
    sign_in(stranger, "eve@example.com")
    stranger.goto(f"/m/{ada_handle}")
    expect(stranger.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(stranger.get_by_text("ada@example.com")).to_have_count(0)


def test_the_explanation_follows_a_choice_before_it_is_saved(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    page = new_page()
    sign_in(page, "ada@example.com")
    open_nav(page, "Privacy")
    row = page.locator("tr.value-row", has_text="E-mail (personal)")
    explanation = page.locator("tr.explain-row", has=page.locator(".explain")).filter(
        has_text="this e-mail"
    )
    unsaved = explanation.locator(".unsaved")
    expect(explanation.locator(".explain")).to_have_text(
        "Your connections can see this e-mail, but it is never put into anyone's downloads. "
        "No app ever syncs it into a CRM."
    )
    expect(unsaved).to_be_hidden()

    row.locator("select[data-action=view]").select_option("nobody")
    expect(explanation.locator(".explain")).to_have_text("Nobody but you can see this e-mail.")
    expect(unsaved).to_be_visible()

    row.locator("select[data-action=view]").select_option("members")
    row.locator("select[data-action=download]").select_option("connections")
    expect(explanation.locator(".explain")).to_have_text(
        "Every signed-in member can see this e-mail, and connections may put it into their "
        "downloads. No app ever syncs it into a CRM."
    )
    screenshot(page, "13-privacy-explained-before-saving")

    row.locator("select[data-action=sync]").select_option("public")  # wider than download
    expect(explanation.locator(".explain")).to_be_hidden()
    expect(explanation.locator(".client-error")).to_have_text(
        "Sync cannot reach more people than download."
    )

    row.locator("select[data-action=sync]").select_option("nobody")
    row.locator("select[data-action=download]").select_option("nobody")
    row.locator("select[data-action=view]").select_option("connections")
    expect(unsaved).to_be_hidden()  # back to what is saved
    # Nothing was sent: the page was never submitted.
    page.reload()
    expect(explanation.locator(".explain")).to_contain_text("Your connections can see")
