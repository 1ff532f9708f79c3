"""Sign up, sign in, sign out."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts.forms import SignInForm, SignUpForm
from app.accounts.services import (
    AccountError,
    EmailTaken,
    authenticate,
    close_session,
    load_session,
    open_session,
    sign_up,
)
from app.extensions import db, limiter, login_manager
from app.models.accounts import Member
from app.web.navigation import local_target
from app.web.responses import wants_json

bp = Blueprint("accounts", __name__)


def configure_login(app: Flask) -> None:
    """Wire flask-login to server-side sign-in sessions."""
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized() -> Response | tuple[Response, int]:
        if wants_json():
            body = {"error": "Unauthorized", "message": "Sign in first.", "status": 401}
            return jsonify(body), 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("accounts.signin", next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def _load(token: str) -> Member | None:
        config = current_app.config
        member = load_session(
            db.session,
            token,
            idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        )
        db.session.commit()
        return member


def _start_session(member: Member) -> None:
    # A fresh session at sign-in: nothing from before (including the CSRF
    # token) carries over, so a planted session id or token is useless.
    session.clear()
    open_session(db.session, member)
    db.session.commit()
    login_user(member)
    session.permanent = True


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup() -> str | Response | tuple[str, int]:
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            member = sign_up(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                first_name=form.first_name.data or "",
                last_name=form.last_name.data or "",
            )
        except EmailTaken as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
            return render_template("accounts/signup.html", form=form), 409
        except (AccountError, ValueError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            return render_template("accounts/signup.html", form=form), 400
        db.session.commit()
        _start_session(member)
        flash(
            "Welcome to Fieldgate. Your contact details start private: check them below.", "success"
        )
        return redirect(url_for("profiles.own"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"])
def signin() -> str | Response | tuple[str, int]:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            member = authenticate(
                db.session, email=form.email.data or "", password=form.password.data or ""
            )
        except AccountError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            return render_template("accounts/signin.html", form=form), 401
        db.session.commit()
        _start_session(member)
        return redirect(local_target(request.args.get("next"), url_for("web.home")))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/signin.html", form=form), status


@bp.post("/signout")
@login_required
def signout() -> Response:
    """End this browser's session, on the server too."""
    close_session(db.session, current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("web.home"))
