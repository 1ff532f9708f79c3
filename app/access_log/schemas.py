"""Query-string filters of the access log page and its downloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from app.models.audit import EventAction
from app.web.inputs import MAX_ID, AsciiInteger
from permissions import Field

MAX_SEQ = 2**63 - 1

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
_IN_RANGE = validate.Range(
    min=FIRST_DAY, max=LAST_DAY, error="Choose a date from 2000-01-01 to 2999-12-31."
)


class EventFilterSchema(Schema):
    """``?start=&end=&action=&requester=&app=&field=&before=&after=``; blanks mean "any"."""

    class Meta:
        unknown = EXCLUDE

    start = fields.Date(load_default=None, validate=_IN_RANGE)
    end = fields.Date(load_default=None, validate=_IN_RANGE)
    action = fields.Enum(EventAction, by_value=True, load_default=None)
    requester = fields.String(load_default=None, validate=validate.Length(max=32))
    app = AsciiInteger(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    field = fields.Enum(Field, by_value=True, load_default=None)
    before = AsciiInteger(load_default=None, validate=validate.Range(min=1, max=MAX_SEQ))
    after = AsciiInteger(load_default=None, validate=validate.Range(min=0, max=MAX_SEQ))

    @validates_schema
    def _one_cursor(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["before"] is not None and data["after"] is not None:
            raise ValidationError("Ask for older or newer events, not both.", "before")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["start"] and data["end"] and data["start"] > data["end"]:
            raise ValidationError("The start date must not be after the end date.", "start")


# What the page's filter form sets, and so what its links carry; the cursor
# (before/after) is the page's own position, not a filter.
FILTER_NAMES = tuple(name for name in EventFilterSchema().fields if name not in ("before", "after"))


def load_filter_args(args: Any) -> dict[str, Any]:
    """The filter arguments with blanks dropped, validated.

    Raises:
        marshmallow.ValidationError: a malformed date, action, app or page.
    """
    present = {k: v for k, v in args.items() if v != ""}
    return EventFilterSchema().load(present)
