"""Sign up, sign in, sign out, and the account page (password, sign-in e-mail)."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts.deletion import delete_account
from app.accounts.email_change import (
    LINK_LIFETIME,
    LinkRefused,
    confirm_email_change,
    read_link,
    request_email_change,
)
from app.accounts.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    PasswordChangeForm,
    SignInForm,
    SignUpForm,
)
from app.accounts.services import (
    AccountError,
    EmailTaken,
    WrongPassword,
    authenticate,
    change_password,
    close_session,
    load_session,
    open_session,
    sign_up,
    verify_password,
)
from app.extensions import db, limiter, login_manager
from app.models.accounts import Member
from app.web.navigation import local_target, referring_page
from app.web.responses import json_error, wants_json

bp = Blueprint("accounts", __name__)

# Set in the browser session a member signed up in, so its home page welcomes
# them rather than back (found by review); signing in again starts afresh.
SIGNED_UP_HERE = "signed_up_here"


def signed_up_here() -> bool:
    """True in the browser session the signed-in member created their account in."""
    return bool(session.get(SIGNED_UP_HERE))


def configure_login(app: Flask) -> None:
    """Wire flask-login to server-side sign-in sessions."""
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def _unauthorized() -> Response | tuple[Response, int]:
        if wants_json():
            # A stable code, as every API error has (found by review: it had none).
            return json_error(401, "Sign in first.", code="login_required", error="Unauthorized")
        here = request.full_path.rstrip("?")
        if request.method in ("GET", "HEAD"):
            flash(login_manager.login_message, login_manager.login_message_category)
            return redirect(url_for("accounts.signin", next=here))
        # A form sent after the sign-in ended (a button on a page left open). Most
        # forms post to an address that takes POST only, so coming back to it after
        # signing in was a "405 Method not allowed" page (found by a new-user walk):
        # come back to the page the form was on instead, and say nothing was done.
        # A page that posts to itself (the consent page) is its own way back.
        rule = request.url_rule
        shows_a_page = rule is not None and "GET" in (rule.methods or ())
        flash(
            "Please sign in again. Nothing was changed: try again once you are signed in.",
            login_manager.login_message_category,
        )
        back = here if shows_a_page else referring_page()
        return redirect(url_for("accounts.signin", next=back))

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
            return render_template("accounts/signup.html", form=form, email_taken=True), 409
        except (AccountError, ValueError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            return render_template("accounts/signup.html", form=form), 400
        db.session.commit()
        _start_session(member)
        session[SIGNED_UP_HERE] = True
        flash(
            "Welcome to Fieldgate. Your e-mail is seen by your connections only and is never"
            " downloaded: check who sees what below.",
            "success",
        )
        return redirect(url_for("profiles.own"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/signup.html", form=form), status


def _sign_in_failed(response: Response) -> bool:
    # Only failed attempts count (a sign-in that worked redirects): people
    # behind one shared address must not lock each other out by signing in.
    return response.status_code != 302


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_sign_in_failed)
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
def signout() -> Response:
    """End this browser's session, on the server too.

    Open to a browser whose sign-in already ended: pressing "Sign out" on a page
    left open then says so, instead of asking to sign in first (found by a
    new-user walk). The form still needs its CSRF token.
    """
    close_session(db.session, current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("web.home"))


# --- the account page ---------------------------------------------------------------------

_LINK_HOURS = int(LINK_LIFETIME.total_seconds() // 3600)


def _account_page(
    *,
    password_form: PasswordChangeForm | None = None,
    email_form: EmailChangeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "accounts/account.html",
        password_form=password_form or PasswordChangeForm(prefix="password", formdata=None),
        email_form=email_form or EmailChangeForm(prefix="email", formdata=None),
        link_hours=_LINK_HOURS,
    ), status


@bp.get("/account")
@login_required
def account() -> tuple[str, int]:
    """How the member signs in: e-mail and password, and a link to their public profile."""
    return _account_page()


@bp.post("/account/password")
@login_required
@limiter.limit("10 per 10 minutes")
def password() -> Response | tuple[str, int]:
    """Change the password; every other browser is signed out."""
    form = PasswordChangeForm(prefix="password")
    if not form.validate_on_submit():
        return _account_page(password_form=form, status=400)
    member: Member = current_user._get_current_object()
    try:
        change_password(
            db.session,
            member,
            current=form.current_password.data or "",
            new=form.new_password.data or "",
        )
    except WrongPassword as exc:
        db.session.rollback()
        form.current_password.errors = [str(exc)]
        return _account_page(password_form=form, status=403)
    except AccountError as exc:
        db.session.rollback()
        form.new_password.errors = [str(exc)]
        return _account_page(password_form=form, status=400)
    db.session.commit()
    _start_session(member)
    flash("Password changed. Any other browser signed in to your account is signed out.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per 10 minutes", methods=["POST"])
def delete() -> Response | tuple[str, int]:
    """Delete the account, after the password and a tick; the browser is signed out."""
    form = DeleteAccountForm()
    if not form.is_submitted():
        return render_template("accounts/delete.html", form=form), 200
    member: Member = current_user._get_current_object()
    if not form.validate():
        _also_check_password(form, member)  # every mistake at once, not one per try
        return render_template("accounts/delete.html", form=form), 400
    try:
        delete_account(
            db.session,
            member,
            form.current_password.data or "",
            current_app.extensions.get("account_erasers", ()),
        )
    except WrongPassword as exc:
        db.session.rollback()
        form.current_password.errors = [str(exc)]
        return render_template("accounts/delete.html", form=form), 403
    db.session.commit()
    logout_user()
    session.clear()
    flash(
        "Your account is deleted and your data is erased. The access log keeps its records of"
        " who read whose data (no values), as the deletion page said.",
        "success",
    )
    return redirect(url_for("web.home"))


def _also_check_password(form: DeleteAccountForm, member: Member) -> None:
    """Report a wrong password along with the form's other errors (found by review)."""
    typed = form.current_password.data or ""
    if not typed or form.current_password.errors:
        return
    try:
        verify_password(member, typed)
    except WrongPassword as exc:
        form.current_password.errors = [str(exc)]


def _send_link(address: str, token: str) -> bool:
    """Deliver the confirmation link; False if it could not be sent.

    Fieldgate has no mail transport yet. In development the link is written
    to the server log, where the developer can open it; elsewhere a link in a
    log would be a secret in the wrong place, so nothing is sent.
    """
    if current_app.config["ENV_NAME"] != "development":
        current_app.logger.warning("No mail transport: an e-mail change link was not sent.")
        return False
    link = url_for("accounts.confirm_email_page", token=token, _external=True)
    current_app.logger.info("E-mail change: confirmation link for <%s>: %s", address, link)
    return True


@bp.post("/account/email")
@login_required
@limiter.limit("10 per hour")
def email() -> Response | tuple[str, int]:
    """Ask to sign in with another e-mail: a link to the new address confirms it."""
    form = EmailChangeForm(prefix="email")
    if not form.validate_on_submit():
        return _account_page(email_form=form, status=400)
    try:
        address, token = request_email_change(
            db.session,
            current_user,
            new_email=form.new_email.data or "",
            password=form.current_password.data or "",
            secret_key=current_app.config["SECRET_KEY"],
        )
    except WrongPassword as exc:
        form.current_password.errors = [str(exc)]
        return _account_page(email_form=form, status=403)
    except EmailTaken as exc:
        form.new_email.errors = [str(exc)]
        return _account_page(email_form=form, status=409)
    except AccountError as exc:
        form.new_email.errors = [str(exc)]
        return _account_page(email_form=form, status=400)
    if not _send_link(address, token):
        form.form_errors.append("Fieldgate cannot send e-mail yet, so the link was not sent.")
        return _account_page(email_form=form, status=503)
    flash(
        f"We sent a link to {address}. Open it within {_LINK_HOURS} hours to sign in with "
        "that address; until then you sign in as before.",
        "success",
    )
    return redirect(url_for("accounts.account"))


def _confirm_page(token: str, *, error: str | None = None, status: int = 200) -> tuple[str, int]:
    try:
        change = read_link(token, current_user, secret_key=current_app.config["SECRET_KEY"])
    except LinkRefused as exc:
        change, error, status = None, str(exc), 400
    return render_template(
        "accounts/confirm_email.html", token=token, change=change, error=error
    ), status


@bp.get("/account/email/<token>")
@login_required
def confirm_email_page(token: str) -> tuple[str, int]:
    """The link's landing page: which address it sets, and a button to confirm."""
    return _confirm_page(token)


@bp.post("/account/email/<token>")
@login_required
@limiter.limit("20 per hour")
def confirm_email(token: str) -> Response | tuple[str, int]:
    """Sign in with the link's address from now on."""
    try:
        address = confirm_email_change(
            db.session, current_user, token, secret_key=current_app.config["SECRET_KEY"]
        )
    except EmailTaken as exc:
        db.session.rollback()
        return _confirm_page(token, error=str(exc), status=409)
    except AccountError as exc:
        db.session.rollback()
        return _confirm_page(token, error=str(exc), status=400)
    db.session.commit()
    flash(f"Done: you sign in with {address} from now on.", "success")
    return redirect(url_for("accounts.account"))
