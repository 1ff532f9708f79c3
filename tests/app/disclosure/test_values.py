"""Loading values: each subject's values come in catalog order, whatever order they were stored."""

from __future__ import annotations

from sqlalchemy import update

from app.disclosure.values import load_values
from app.models.profiles import ProfileValue
from app.profiles.services import add_value
from permissions import Field, ValueLabel
from tests.factories import make_member


def test_each_subjects_values_come_in_catalog_order_then_position(session):
    # Stored out of catalog order: the headline and company after the e-mail,
    # a second e-mail, and a second subject between them.
    ada = make_member(session, "Ada", values={Field.COMPANY: "Acme", Field.HEADLINE: "Engineer"})
    grace = make_member(session, "Grace")
    work = add_value(session, ada.id, Field.EMAIL, "ada@work.example", label=ValueLabel.WORK)
    # The work e-mail is moved before the personal one.
    session.execute(update(ProfileValue).where(ProfileValue.id == work.id).values(position=-1))
    session.flush()

    values = load_values(session, [grace.id, ada.id])

    assert [v.field for v in values[ada.id]] == [
        Field.FIRST_NAME,
        Field.LAST_NAME,
        Field.HEADLINE,
        Field.COMPANY,
        Field.EMAIL,
        Field.EMAIL,
    ]
    emails = [v.value for v in values[ada.id] if v.field is Field.EMAIL]
    assert emails == ["ada@work.example", ada.email]
    assert [v.field for v in values[grace.id]] == [Field.FIRST_NAME, Field.LAST_NAME, Field.EMAIL]


def test_only_the_fields_asked_for(session):
    ada = make_member(session, "Ada", values={Field.HEADLINE: "Engineer"})
    values = load_values(session, [ada.id], [Field.EMAIL, Field.HEADLINE])
    assert [v.field for v in values[ada.id]] == [Field.HEADLINE, Field.EMAIL]
