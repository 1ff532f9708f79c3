"""The notifications list and the access-digest setting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField

from app.clock import utcnow
from app.extensions import db
from app.notifications.services import (
    digest_enabled,
    ensure_digest,
    mark_all_read,
    notifications_of,
    set_digest_enabled,
)
from app.web.forms import PageForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


class DigestForm(PageForm):
    """Whether the member wants the weekly access digest."""

    access_digest = BooleanField("Send me a weekly digest of who accessed my data")


@bp.get("")
@login_required
def inbox() -> str:
    """The member's notifications, with a fresh digest if one is due."""
    if ensure_digest(db.session, current_user.id, utcnow()) is not None:
        db.session.commit()
    form = DigestForm(access_digest=digest_enabled(db.session, current_user.id))
    return render_template(
        "notifications/inbox.html",
        notices=notifications_of(db.session, current_user.id),
        form=form,
    )


@bp.post("/read")
@login_required
def read_all() -> Response:
    """Mark every notification read."""
    mark_all_read(db.session, current_user.id, utcnow())
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.post("/settings")
@login_required
def settings() -> Response:
    """Turn the access digest on or off."""
    form = DigestForm()
    if not form.validate_on_submit():
        flash("That setting could not be saved; reload the page and try again.", "error")
        return redirect(url_for("notifications.inbox"))
    set_digest_enabled(db.session, current_user.id, form.access_digest.data)
    db.session.commit()
    state = "on" if form.access_digest.data else "off"
    flash(f"The weekly access digest is {state}.", "success")
    return redirect(url_for("notifications.inbox"))
