"""Forms for editing one's own profile."""

from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.profiles.phones import EXAMPLE as PHONE_EXAMPLE
from app.profiles.services import FIELD_MAX_LENGTH, normalise_line_breaks
from app.web.forms import PageForm, at_most
from permissions import Field, ValueLabel

LABEL_CHOICES = [SelectChoice(label.value, label.caption) for label in ValueLabel]
_UNBROKEN_EXAMPLE = PHONE_EXAMPLE.replace(" ", "\N{NO-BREAK SPACE}")  # one number, one line
# What the "Add ..." box under each multi-valued field says about its format.
ADD_HINTS = {
    Field.PHONE: f"With + and the country code, e.g. {_UNBROKEN_EXAMPLE}.",
}


def _stored_line_breaks(text: str | None) -> str | None:
    # Before the length check, so a textarea's CRLF counts once, as it is stored.
    return normalise_line_breaks(text) if text else text


def _text(field: Field, **kwargs: object) -> StringField:
    return StringField(
        field.caption, validators=[Optional(), at_most(FIELD_MAX_LENGTH[field])], **kwargs
    )


class ProfileForm(PageForm):
    """The single-valued fields of a profile. An emptied field is removed."""

    first_name = StringField(
        "First name",
        validators=[
            DataRequired("Enter your first name."),
            at_most(FIELD_MAX_LENGTH[Field.FIRST_NAME]),
        ],
    )
    last_name = StringField(
        "Last name",
        validators=[
            DataRequired("Enter your last name."),
            at_most(FIELD_MAX_LENGTH[Field.LAST_NAME]),
        ],
    )
    headline = _text(Field.HEADLINE, description="One line about what you do.")
    company = _text(Field.COMPANY)
    position = _text(Field.POSITION)
    location = _text(Field.LOCATION)
    industry = _text(Field.INDUSTRY)
    birthday = StringField(
        "Birthday",
        validators=[Optional(), Length(max=10, message="Give the birthday as YYYY-MM-DD.")],
        description="YYYY-MM-DD",
    )
    address = TextAreaField(
        "Address",
        filters=[_stored_line_breaks],
        validators=[Optional(), at_most(FIELD_MAX_LENGTH[Field.ADDRESS])],
    )


class AddValueForm(PageForm):
    """Add one e-mail, phone or website."""

    field = HiddenField(validators=[DataRequired("Add an e-mail, a phone or a website here.")])
    value = StringField("Value", validators=[DataRequired("Enter a value to add."), at_most(300)])
    label = SelectField("Label", choices=LABEL_CHOICES, default="work")


class LabelForm(PageForm):
    """Change the label of one value."""

    label = SelectField("Label", choices=LABEL_CHOICES)
