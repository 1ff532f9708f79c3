"""The export center's form: who, which fields, which format, and why."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.exports.selection import MAX_CHOSEN, Selection, SelectionKind
from app.web.forms import PageForm
from permissions import Field, Purpose

FORMAT_TITLES = {
    "csv": "CSV (spreadsheets)",
    "vcard": "vCard (address books)",
    "json": "JSON",
    "ndjson": "NDJSON (one contact per line, for very large exports)",
}
PURPOSE_TITLES = {
    Purpose.PERSONAL: "Personal address book",
    Purpose.RECRUITING: "Recruiting",
    Purpose.SALES: "Sales",
    Purpose.MARKETING: "Marketing (only people who opted in)",
}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ExportForm(PageForm):
    """What to export; every choice is validated against a fixed list."""

    contacts = RadioField(
        "Contacts",
        choices=[
            SelectChoice(SelectionKind.ALL.value, "All my connections"),
            SelectChoice(SelectionKind.SEARCH.value, "Connections whose name contains…"),
            SelectChoice(SelectionKind.PEOPLE.value, "Only the people I tick below"),
        ],
        default=SelectionKind.ALL.value,
    )
    query = StringField("Part of a name to look for", validators=[Optional(), Length(max=100)])
    people = MultiCheckboxField("People", choices=[], validate_choice=False)
    fields = MultiCheckboxField(
        "Fields",
        choices=[SelectChoice(f.value, f.caption) for f in Field],
        default=[f.value for f in Field],
        validators=[DataRequired("Choose at least one field.")],
    )
    format = SelectField(
        "Format", choices=[SelectChoice(k, t) for k, t in FORMAT_TITLES.items()], default="csv"
    )
    purpose = SelectField(
        "Purpose",
        choices=[SelectChoice("", "Choose why you export…")]
        + [SelectChoice(p.value, t) for p, t in PURPOSE_TITLES.items()],
        validators=[DataRequired("Say why you export: the purpose decides who is included.")],
    )
    bom = BooleanField("Add a byte-order mark (helps Excel open UTF-8 CSV files)")
    ticket = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{8,40}$")])

    def validate_people(self, field: Any) -> None:
        if self.contacts.data == SelectionKind.PEOPLE.value:
            if not field.data:
                raise ValidationError("Tick at least one person, or choose all connections.")
            if len(field.data) > MAX_CHOSEN:
                raise ValidationError(f"Tick at most {MAX_CHOSEN} people.")

    def validate_query(self, field: Any) -> None:
        typed = bool((field.data or "").strip())
        if self.contacts.data == SelectionKind.SEARCH.value and not typed:
            raise ValidationError("Type part of a name, or choose all connections.")
        if self.contacts.data != SelectionKind.SEARCH.value and typed:
            # Exporting others than the ones asked for is never the safe guess
            # (found by review: a name typed under "all" exported everyone).
            raise ValidationError(
                "You typed a name: choose “Connections whose name contains…”, or clear the name."
            )

    def validate_contacts(self, field: Any) -> None:
        if field.data != SelectionKind.PEOPLE.value and self.people.data:
            raise ValidationError(
                "You ticked people: choose “Only the people I tick below”, or untick them."
            )

    def selection(self) -> Selection:
        """The contacts part of the form as a :class:`Selection`."""
        kind = SelectionKind(self.contacts.data)
        return Selection(kind, tuple(self.people.data or ()), (self.query.data or "").strip())

    def chosen_fields(self) -> tuple[Field, ...]:
        """The ticked fields, in catalog order."""
        ticked = set(self.fields.data or ())
        return tuple(f for f in Field if f.value in ticked)
