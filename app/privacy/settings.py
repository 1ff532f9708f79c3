"""Turning a requested batch (from the API or the settings form) into checked updates.

Both entry points load their input through :class:`PolicyBatchSchema` and
come here, so the page and the API refuse exactly the same things.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.privacy.services import PolicyUpdate, field_updates
from permissions import Action, Audience


def updates_from_batch(
    session: Session, member_id: int, batch: dict[str, Any]
) -> list[PolicyUpdate]:
    """Expand loaded items (by value id or by field) into per-value updates."""
    updates: list[PolicyUpdate] = []
    for item in batch["policies"]:
        audiences = (item["view"], item["download"], item["sync"])
        if "value_id" in item:
            updates.append(PolicyUpdate(item["value_id"], *audiences))
        else:
            updates.extend(field_updates(session, member_id, item["field"], *audiences))
    return updates


def batch_from_form(form: dict[str, str]) -> dict[str, Any]:
    """Read the settings matrix (``policy-<value id>-<action>`` fields) as a raw batch.

    The result still goes through the schema; malformed keys are left for it
    to refuse as unknown values.
    """
    items: dict[str, dict[str, Any]] = {}
    for key, audience in form.items():
        parts = key.split("-")
        if len(parts) != 3 or parts[0] != "policy":
            continue
        _, raw_id, action = parts
        item = items.setdefault(raw_id, {"value_id": int(raw_id) if raw_id.isdigit() else raw_id})
        item[action] = audience
    return {"policies": list(items.values())}


def matrix_choices(batch: dict[str, Any]) -> dict[int, dict[Action, Audience | str]]:
    """What the member picked in each cell, to show it again next to an error."""
    chosen: dict[int, dict[Action, Audience | str]] = {}
    for item in batch.get("policies", []):
        if isinstance(item.get("value_id"), int):
            chosen[item["value_id"]] = {a: item.get(a.value, "") for a in Action}
    return chosen
