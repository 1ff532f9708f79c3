from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.profiles.services import add_value, values_of
from permissions import Audience, Field, Policy, ValueLabel, default_policy
from tests.conftest import post_form
from tests.factories import make_member

TEMPLATES = Path(__file__).resolve().parents[3] / "app" / "templates"


def _edit_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "headline": "",
        "company": "",
        "position": "",
        "location": "",
        "industry": "",
        "birthday": "",
        "address": "",
    }
    data.update(overrides)
    return data


def test_edit_profile_saves_single_fields(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/edit", _edit_data(headline="Analyst", company="Engines Ltd")
    )
    assert response.status_code == 302
    values = {v.field: v.value for v in values_of(session, member.id)}
    assert values[Field.HEADLINE] == "Analyst"
    assert values[Field.COMPANY] == "Engines Ltd"


def test_add_two_emails_and_a_phone_then_remove_one(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    assert (
        post_form(
            client,
            "/profile/values",
            {"field": "email", "value": "ada@work.example", "label": "work"},
        ).status_code
        == 302
    )
    assert (
        post_form(
            client,
            "/profile/values",
            {"field": "phone", "value": "+44 20 7946 0958", "label": "personal"},
        ).status_code
        == 302
    )
    page = client.get("/profile/edit").get_data(as_text=True)
    assert "ada@work.example" in page and "+44 20 7946 0958" in page
    work = next(v for v in values_of(session, member.id) if v.value == "ada@work.example")
    assert post_form(client, f"/profile/values/{work.id}/remove").status_code == 302
    assert "ada@work.example" not in {v.value for v in values_of(session, member.id)}


def test_overlong_headline_is_a_400_and_changes_nothing(client, session, auth):
    member = make_member(session, email="ada@example.com", values={Field.HEADLINE: "Analyst"})
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/edit", _edit_data(headline="x" * 200, company="Should not save")
    )
    assert response.status_code == 400
    assert "160 characters" in response.get_data(as_text=True)
    values = {v.field: v.value for v in values_of(session, member.id)}
    assert values[Field.HEADLINE] == "Analyst"
    assert Field.COMPANY not in values


def test_invalid_value_in_a_later_field_leaves_earlier_fields_unchanged(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(client, "/profile/edit", _edit_data(headline="New", birthday="yesterday"))
    assert response.status_code == 400
    assert Field.HEADLINE not in {v.field for v in values_of(session, member.id)}


def test_every_problem_of_the_profile_form_shows_at_once(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/edit", _edit_data(first_name="", headline="New", birthday="31/12/1990")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your first name." in page and "Give the birthday as YYYY-MM-DD." in page
    assert "31/12/1990" in page  # what was typed stays
    values = {v.field: v.value for v in values_of(session, member.id)}
    assert Field.HEADLINE not in values and values[Field.FIRST_NAME] == "Ada"


WTFORMS_OWN = ("This field is required", "Field must be", "Field cannot be")


def test_profile_errors_say_what_to_do(client, session, auth):
    """Found by review: the profile forms gave WTForms' own "This field is required."."""
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    edited = post_form(
        client, "/profile/edit", _edit_data(first_name="", last_name="", headline="h" * 161)
    ).get_data(as_text=True)
    for message in (
        "Enter your first name.",
        "Enter your last name.",
        "Use at most 160 characters.",
    ):
        assert message in edited
    added = post_form(client, "/profile/values", {"field": "email", "value": "", "label": "work"})
    long = post_form(
        client, "/profile/values", {"field": "website", "value": "w" * 301, "label": "work"}
    )
    assert "Enter a value to add." in added.get_data(as_text=True)
    assert "Use at most 300 characters." in long.get_data(as_text=True)
    for page in (edited, added.get_data(as_text=True), long.get_data(as_text=True)):
        assert not any(text in page for text in WTFORMS_OWN)


def test_invalid_email_is_a_400_with_the_reason(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "email", "value": "not-an-email", "label": "work"}
    )
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert len([v for v in values_of(session, member.id) if v.field is Field.EMAIL]) == 1


def test_unknown_or_foreign_value_ids_are_404(client, session, auth):
    make_member(session, email="ada@example.com")
    eve = make_member(session, "Eve", email="eve@example.com")
    eves_email = next(v for v in values_of(session, eve.id) if v.field is Field.EMAIL)
    auth.login("ada@example.com")
    assert post_form(client, "/profile/values/999999/remove").status_code == 404
    assert post_form(client, f"/profile/values/{eves_email.id}/remove").status_code == 404
    assert eves_email.id in {v.id for v in values_of(session, eve.id)}


def test_unknown_member_handle_is_404_with_a_message(client, session):
    response = client.get("/m/no-such-member")
    assert response.status_code == 404
    assert "no member at this address" in response.get_data(as_text=True)


def test_anonymous_visitor_sees_only_public_values(client, session):
    member = make_member(
        session, "Ada", "Lovelace", email="ada@example.com", values={Field.HEADLINE: "Analyst"}
    )
    page = client.get(f"/m/{member.handle}").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Analyst" in page
    assert "ada@example.com" not in page


class _Element(HTMLParser):
    """The attributes and text of the element with one id, as a browser would parse it."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted, self.attrs, self.text, self.depth = wanted, None, "", 0

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in VOID
        elif dict(attrs).get("id") == self.wanted:
            self.attrs, self.depth = dict(attrs), 0 if tag in VOID else 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text += data


VOID = {"input", "br", "img", "meta", "link", "hr"}


def element(page: str, element_id: str) -> tuple[dict, str]:
    parser = _Element(element_id)
    parser.feed(page)
    assert parser.attrs is not None, f"no element #{element_id}"
    return parser.attrs, parser.text.strip()


def test_a_refused_email_keeps_what_was_typed_and_says_why_at_its_box(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "email", "value": "ada@@work", "label": "other"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    box, _ = element(page, "add-email")
    assert (box["value"], box["aria-invalid"]) == ("ada@@work", "true")
    assert "add-email-error" in box["aria-describedby"]
    _, error = element(page, "add-email-error")
    assert "not valid" in error
    select = page[page.index('id="label-email"') :]
    assert '<option value="other" selected>' in select[: select.index("</select>")]
    # The other boxes stay empty, and nothing was added.
    phone_box, _ = element(page, "add-phone")
    assert phone_box.get("value") == "" and "aria-invalid" not in phone_box
    assert [v.value for v in values_of(session, member.id) if v.field is Field.EMAIL] == [
        "ada@example.com"
    ]


def test_a_phone_without_country_code_is_refused_at_its_box(client, session, auth):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "phone", "value": "020 7946 0991", "label": "work"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert element(page, "add-phone")[0]["value"] == "020 7946 0991"
    assert "Start with + and the country code" in element(page, "add-phone-error")[1]


@pytest.mark.parametrize(
    ("value", "label", "message"),
    [
        ("ada.example", "mobile", "personal, work, other"),
        # urlsplit raised "Invalid IPv6 URL": a 500 instead of the message (found by review).
        ("https://[::1", "work", "website must be"),
    ],
)
def test_a_refused_website_is_refused_at_its_box(client, session, auth, value, label, message):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "website", "value": value, "label": label}
    )
    assert response.status_code == 400
    assert message in element(response.get_data(as_text=True), "add-website-error")[1]


def test_adding_to_a_field_that_takes_no_values_here_is_a_400_with_a_message(client, session, auth):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "headline", "value": "Analyst", "label": "work"}
    )
    assert response.status_code == 400
    assert "Add an e-mail, a phone or a website here." in response.get_data(as_text=True)


def test_a_phone_typed_without_spaces_is_stored_in_e164_and_shown_formatted(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/values", {"field": "phone", "value": "+61491570156", "label": "mobile"}
    )
    assert response.status_code == 302
    (phone,) = [v for v in values_of(session, member.id) if v.field is Field.PHONE]
    assert (phone.value, phone.label) == ("+61491570156", ValueLabel.MOBILE)
    for url in ("/profile/edit", "/profile", "/privacy"):
        assert "+61 491 570 156" in client.get(url).get_data(as_text=True), url


def test_a_phone_stored_before_e164_is_shown_as_it_was_typed(client, session, auth):
    member = make_member(session, email="ada@example.com")
    add_value(session, member.id, Field.PHONE, "+44 20 7946 0991")
    legacy = next(v for v in values_of(session, member.id) if v.field is Field.PHONE)
    legacy.value = "+68 364 8045862"  # as the old validator let it in
    session.flush()
    auth.login("ada@example.com")
    assert "+68 364 8045862" in client.get("/profile").get_data(as_text=True)


def test_a_refused_profile_field_keeps_what_was_typed_and_says_why_at_the_field(
    client, session, auth
):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(
        client, "/profile/edit", _edit_data(headline="Analyst", birthday="31/12/1990")
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    birthday, _ = element(page, "birthday")
    assert (birthday["value"], birthday["aria-invalid"]) == ("31/12/1990", "true")
    assert "YYYY-MM-DD" in element(page, "birthday-error")[1]
    assert element(page, "headline")[0]["value"] == "Analyst"


def test_an_address_typed_in_a_textarea_is_saved_with_its_line_breaks(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    typed = "12 Analytical Row\r\nLondon W1\r\nUnited Kingdom"
    response = post_form(client, "/profile/edit", _edit_data(address=typed))
    assert response.status_code == 302
    values = {v.field: v.value for v in values_of(session, member.id)}
    assert values[Field.ADDRESS] == "12 Analytical Row\nLondon W1\nUnited Kingdom"


def test_an_address_of_the_longest_length_counts_each_line_break_once(client, session, auth):
    member = make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    lines = ["x" * 99, "y" * 99, "z" * 100]  # 298 characters and two breaks: 300 stored
    response = post_form(client, "/profile/edit", _edit_data(address="\r\n".join(lines)))
    assert response.status_code == 302
    values = {v.field: v.value for v in values_of(session, member.id)}
    assert values[Field.ADDRESS] == "\n".join(lines)


def test_other_control_characters_in_an_address_are_still_refused(client, session, auth):
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    response = post_form(client, "/profile/edit", _edit_data(address="1 Main St\x1bLondon"))
    assert response.status_code == 400
    assert "control character" in element(response.get_data(as_text=True), "address-error")[1]


def test_adding_a_value_says_what_it_really_starts_with(client, session, auth):
    # A website is not private by default; the message says who sees it.
    make_member(session, email="ada@example.com")
    auth.login("ada@example.com")
    said = {}
    for field, value in (("website", "https://ada.example"), ("email", "ada@work.example")):
        post_form(client, "/profile/values", {"field": field, "value": value, "label": "work"})
        said[field] = client.get("/profile/edit").get_data(as_text=True)
    assert "Every signed-in member can see it, and connections may put it" in said["website"]
    assert "private" not in said["website"]
    # In the website's own box, where the page reopens, not at the top out of view.
    box = said["website"].split('id="section-website"', 1)[1]
    assert box.split('id="section-', 1)[0].count("Website added.") == 1
    assert 'class="flashes"' not in said["website"]
    assert (
        "Your connections can see it, but it is never put into anyone&#39;s downloads"
        in (said["email"])
    )


def test_the_edit_page_states_the_contact_defaults_as_they_are():
    # The page says new e-mails and phones are seen by connections only, never downloaded.
    seen_by_connections_only = Policy(Audience.CONNECTIONS, Audience.NOBODY, Audience.NOBODY)
    assert default_policy(Field.EMAIL) == seen_by_connections_only
    assert default_policy(Field.PHONE) == seen_by_connections_only
    page = (TEMPLATES / "profiles" / "edit.html").read_text()
    assert "new e-mails and phone numbers start seen by your connections only and never" in page
