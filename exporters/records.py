"""What an exporter is given: contacts whose values were already decided, and the column layout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from permissions import Field, ValueLabel


class ExportValue(NamedTuple):
    """One value the rule allowed to leave; ``label`` only for multi-valued fields."""

    field: Field
    label: ValueLabel | None
    value: str


class ContactRecord(NamedTuple):
    """One contact in an export: a stable id and the values released for them."""

    contact_id: str
    values: Sequence[ExportValue]


class Layout(NamedTuple):
    """The fields an export was asked for, in catalog order.

    The layout is fixed before the first record so that a streamed file can
    write its header (or its column list) up front.
    """

    fields: tuple[Field, ...]

    def slots(self) -> list[tuple[Field, ValueLabel | None]]:
        """One slot per column after the id: each labelled kind of a multi-valued field."""
        return [
            (field, label)
            for field in self.fields
            for label in (ValueLabel if field.multi_valued else (None,))
        ]

    def columns(self) -> list[str]:
        """Column titles a person reads: "Contact id", "First name", "E-mail (work)", ..."""
        return ["Contact id"] + [
            f"{field.title} ({label})" if label else field.title for field, label in self.slots()
        ]


def grouped(record: ContactRecord) -> dict[Field, list[ExportValue]]:
    """The record's values by field, each field's values in the order given."""
    by_field: dict[Field, list[ExportValue]] = {}
    for value in record.values:
        by_field.setdefault(value.field, []).append(value)
    return by_field
