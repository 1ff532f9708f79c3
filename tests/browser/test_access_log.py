"""A connection views Ada's e-mail; Ada sees it in "Who accessed my data" and downloads the CSV."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.network.services import connect
from tests.browser.conftest import screenshot
from tests.browser.helpers import find_member, open_nav, seed_member, sign_in, sign_out, sign_up

pytestmark = pytest.mark.browser


def test_a_member_sees_who_viewed_their_email_and_downloads_the_log(new_page, live_app):
    ada_handle = seed_member(live_app, "Ada", "Lovelace", "ada@example.com")
    seed_member(live_app, "Bob", "Babbage", "bob@example.com")
    ada, bob = find_member(live_app, "ada@example.com"), find_member(live_app, "bob@example.com")
    with live_app.app_context():
        connect(db.session, ada.id, bob.id)
        db.session.commit()

    page = new_page()
    sign_in(page, "bob@example.com")
    page.goto(f"/m/{ada_handle}")
    expect(page.get_by_text("ada@example.com")).to_be_visible()
    sign_out(page)

    sign_in(page, "ada@example.com")
    open_nav(page, "Access log")
    expect(page.get_by_role("heading", name="Who accessed my data")).to_be_visible()
    row = page.locator("table.events tbody tr").first
    expect(row).to_contain_text("Bob Babbage")
    expect(row).to_contain_text("Viewed")
    expect(row).to_contain_text("E-mail (personal)")
    expect(page.locator("svg.chart rect.chart-bar")).to_have_count(1)
    screenshot(page, "20-access-log")
    page.get_by_text("How can I check this myself?").click()
    script = page.get_by_role("link", name="checking script")
    expect(script).to_be_visible()
    served = page.request.get(script.get_attribute("href") or "")
    assert served.ok and "RFC 9162" in served.text()
    screenshot(page, "20-access-log-how-to-check")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [(r["requester"], r["action"]) for r in rows] == [("Bob Babbage", "view")]
    assert "E-mail (personal)" in rows[0]["released"]
    assert "ada@example.com" not in path.read_text(encoding="utf-8")

    open_nav(page, "Notifications")
    expect(page.get_by_text("1 person viewed your profile.")).to_be_visible()
    screenshot(page, "21-notifications")


# The size each date label is drawn at on screen, in CSS pixels: its font size
# times the scale its SVG draws it at (1 for a label outside any viewBox).
_LABEL_SIZES = """labels => labels.map(label => {
    const size = parseFloat(getComputedStyle(label).fontSize);
    const scale = label instanceof SVGGraphicsElement ? label.getScreenCTM().a : 1;
    const box = label.getBoundingClientRect();
    return {text: label.textContent.trim(), px: size * scale, left: box.left, right: box.right};
})"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_charts_date_labels_are_readable_on_a_phone_and_a_laptop(new_page, width):
    # Found by review: at 390 wide the labels were drawn at about 8px, the
    # chart's 720-unit viewBox shrinking them with its bars.
    page = new_page(width=width, height=844)
    sign_up(page, "Ada", "Lovelace", "ada@example.com")
    page.goto("/access")
    labels = page.locator(".chart-tick").evaluate_all(_LABEL_SIZES)
    screenshot(page, f"22-access-log-chart-{width}")

    assert len(labels) >= 3, labels
    assert all(label["text"] for label in labels), labels
    too_small = [(label["text"], round(label["px"], 1)) for label in labels if label["px"] < 11]
    assert too_small == [], f"labels under 11px at {width} wide: {too_small}"
    # Readable and apart: each label ends before the next one starts.
    ordered = sorted(labels, key=lambda label: label["left"])
    assert all(a["right"] < b["left"] for a, b in itertools.pairwise(ordered)), ordered
    chart = page.locator(".card", has=page.locator("svg.chart")).bounding_box()
    assert ordered[0]["left"] >= chart["x"] and ordered[-1]["right"] <= chart["x"] + chart["width"]
