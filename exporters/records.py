"""What an exporter is given: contacts whose values were already decided, and the column layout."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple, Protocol

from permissions import Field, ValueLabel

# A phone number as the app stores it once validated: "+", then up to 15 digits
# of which the first (the country code's) is not 0. ITU-T E.164.
_E164 = re.compile(r"\+[1-9][0-9]{0,14}")


def is_e164(text: str) -> bool:
    """True if ``text`` is exactly one phone number in E.164 form ("+442079460991")."""
    return _E164.fullmatch(text) is not None


class ExportValue(NamedTuple):
    """One value the rule allowed to leave; ``label`` only for multi-valued fields."""

    field: Field
    label: ValueLabel | None
    value: str


class Value(Protocol):
    """What an exporter reads of a value: :class:`ExportValue`, or the engine's ``ValueRecord``.

    Accepting the engine's records as they are spares an export a copy of
    every released value.
    """

    @property
    def field(self) -> Field: ...

    @property
    def label(self) -> ValueLabel | None: ...

    @property
    def value(self) -> str: ...


class ContactRecord(NamedTuple):
    """One contact in an export: a stable id and the values released for them."""

    contact_id: str
    values: Sequence[Value]


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
            for label in (field.labels if field.multi_valued else (None,))
        ]

    def columns(self) -> list[str]:
        """Column titles a person reads: "Contact id", "First name", "E-mail (work)", ..."""
        return ["Contact id"] + [
            f"{field.caption} ({label})" if label else field.caption
            for field, label in self.slots()
        ]


def grouped(record: ContactRecord) -> dict[Field, list[Value]]:
    """The record's values by field, each field's values in the order given."""
    by_field: dict[Field, list[Value]] = {}
    for value in record.values:
        by_field.setdefault(value.field, []).append(value)
    return by_field


def in_chunks(pieces: Iterable[str], per_chunk: int) -> Iterator[bytes]:
    """The pieces as UTF-8, ``per_chunk`` pieces to a chunk, the last chunk possibly short.

    Pieces are pulled lazily: a format that computes its manifest after its
    last record gets it computed only once every record was consumed.
    """
    batch: list[str] = []
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= per_chunk:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")
