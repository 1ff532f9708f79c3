"""JSON API for one's own policies and purposes (session auth, CSRF header on writes).

GET   /api/me/policies   every value with its policy and an explanation
PATCH /api/me/policies   {"policies": [{"value_id"|"field", "view", "download", "sync"}]}
GET   /api/me/purposes   {"personal": true, ...}
PATCH /api/me/purposes   any subset of the purposes, as booleans

Every refusal is a 400 with a message, and changes nothing. Errors are JSON
``{"code", "message"}``: ``invalid_request`` (400, with ``details`` where a
value was refused), ``login_required`` (401).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from app.extensions import db
from app.privacy.batches import BatchRefused, apply_batch
from app.privacy.schemas import PurposesSchema, ValuePolicySchema
from app.privacy.services import purposes_of, set_purposes
from app.profiles.services import values_of
from app.web.inputs import BadJson, json_body
from app.web.responses import json_error
from permissions.explain import explain

bp = Blueprint("privacy_api", __name__, url_prefix="/api/me")


def _bad_request(message: str, details: Any = None) -> tuple[Response, int]:
    # ``invalid_request``, as the partner API's 400s (found by review: no code).
    extra = {"details": details} if details is not None else {}
    # "error" keeps the value clients saw before the code was added (found by review).
    return json_error(400, message, error="Bad request", **extra)


def _policies_document() -> dict[str, Any]:
    values = values_of(db.session, current_user.id)
    rows = [
        {
            "id": v.id,
            "field": v.field,
            "label": v.label.value if v.label else None,
            "value": v.value,
            "is_primary": v.is_primary,
            "policy": v.policy,
            "explanation": explain(v.policy, f"this {v.field.caption.lower()}"),
        }
        for v in values
    ]
    return {"values": ValuePolicySchema(many=True).dump(rows)}


@bp.get("/policies")
@login_required
def get_policies() -> Response:
    """The member's values and their policies."""
    response = jsonify(_policies_document())
    response.headers["X-CSRF-Token"] = generate_csrf()
    return response


@bp.patch("/policies")
@login_required
def patch_policies() -> Response | tuple[Response, int]:
    """Change several policies at once; all or nothing."""
    try:
        changed = apply_batch(db.session, current_user.id, json_body(), source="api")
    except BadJson as exc:
        return _bad_request(str(exc))
    except BatchRefused as exc:
        db.session.rollback()
        return _bad_request(str(exc), exc.details)
    db.session.commit()
    return jsonify({"changed": [c.value.id for c in changed], **_policies_document()})


@bp.get("/purposes")
@login_required
def get_purposes() -> Response:
    """Which purposes the member allows."""
    return jsonify({p.value: ok for p, ok in purposes_of(db.session, current_user.id).items()})


@bp.patch("/purposes")
@login_required
def patch_purposes() -> Response | tuple[Response, int]:
    """Change purpose choices (objections, marketing opt-in)."""
    try:
        data = PurposesSchema().load(json_body())
    except BadJson as exc:
        return _bad_request(str(exc))
    except ValidationError as exc:
        return _bad_request(
            "Send booleans for personal, recruiting, sales, marketing.", exc.messages
        )
    set_purposes(db.session, current_user.id, PurposesSchema.to_purposes(data))
    db.session.commit()
    return get_purposes()
