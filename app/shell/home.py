"""The home page: a landing page when signed out, a dashboard when signed in."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.views import signed_up_here
from app.extensions import db
from app.models.network import Connection
from app.network.services import pending_received
from app.profiles.services import values_of

bp = Blueprint("web", __name__)


@bp.get("/")
def home() -> str:
    """Landing page or dashboard."""
    if not current_user.is_authenticated:
        return render_template("landing.html")
    connections = db.session.scalar(
        select(func.count()).select_from(Connection).where(Connection.member_id == current_user.id)
    )
    values = values_of(db.session, current_user.id)
    names = {v.field: v.value for v in values if not v.field.multi_valued}
    return render_template(
        "dashboard.html",
        names=names,
        connections=connections or 0,
        invitations=len(pending_received(db.session, current_user.id)),
        value_count=len(values),
        # Brand-new: signed up in this browser session and connected to nobody yet.
        # A member with connections has been around, whichever session this is.
        returning=bool(connections) or not signed_up_here(),
    )
