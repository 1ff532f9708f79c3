"""Editing a profile: a refused value stays typed with its reason; phones; addresses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import sign_up

pytestmark = pytest.mark.browser


def _edit_page(new_page, width=1280, email="ada@example.com"):
    page = new_page(width=width)
    sign_up(page, "Ada", "Lovelace", email)
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


def test_on_a_phone_an_email_keeps_its_line_and_its_buttons_go_below(new_page):
    # Found by review: at 390 wide the address broke over three lines and "Save label" wrapped.
    page = _edit_page(new_page, width=390, email="augusta.ada.lovelace@analytical.example")
    row = page.locator("#section-email .person").first
    value = row.locator(".value-line .break")
    line = float(value.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert value.bounding_box()["height"] < 1.5 * line, "the address wraps"
    save = row.get_by_role("button", name="Save label")
    assert save.bounding_box()["height"] < 1.5 * line + 12, "Save label wraps"
    who, actions = row.locator(".who").bounding_box(), row.locator(".actions").bounding_box()
    assert actions["y"] >= who["y"] + who["height"], "the row's actions are not below its value"
    screenshot(page, "09-phone-profile-edit")


def test_typed_about_you_changes_are_not_lost_to_another_form(new_page):
    # Found by review: a headline typed, then "Add" on a phone: the headline edit was gone.
    page = _edit_page(new_page)
    headline = page.get_by_label("Headline")
    headline.fill("Countess of Lovelace")
    expect(page.get_by_text("Not saved yet")).to_be_visible()
    screenshot(page, "09-profile-unsaved")
    asked: list[str] = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    phones = page.locator("#section-phone")
    phones.get_by_label("Add phone").fill("+61491570156")
    # The browser asks before leaving in a task of its own: wait for the question
    # (checking at once after the click failed now and then, before it came).
    with page.expect_event("dialog"):
        phones.get_by_role("button", name="Add").click(no_wait_after=True)
    expect(headline).to_have_value("Countess of Lovelace")
    assert asked == ["beforeunload"]
    expect(phones.get_by_text("Phone added.")).to_have_count(0)

    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    assert asked == ["beforeunload"], "saving the edits themselves asks nothing"
    expect(page.get_by_label("Headline")).to_have_value("Countess of Lovelace")
    phones = page.locator("#section-phone")
    phones.get_by_label("Add phone").fill("+61491570156")
    phones.get_by_role("button", name="Add").click()
    expect(phones.get_by_text("Phone added.")).to_be_visible()
    assert asked == ["beforeunload"], "nothing unsaved, nothing asked"
