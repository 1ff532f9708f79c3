"""The partner API's JSON documents."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from app.apps.scopes import scope_string
from app.disclosure.service import Requester
from permissions import Outcome


class ReleasedValueSchema(Schema):
    """One value the app may have."""

    field = fields.String(required=True)
    label = fields.String(allow_none=True)
    value = fields.String(required=True)


class WithheldValueSchema(Schema):
    """One value the app may not have, and why (never the value)."""

    field = fields.String(required=True)
    label = fields.String(allow_none=True)
    reason = fields.String(required=True)


class OwnProfileSchema(Schema):
    """``GET /api/v1/me``: the granting member's profile, as far as the grant reaches."""

    handle = fields.String(required=True)
    purpose = fields.String(allow_none=True)
    scope = fields.String(required=True)
    values = fields.List(fields.Nested(ReleasedValueSchema))
    withheld = fields.List(fields.Nested(WithheldValueSchema))


def own_profile(handle: str, requester: Requester, outcome: Outcome) -> dict[str, Any]:
    """The ``/api/v1/me`` document for the member's own outcome."""
    document = {
        "handle": handle,
        "purpose": requester.purpose,
        "scope": scope_string(requester.scopes or ()),
        "values": [
            {"field": v.field, "label": v.label, "value": v.value} for v in outcome.released
        ],
        "withheld": [
            {"field": v.field, "label": v.label, "reason": reason} for v, reason in outcome.withheld
        ],
    }
    dumped: dict[str, Any] = OwnProfileSchema().dump(document)
    return dumped
