"""Steps the browser tests share: signing up and in through the real pages."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models.accounts import Member
from tests.factories import TEST_PASSWORD, make_member


def seed_member(app: Flask, first: str, last: str, email: str) -> str:
    """Create a committed member in the live app's database; returns its handle."""
    with app.app_context():
        member = make_member(db.session, first, last, email=email)
        db.session.commit()
        return member.handle


def find_member(app: Flask, email: str) -> Member:
    """A committed member, detached from any session."""
    with app.app_context():
        member = db.session.query(Member).filter_by(email=email).one()
        db.session.expunge(member)
        return member


def sign_up(page: Page, first: str, last: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Create an account through the sign-up page."""
    page.goto("/signup")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


def sign_in(page: Page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the sign-in page."""
    page.goto("/signin")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Attached, not visible: on a phone it waits behind the menu.
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def open_menu(page: Page) -> None:
    """On a narrow screen, open the top bar's menu (a no-op where the bar shows everything).

    Waits for the page's load first: whether the menu shows depends on the
    stylesheet, and before it applied the menu looked visible and was gone
    when clicked (a CI run under load).
    """
    page.wait_for_load_state()
    menu = page.locator("header summary", has_text="Menu")
    if menu.is_visible() and menu.locator("xpath=..").get_attribute("open") is None:
        menu.click()


def sign_out(page: Page) -> None:
    """Sign out with the button in the top bar."""
    open_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def open_nav(page: Page, name: str) -> None:
    """Follow a link of the main navigation, and wait until the page (its stylesheet too) loaded.

    A click waits for the navigation to begin only: checks of what the
    stylesheet shows or hides could run before it applied (a CI run under load).
    """
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
    page.wait_for_load_state()
