"""Sign up, add two e-mails, invite a member, who accepts: both see the connection."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import open_nav, seed_member, sign_in, sign_out, sign_up

pytestmark = pytest.mark.browser


def test_sign_up_edit_invite_accept_and_both_see_the_connection(new_page, live_app):
    bob_handle = seed_member(live_app, "Bob", "Babbage", "bob@example.com")
    page = new_page()
    assert page.goto("/").ok
    screenshot(page, "01-landing")

    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    page.get_by_role("link", name="Edit profile").first.click()
    page.get_by_label("Headline").fill("Analyst of engines")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()

    page.get_by_label("Add e-mail").fill("ada@work.example")
    page.locator("#section-email").get_by_role("button", name="Add").click()
    expect(page.locator("#section-email")).to_contain_text("ada@work.example")
    expect(page.locator("#section-email")).to_contain_text("ada@example.com")
    screenshot(page, "02-edit-profile")

    page.goto(f"/m/{bob_handle}")
    page.get_by_label("Add a note (optional)").fill("Hello Bob, let's connect.")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent.")).to_be_visible()
    expect(page.get_by_text("Invitation pending")).to_be_visible()
    sign_out(page)

    other = new_page()
    sign_in(other, "bob@example.com")
    open_nav(other, "Invitations")
    expect(other.get_by_text("Hello Bob, let's connect.")).to_be_visible()
    screenshot(other, "03-invitations")
    other.get_by_role("button", name="Accept").click()
    expect(other.get_by_text("You are now connected.")).to_be_visible()
    open_nav(other, "Connections")
    expect(other.locator(".person").get_by_role("link", name="Ada Lovelace")).to_be_visible()
    screenshot(other, "04-connections")

    sign_in(page, "ada@example.com")
    open_nav(page, "Connections")
    expect(page.locator(".person").get_by_role("link", name="Bob Babbage")).to_be_visible()
    page.get_by_role("link", name="Bob Babbage").click()
    expect(page.get_by_text("bob@example.com")).to_be_visible()  # connections see his e-mail
    screenshot(page, "05-member-profile")
