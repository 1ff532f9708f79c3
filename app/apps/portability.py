"""A member's apps as their own download holds them: grants, blocks, history, apps they made.

Apps the member registered and deleted are there too, with what is still
stored of them (the name, purpose and scopes; see ``delete_app``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.apps.blocks import blocked_apps
from app.apps.grants import grants_of
from app.apps.history import security_history
from app.apps.registration import DeveloperApp, developer_apps, redirect_uris_of

EVERYTHING = 1_000_000


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def apps_document(session: Session, member_id: int) -> dict[str, Any]:
    """Every grant the member gave (live or not), their blocks, security history and apps."""
    return {
        "grants": [
            {
                "app": g.app.name,
                "homepage": g.app.homepage,
                "scopes": g.grant.scope.split(),
                "purpose": g.grant.purpose.value,
                "granted": _iso(g.grant.created_at),
                "last_consented": _iso(g.grant.consented_at),
                "last_used": _iso(g.grant.last_used_at),
                "expires": _iso(g.grant.expires_at),
                "revoked": _iso(g.grant.revoked_at),
                "revoked_because": g.grant.revoked_reason,
            }
            for g in grants_of(session, member_id, live_only=False)
        ],
        "blocked_apps": [
            {"app": b.app.name, "since": _iso(b.since)} for b in blocked_apps(session, member_id)
        ],
        "security_history": [
            {
                "when": _iso(e.occurred_at),
                "app": e.app_name,
                "event": e.kind.value,
                "what": e.kind.caption,
                "scopes": e.scope.split() if e.scope else None,
            }
            for e in security_history(session, member_id, limit=EVERYTHING)
        ],
        "apps_you_registered": [
            _registered(d) for d in developer_apps(session, member_id, deleted_too=True)
        ],
    }


def _registered(developer_app: DeveloperApp) -> dict[str, Any]:
    """What is stored of an app the member registered (a deleted one keeps little of it)."""
    app = developer_app.app
    return {
        "name": app.name,
        "client_id": app.client_id,
        "description": app.description,
        "homepage": app.homepage,
        "purpose": app.purpose.value,
        "scopes": app.allowed_scope.split(),
        "redirect_uris": redirect_uris_of(app),
        "registered": _iso(app.created_at),
        "secret_replaced": _iso(app.secret_rotated_at),
        "deleted": _iso(app.deleted_at),
        "members_with_access": developer_app.grants,
    }
