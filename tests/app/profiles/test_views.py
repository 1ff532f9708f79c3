from __future__ import annotations

from app.profiles.services import values_of
from permissions import Field
from tests.conftest import post_form
from tests.factories import make_member


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
