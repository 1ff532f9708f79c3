"""The partner API's requests and documents as marshmallow schemas (the OpenAPI source)."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, validate, validates_schema
from marshmallow import fields as mf

from app.web.inputs import AsciiInteger
from exporters import names
from permissions import Field, Purpose

MAX_PEOPLE = 10_000


class FieldNames(mf.Field):
    """``fields=first_name,email``: a comma-separated subset of the field catalog."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Field]:
        if not isinstance(value, str) or len(value) > 400:
            raise ValidationError("Give fields as a comma-separated list of field names.")
        chosen = [part.strip() for part in value.split(",") if part.strip()]
        known = {f.value: f for f in Field}
        unknown = [name for name in chosen if name not in known]
        if unknown or not chosen:
            raise ValidationError(
                f"Unknown or no fields: {', '.join(unknown) or '(none)'}; "
                f"choose from {', '.join(known)}."
            )
        return [known[name] for name in chosen]


class Handles(mf.Field):
    """``people=h1,h2``: member handles, comma-separated."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if not isinstance(value, str):
            raise ValidationError("Give people as comma-separated handles.")
        handles = [h.strip() for h in value.split(",") if h.strip()]
        if not handles or len(handles) > MAX_PEOPLE:
            raise ValidationError(f"Give 1 to {MAX_PEOPLE} handles.")
        if any(not h.isascii() or not h.isalnum() or len(h) > 32 for h in handles):
            raise ValidationError("A handle is letters and digits only.")
        return handles


class ConnectionQuerySchema(Schema):
    """``GET /api/v1/connections/{handle}`` query: which fields (every query has this)."""

    class Meta:
        unknown = RAISE

    field_names = FieldNames(
        data_key="fields",
        load_default=None,
        metadata={"description": "Comma-separated field names (default: every field)."},
    )


class ConnectionsQuerySchema(ConnectionQuerySchema):
    """``GET /api/v1/connections`` query: a page size, where to continue, which fields."""

    limit = AsciiInteger(
        digits=3,
        load_default=25,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Connections per page, 1 to 100."},
    )
    cursor = mf.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={
            "description": "The `next_cursor` of the previous page, as given: opaque, and "
            "valid only for the member whose page it came from."
        },
    )


class ExportQuerySchema(ConnectionQuerySchema):
    """``GET /api/v1/exports/contacts`` query: the same choices as the export center."""

    format = mf.String(
        required=True,
        validate=validate.OneOf(names()),
        metadata={"description": "csv, vcard, json or ndjson."},
    )
    purpose = mf.Enum(
        Purpose,
        by_value=True,
        required=True,
        metadata={"description": "Why: it must be the purpose the member granted the app."},
    )
    people = Handles(load_default=None, metadata={"description": "Only these connections."})
    query = mf.String(
        load_default=None,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Only connections whose visible name contains these words."},
    )

    @validates_schema
    def _one_selection(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("people") and data.get("query"):
            raise ValidationError("Choose people or a name query, not both.", "people")


class ConnectionSchema(Schema):
    """One connection as the app may see it: only released values, never what is withheld."""

    handle = mf.String(required=True, metadata={"description": "The member's public id."})
    released = mf.Dict(
        data_key="fields",
        keys=mf.String(),
        metadata={
            "description": "Single fields as a string; e-mail, phone and website as a list of "
            "{label, value}. A field the app may not have is simply absent."
        },
    )


class ConnectionPageSchema(Schema):
    """A page of connections, in a stable order, and the cursor of the next page."""

    connections = mf.List(mf.Nested(ConnectionSchema), required=True)
    next_cursor = mf.String(
        allow_none=True,
        metadata={
            "description": "Send it back as `cursor` for the next page; null on the last page. "
            "Opaque: it holds no internal ids."
        },
    )


class ErrorSchema(Schema):
    """Every error: a stable code and a message a person can read."""

    code = mf.String(required=True)
    message = mf.String(required=True)
    scope = mf.String(metadata={"description": "The missing scope (insufficient_scope)."})
    details = mf.Raw(metadata={"description": "What was refused, per value (/api/me only)."})


def load_query(schema: Schema, args: Any) -> dict[str, Any]:
    """The query string loaded through ``schema``, blanks dropped.

    Raises:
        marshmallow.ValidationError: a parameter is malformed or unknown.
    """
    present = {k: v for k, v in args.items() if v != ""}
    loaded: dict[str, Any] = schema.load(present)
    return loaded
