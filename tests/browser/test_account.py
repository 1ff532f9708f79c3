"""The account page: a new password ends other sessions; a new sign-in e-mail is confirmed by a
link (printed in the server log, since no mail is sent); the public profile as others see it;
the skip link."""

from __future__ import annotations

import logging
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import seed_member, sign_in, sign_out

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"confirmation link for <[^>]+>: (\S+)")


def test_a_new_password_signs_out_the_other_browser(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    laptop, phone = new_page(), new_page(390, 844)
    sign_in(laptop, "ada@example.com")
    sign_in(phone, "ada@example.com")

    laptop.get_by_role("link", name="Account").click()
    form = laptop.locator("form", has=laptop.get_by_role("button", name="Change password"))
    form.get_by_label("Current password").fill("not my password at all")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(form.get_by_text("That is not your current password.")).to_be_visible()
    screenshot(laptop, "41-account-wrong-password")

    form.get_by_label("Current password").fill("correct horse battery staple")
    form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    form.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_text("Password changed.")).to_be_visible()

    phone.goto("/profile")
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    laptop.goto("/profile")
    expect(laptop.get_by_role("heading", name="Your profile")).to_be_visible()
    sign_out(laptop)
    sign_in(laptop, "ada@example.com", NEW_PASSWORD)


def test_a_new_sign_in_email_is_confirmed_by_the_logged_link(new_page, live_app, caplog):
    caplog.set_level(logging.INFO, logger=live_app.logger.name)
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    page = new_page()
    sign_in(page, "ada@example.com")
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("You sign in as ada@example.com.")).to_be_visible()
    screenshot(page, "40-account")

    form = page.locator("form", has=page.get_by_role("button", name="Send confirmation link"))
    form.get_by_label("New sign-in e-mail").fill("ada@analytical.example")
    form.get_by_label("Current password").fill("correct horse battery staple")
    form.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_text("We sent a link to ada@analytical.example.")).to_be_visible()
    expect(page.get_by_text("You sign in as ada@example.com.")).to_be_visible()

    (link,) = LINK.findall(caplog.text)
    page.goto(link)
    expect(page.get_by_text("Sign in with ada@analytical.example from now on")).to_be_visible()
    screenshot(page, "42-confirm-new-email")
    page.get_by_role("button", name="Use this address").click()
    expect(page.get_by_text("You sign in as ada@analytical.example.")).to_be_visible()

    page.goto(link)  # a second time: used already
    expect(page.get_by_role("alert")).to_contain_text("used already")
    sign_out(page)
    sign_in(page, "ada@analytical.example")
    page.goto("/profile")
    expect(page.locator("table")).to_contain_text("ada@example.com")  # the profile's own value


def test_the_public_profile_shows_the_page_as_others_see_it(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    page = new_page()
    sign_in(page, "ada@example.com")
    page.goto("/profile")
    page.get_by_role("link", name="Your public profile").click()
    expect(
        page.get_by_role("heading", name="How someone who is not signed in sees your profile")
    ).to_be_visible()
    expect(page.get_by_text("ada@example.com")).to_have_count(0)
    page.get_by_label("View as").select_option("connection")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="How a connection sees your profile")).to_be_visible()
    expect(page.get_by_text("ada@example.com")).to_be_visible()
    screenshot(page, "43-public-profile-as-connection")


def test_the_skip_link_comes_first_and_jumps_to_the_content(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    page = new_page()
    sign_in(page, "ada@example.com")
    page.goto("/privacy")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["y"] < 0  # out of sight until it has focus

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    screenshot(page, "44-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the next stop is inside the page, past the top bar
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_deleting_the_account_says_what_goes_asks_for_the_password_and_signs_out(
    new_page, live_app
):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    page = new_page()
    sign_in(page, "ada@example.com")
    page.get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    expect(page.get_by_role("heading", name="What stays")).to_be_visible()

    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()
    screenshot(page, "43-account-delete-wrong-password")

    page.get_by_label("Your password").fill("correct horse battery staple")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(
        page.get_by_text("Your account is deleted and your data is erased.", exact=False)
    ).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    screenshot(page, "44-account-deleted")

    page.goto("/signin")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That e-mail and password do not match an account.")).to_be_visible()
