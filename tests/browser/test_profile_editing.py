"""Editing a profile: a refused value stays typed with its reason; phones; addresses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_up

pytestmark = pytest.mark.browser


def _edit_page(new_page):
    page = new_page()
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    page.get_by_role("link", name="Edit profile").click()
    expect(page.get_by_role("heading", name="Edit profile")).to_be_visible()
    return page


def test_a_refused_email_stays_typed_with_the_reason_beside_it(new_page):
    page = _edit_page(new_page)
    emails = page.locator("#section-email")
    emails.get_by_label("Add e-mail").fill("ada@@work.example")
    emails.get_by_role("button", name="Add").click()

    box = page.locator("#section-email").get_by_label("Add e-mail")
    expect(box).to_have_value("ada@@work.example")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#add-email-error")).to_contain_text("not valid")
    expect(box).to_have_accessible_description(re.compile("That e-mail address is not valid"))
    screenshot(page, "06-profile-email-refused")

    # Corrected in place, it is added.
    box.fill("ada@work.example")
    page.locator("#section-email").get_by_role("button", name="Add").click()
    expect(page.get_by_text("E-mail added.")).to_be_visible()
    expect(page.locator("#section-email")).to_contain_text("ada@work.example")


def test_a_phone_typed_without_spaces_is_shown_formatted_and_labelled_mobile(new_page):
    page = _edit_page(new_page)
    phones = page.locator("#section-phone")
    expect(phones.get_by_text("With + and the country code")).to_be_visible()
    phones.get_by_label("Add phone").fill("+61491570156")
    phones.get_by_label("Label").select_option("mobile")
    phones.get_by_role("button", name="Add").click()

    # The page reopens at the phones; the message is there, in view.
    expect(phones.get_by_text("Phone added.")).to_be_in_viewport()
    expect(page.locator("#section-phone .value-line")).to_have_text("+61 491 570 156")
    expect(page.locator("#section-phone select[name=label]").first).to_have_value("mobile")
    screenshot(page, "07-profile-phone-added")

    page.get_by_role("link", name="Done").click()
    row = page.get_by_role("row", name="Phone")
    expect(row).to_contain_text("+61 491 570 156")
    expect(row).to_contain_text("mobile")


def test_a_phone_without_country_code_is_refused_beside_its_box(new_page):
    page = _edit_page(new_page)
    phones = page.locator("#section-phone")
    phones.get_by_label("Add phone").fill("020 7946 0991")
    phones.get_by_role("button", name="Add").click()
    expect(page.locator("#section-phone").get_by_label("Add phone")).to_have_value("020 7946 0991")
    expect(page.locator("#add-phone-error")).to_contain_text("Start with + and the country code")
    screenshot(page, "08-profile-phone-refused")


def test_an_address_typed_on_two_lines_is_saved(new_page):
    page = _edit_page(new_page)
    address = page.get_by_label("Address")
    address.click()
    address.type("12 Analytical Row")
    address.press("Enter")
    address.type("London W1")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.get_by_label("Address")).to_have_value("12 Analytical Row\nLondon W1")
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("row", name="Address")).to_contain_text("12 Analytical Row")
    screenshot(page, "09-profile-address-saved")
