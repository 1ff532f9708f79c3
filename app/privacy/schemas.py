"""Marshmallow schemas for reading and changing one's own privacy settings."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from permissions import Audience, Field, Purpose

MAX_ITEMS = 200


class PolicyItemSchema(Schema):
    """One requested policy, for one value (``value_id``) or every value of a ``field``."""

    class Meta:
        unknown = RAISE

    value_id = fields.Integer(strict=True, validate=validate.Range(min=1))
    field = fields.Enum(Field, by_value=True)
    view = fields.Enum(Audience, by_value=True, required=True)
    download = fields.Enum(Audience, by_value=True, required=True)
    sync = fields.Enum(Audience, by_value=True, required=True)

    @validates_schema
    def _one_target(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if ("value_id" in data) == ("field" in data):
            raise ValidationError("Give exactly one of value_id or field.", "_schema")


class PolicyBatchSchema(Schema):
    """``{"policies": [...]}``: a batch applied all together or not at all."""

    class Meta:
        unknown = RAISE

    policies = fields.List(
        fields.Nested(PolicyItemSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
    )


class PolicySchema(Schema):
    """A value's policy, as the API shows it."""

    view = fields.Enum(Audience, by_value=True)
    download = fields.Enum(Audience, by_value=True)
    sync = fields.Enum(Audience, by_value=True)


class ValuePolicySchema(Schema):
    """One of the member's own values with its policy and a plain-language explanation."""

    id = fields.Integer()
    field = fields.Enum(Field, by_value=True)
    label = fields.String(allow_none=True)
    value = fields.String()
    is_primary = fields.Boolean()
    policy = fields.Nested(PolicySchema)
    explanation = fields.String()


class StrictBoolean(fields.Field):
    """JSON ``true``/``false`` only: "yes", "on", 1 or 0 are refused rather than guessed.

    marshmallow's Boolean with ``truthy={True}`` still takes 1 and 0, because
    ``1 == True`` in Python; the type has to be checked.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if type(value) is not bool:
            raise ValidationError("Not a boolean: send true or false.")
        return value


def _StrictBoolean() -> StrictBoolean:
    return StrictBoolean(required=False)


class PurposesSchema(Schema):
    """Whether each purpose is allowed; marketing is an opt-in. Any subset may be sent."""

    class Meta:
        unknown = RAISE

    personal = _StrictBoolean()
    recruiting = _StrictBoolean()
    sales = _StrictBoolean()
    marketing = _StrictBoolean()

    @staticmethod
    def to_purposes(data: dict[str, bool]) -> dict[Purpose, bool]:
        """The loaded data keyed by :class:`Purpose`."""
        return {Purpose(name): allowed for name, allowed in data.items()}
