"""The one flow for a batch of policy changes, from the API or the settings form.

Both entry points hand a raw batch to :func:`apply_batch`, which loads it
through :class:`PolicyBatchSchema`, expands items given by field into one
update per value, and applies them all or none; so the page and the API
accept and refuse exactly the same things, with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from app.privacy.schemas import PolicyBatchSchema
from app.privacy.services import (
    PlannedChange,
    PolicyUpdate,
    PolicyUpdateError,
    apply_updates,
    field_updates,
)
from app.web.inputs import ascii_number
from permissions import Action, Audience, Policy


class BatchRefused(ValueError):
    """A batch that changes nothing; ``details`` holds the messages per item or value."""

    def __init__(self, message: str, details: Any, per_value: Mapping[int, str] | None = None):
        super().__init__(message)
        self.details = details
        self.per_value = dict(per_value or {})


def _updates(session: Session, member_id: int, batch: dict[str, Any]) -> list[PolicyUpdate]:
    updates: list[PolicyUpdate] = []
    for item in batch["policies"]:
        audiences = (item["view"], item["download"], item["sync"])
        if "value_id" in item:
            updates.append(PolicyUpdate(item["value_id"], *audiences))
        else:
            updates.extend(field_updates(session, member_id, item["field"], *audiences))
    return updates


def apply_batch(
    session: Session,
    member_id: int,
    raw: Any,
    *,
    source: str,
    shown: Mapping[int, Policy] | None = None,
) -> list[PlannedChange]:
    """Check and apply a raw batch (``{"policies": [...]}``) of the member's policy changes.

    ``shown``: the policies the settings page showed (see :func:`shown_on_page`);
    a value left as shown is not changed. The caller commits on success and
    rolls back on refusal.

    Raises:
        BatchRefused: the batch is malformed, names values that are not the
            member's, or holds a policy that breaks the monotone rule.
    """
    try:
        batch = PolicyBatchSchema().load(raw)
    except ValidationError as exc:
        raise BatchRefused("The request does not match the expected shape.", exc.messages) from exc
    try:
        updates = _updates(session, member_id, batch)
        return apply_updates(session, member_id, updates, source=source, shown=shown)
    except PolicyUpdateError as exc:
        details = {str(k): v for k, v in exc.errors.items()}
        raise BatchRefused(str(exc), details, exc.errors) from exc


def batch_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """Read the settings matrix (``policy-<value id>-<action>`` fields) as a raw batch.

    Keys that are not ASCII numbers stay as text, for the schema to refuse.
    """
    items: dict[str, dict[str, Any]] = {}
    for key, audience in form.items():
        parts = key.split("-")
        if len(parts) != 3 or parts[0] != "policy":
            continue
        _, raw_id, action = parts
        number = ascii_number(raw_id)
        item = items.setdefault(raw_id, {"value_id": raw_id if number is None else number})
        item[action] = audience
    return {"policies": list(items.values())}


def shown_on_page(form: Mapping[str, str]) -> dict[int, Policy]:
    """The policy the settings page showed for each value (``shown-<value id>`` fields).

    Each is ``view/download/sync``, as the page was rendered. One that does
    not read as a policy is left out: its value's cells are then applied as
    sent, as they were before the page said what it showed.
    """
    shown: dict[int, Policy] = {}
    for key, text in form.items():
        kind, _, raw_id = key.partition("-")
        number = ascii_number(raw_id)
        if kind != "shown" or number is None:
            continue
        try:
            shown[number] = Policy.parse(*text.split("/"))
        except (TypeError, ValueError):
            continue
    return shown


def matrix_choices(batch: dict[str, Any]) -> dict[int, dict[Action, Audience | str]]:
    """What the member picked in each cell, to show it again next to an error."""
    chosen: dict[int, dict[Action, Audience | str]] = {}
    for item in batch.get("policies", []):
        if isinstance(item.get("value_id"), int):
            chosen[item["value_id"]] = {a: item.get(a.value, "") for a in Action}
    return chosen
