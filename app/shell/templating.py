"""Template filters and the values every page's navigation needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from flask import Flask
from flask_login import current_user
from sqlalchemy import func, select

from app.extensions import db
from app.models.network import Invitation, InvitationStatus
from app.notifications.services import unread_count
from app.profiles.phones import for_people
from permissions import Action, Audience, Field, ValueLabel
from permissions.explain import explain, why_refused


def format_when(value: datetime | None) -> str:
    """A timestamp as people read it, always in UTC: "22 Nov 2026, 14:03 UTC"."""
    if value is None:
        return ""
    return f"{value:%d %b %Y, %H:%M} UTC"


def format_day(value: datetime | None) -> str:
    """A date: "22 Nov 2026"."""
    return "" if value is None else f"{value:%d %b %Y}"


class ShownValue(Protocol):
    """A profile value as pages get it: stored, released by the engine, or previewed."""

    @property
    def field(self) -> Field: ...

    @property
    def value(self) -> str: ...


def shown(value: ShownValue) -> str:
    """A value as a page shows it: a phone number formatted for people, the rest as stored."""
    return for_people(value.value) if value.field is Field.PHONE else value.value


def _nav() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"pending_invitations": 0, "unread_notifications": 0}
    pending = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(
            Invitation.recipient_id == current_user.id,
            Invitation.status == InvitationStatus.PENDING,
        )
    )
    return {
        "pending_invitations": pending or 0,
        "unread_notifications": unread_count(db.session, current_user.id),
    }


# A flash message with the category "at:<element id>" belongs next to that
# element (the page opens scrolled to it, so one at the top would be out of
# view): base.html shows the others, the page shows these where they belong.
PLACED = "at:"
Flashes = list[tuple[str, str]]


def unplaced(messages: Flashes) -> Flashes:
    """The flash messages that go at the top of the page."""
    return [(c, m) for c, m in messages if not c.startswith(PLACED)]


def placed(messages: Flashes, where: str) -> list[str]:
    """The flash messages that go next to the element ``where``."""
    return [m for c, m in messages if c == PLACED + where]


def register_templating(app: Flask) -> None:
    """Attach filters, globals and the navigation context to ``app``."""
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["explain"] = explain
    app.jinja_env.filters["why_refused"] = why_refused
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["unplaced"] = unplaced
    app.jinja_env.filters["placed"] = placed
    app.jinja_env.globals.update(
        Field=Field, Action=Action, Audience=Audience, ValueLabel=ValueLabel
    )
    app.context_processor(_nav)
