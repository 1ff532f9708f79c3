"""Removing a connection or a value asks first; cancelling changes nothing. No script needed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.network.services import are_connected, connect
from app.profiles.services import add_value
from permissions import Field, ValueLabel
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, open_nav, seed_member, sign_in

pytestmark = pytest.mark.browser


def _connected(app, a, b) -> bool:
    with app.app_context():
        return are_connected(db.session, a.id, b.id)


def test_removing_a_connection_asks_first(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    seed_member(live_app, "Bob", "Babbage", "bob@example.com")
    ada, bob = find_member(live_app, "ada@example.com"), find_member(live_app, "bob@example.com")
    with live_app.app_context():
        connect(db.session, ada.id, bob.id)
        db.session.commit()

    page = new_page()
    sign_in(page, "ada@example.com")
    open_nav(page, "Connections")
    row = page.locator(".person", has_text="Bob Babbage")
    question = row.get_by_text("Remove Bob Babbage from your connections?")
    expect(question).to_be_hidden()

    toggle = row.locator("summary")  # reads "Remove", and "Cancel" while the question is open
    assert toggle.inner_text().split() == ["Remove", "Bob", "Babbage"]  # a name for readers
    toggle.click()
    expect(question).to_be_visible()
    assert toggle.inner_text().split() == ["Cancel"]
    screenshot(page, "30-remove-connection-asks")
    toggle.click()
    expect(question).to_be_hidden()
    page.reload()
    expect(page.locator(".person", has_text="Bob Babbage")).to_be_visible()
    assert _connected(live_app, ada, bob)

    toggle.click()
    row.get_by_role("button", name="Remove connection").click()
    expect(page.get_by_text("Bob Babbage is no longer one of your connections.")).to_be_visible()
    expect(page.locator(".person", has_text="Bob Babbage")).to_have_count(0)
    assert not _connected(live_app, ada, bob)


def test_removing_a_profile_value_asks_first(new_page, live_app):
    seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    ada = find_member(live_app, "ada@example.com")
    with live_app.app_context():
        add_value(db.session, ada.id, Field.PHONE, "+44 20 7946 0958", label=ValueLabel.WORK)
        db.session.commit()

    page = new_page()
    sign_in(page, "ada@example.com")
    page.goto("/profile/edit")
    phones = page.locator("#section-phone")
    toggle = phones.locator("summary")
    question = phones.get_by_text("Remove +44 20 7946 0958 from your profile?")
    toggle.click()
    expect(question).to_be_visible()
    screenshot(page, "31-remove-value-asks")
    toggle.click()
    expect(question).to_be_hidden()
    page.reload()
    expect(phones).to_contain_text("+44 20 7946 0958")

    toggle.click()
    phones.get_by_role("button", name="Remove", exact=True).click()
    expect(page.get_by_text("Removed.")).to_be_visible()
    expect(phones).not_to_contain_text("+44 20 7946 0958")
