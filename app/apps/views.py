"""Pages of partner apps: the consent page, connected apps, and the developer portal."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.apps import blocks, grants, history, registration
from app.apps.connected import connected_apps_page
from app.apps.consent import ConsentPage, consent_page
from app.apps.forms import AppForm, ConsentForm
from app.apps.oauth import AuthorizationCodeGrant
from app.apps.registration import AppError, AppNotFound
from app.apps.scopes import parse_scopes
from app.apps.server import authorization_server
from app.apps.settings import issuer, lifetimes
from app.extensions import db, login_manager
from app.models.accounts import Member
from app.models.apps import OAuthClient, OAuthEventKind
from app.web.headers import content_security_policy
from app.web.requester import current_requester
from permissions import Scope

bp = Blueprint("apps", __name__)
Page = str | Response | tuple[str, int]


def _consent_headers(response: Response, page: ConsentPage | None = None) -> Response:
    # The consent page cannot be framed (X-Frame-Options and frame-ancestors
    # are global) or cached (global no-store); its URL carries the request's
    # state, which no referrer needs; and its form leads back to the app.
    response.headers["Referrer-Policy"] = "no-referrer"
    if page is not None:
        response.headers["Content-Security-Policy"] = content_security_policy([page.return_origin])
    return response


def _error_page(error: OAuth2Error) -> Response:
    html = render_template("apps/authorize_error.html", error=error)
    return _consent_headers(make_response(html, 400))


def _return_to_app(app: OAuthClient, back: Response) -> Response:
    """The redirect back to the app, or a page that leads there when a redirect would be blocked.

    Browsers apply a form's CSP ``form-action`` to every redirect that follows
    its submission: arriving here straight from our sign-in form (a navigation
    from our own site), a redirect to the app would be refused. A page that
    moves on by itself starts a navigation of its own.
    """
    if request.headers.get("Sec-Fetch-Site") != "same-origin" or back.location is None:
        return _consent_headers(back)
    html = render_template("apps/returning.html", app=app, location=back.location)
    return _consent_headers(make_response(html, 200))


def _refused(error: OAuth2Error) -> Response:
    """The answer to an authorization request Authlib refused: a page, never a redirect.

    RFC 9700 4.11.2: authenticate the user first, and send them on by
    itself only to a redirect URI the server trusts. Any member can register
    an app with any https redirect URI, so none is trusted: an erroneous
    request sent straight back made /oauth/authorize a redirect from our own
    address to wherever an app said, a phishing link's best start (found by
    review). A signed-in member sees what went wrong and where the link back
    leads, and goes on only if they choose; the app learns why through that
    link (``error``, ``state``, ``iss``). A signed-out visitor signs in first.
    """
    back = authorization_server.error_redirect(error)
    if back is None or back.location is None:
        return _error_page(error)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    # error_redirect validated the client and its redirect URI already.
    client = authorization_server.query_client(request.values.get("client_id"))
    assert client is not None, "an error is sent back only to a registered app"
    parts = urlsplit(back.location)
    html = render_template(
        "apps/refused.html",
        app=client.row,
        error=error,
        location=back.location,
        destination=f"{parts.scheme}://{parts.netloc}",
    )
    return _consent_headers(make_response(html, 400))


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    """The authorization endpoint: validate, then ask the member (or reuse their grant)."""
    try:
        grant = authorization_server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _refused(error)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    member: Member = current_user._get_current_object()
    app: OAuthClient = grant.client.row
    scopes = parse_scopes(grant.request.scope)
    if blocks.is_blocked(db.session, member.id, app.id):
        return _consent_headers(make_response(render_template("apps/blocked.html", app=app), 403))
    remembered = grants.active_grant(db.session, member.id, app.id)
    if request.method == "GET" and remembered is not None and grants.covers(remembered, scopes):
        return _return_to_app(app, authorization_server.approve(grant, member, remembered))
    form = ConsentForm()
    if form.validate_on_submit():
        return _answer(grant, member, app, scopes, allow=form.decision.data == "allow")
    page = consent_page(
        db.session,
        current_requester(),
        app,
        scopes,
        remembered,
        grant.redirect_uri,
        lifetimes().grant,
    )
    html = render_template("apps/consent.html", page=page, form=form)
    return _consent_headers(make_response(html, 400 if form.is_submitted() else 200), page)


def _answer(
    grant: AuthorizationCodeGrant,
    member: Member,
    app: OAuthClient,
    scopes: frozenset[Scope],
    *,
    allow: bool,
) -> Response:
    """Record the member's answer and send them back to the app with a code or access_denied."""
    if not allow:
        history.record(db.session, member.id, app, OAuthEventKind.DENIED, scopes)
        db.session.commit()
        return _consent_headers(authorization_server.deny(grant))
    given = grants.consent(db.session, member.id, app, scopes, lifetimes().grant)
    db.session.commit()
    return _consent_headers(authorization_server.approve(grant, member, given))


@bp.get("/apps")
@login_required
def connected() -> str:
    """Connected apps: grants, what each app received, blocks, and the security history."""
    return render_template(
        "apps/connected.html", page=connected_apps_page(db.session, current_user.id)
    )


@bp.post("/apps/grants/<id:grant_id>/revoke")
@login_required
def revoke(grant_id: int) -> Response:
    """Revoke one of my grants: its tokens stop working at once."""
    try:
        granted = grants.member_grant(db.session, current_user.id, grant_id)
    except grants.GrantNotFound as exc:
        abort(404, str(exc))
    grants.revoke(
        db.session, granted.grant, granted.app, "member", OAuthEventKind.REVOKED_BY_MEMBER
    )
    db.session.commit()
    flash(f"{granted.app.name} can no longer use your data.", "success")
    return redirect(url_for("apps.connected"))


def _app_or_404(app_id: int) -> OAuthClient:
    try:
        return blocks.existing_app(db.session, app_id)
    except blocks.UnknownApp as exc:
        abort(404, str(exc))


@bp.post("/apps/<id:app_id>/block")
@login_required
def block(app_id: int) -> Response:
    """Block an app from receiving any of my data, through anyone's grant."""
    app = _app_or_404(app_id)
    blocks.block(db.session, current_user.id, app)
    db.session.commit()
    flash(f"{app.name} is blocked: it gets none of your data, through anyone.", "success")
    return redirect(url_for("apps.connected"))


@bp.post("/apps/<id:app_id>/unblock")
@login_required
def unblock(app_id: int) -> Response:
    """Lift my block of an app."""
    app = _app_or_404(app_id)
    blocks.unblock(db.session, current_user.id, app)
    db.session.commit()
    flash(f"{app.name} is no longer blocked.", "success")
    return redirect(url_for("apps.connected"))


@bp.get("/developers")
@login_required
def portal() -> str:
    """The developer portal: my apps and how many members granted each."""
    apps = registration.developer_apps(db.session, current_user.id)
    life = lifetimes()
    return render_template(
        "apps/portal.html",
        apps=apps,
        access_minutes=int(life.access.total_seconds()) // 60,
        refresh_days=life.refresh.days,
    )


# The forms (their ``once`` values) this browser registered an app with, and
# the apps: a form sent again leads to its app instead of registering another.
REGISTERED_FORMS = "registered_forms"
REMEMBERED_FORMS = 10


@bp.route("/developers/apps/new", methods=["GET", "POST"])
@login_required
def register() -> Page:
    """Register an app; its client secret is shown once, on the page this answers with.

    The secret is not kept anywhere to show again, so there is no redirect
    after the POST; instead the form carries a one-time value, and sending
    the same form again (reloading that page) leads to the app it registered.
    """
    form = AppForm()
    if not form.is_submitted():
        form.once.data = secrets.token_urlsafe(16)
    if form.validate_on_submit():
        done: dict[str, int] = session.get(REGISTERED_FORMS, {})
        earlier = done.get(form.once.data or "")
        if earlier is not None:
            flash(
                "That form was sent again, so nothing new was registered. The client secret "
                "was shown once; if you did not copy it, replace it here.",
                "info",
            )
            return redirect(url_for("apps.detail", app_id=earlier))
        try:
            app, secret = registration.register_app(db.session, current_user.id, form.details())
        except AppError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            return render_template("apps/register.html", form=form), 400
        db.session.commit()
        if form.once.data:
            remembered = [*done.items()][-(REMEMBERED_FORMS - 1) :]
            session[REGISTERED_FORMS] = dict([*remembered, (form.once.data, app.id)])
        return _detail(app, secret, created=True), 201
    status = 400 if form.is_submitted() else 200
    return render_template("apps/register.html", form=form), status


def _secret_version(app: OAuthClient) -> str:
    key = current_app.secret_key or ""
    return registration.secret_version(app, key if isinstance(key, bytes) else key.encode())


def _own_app(app_id: int) -> OAuthClient:
    try:
        return registration.developer_app(db.session, current_user.id, app_id)
    except AppNotFound as exc:
        abort(404, str(exc))


def _detail(app: OAuthClient, secret: str | None = None, created: bool = False) -> str:
    return render_template(
        "apps/detail.html",
        app=app,
        grants=registration.live_grants(db.session, app.id),
        secret=secret,
        created=created,
        scopes=parse_scopes(app.allowed_scope),
        redirect_uris=registration.redirect_uris_of(app),
        issuer=issuer(),
        secret_version=_secret_version(app),
    )


@bp.get("/developers/apps/<id:app_id>")
@login_required
def detail(app_id: int) -> str:
    """One of my apps: client id, endpoints, redirect URIs, grants; rotate or delete."""
    return _detail(_own_app(app_id))


@bp.post("/developers/apps/<id:app_id>/secret")
@login_required
def rotate_secret(app_id: int) -> Page:
    """Replace the client secret; the new one is shown once, here.

    The form names the secret it replaces: sent again (a reload of this
    page), it finds that secret already replaced and replaces nothing.
    """
    app = _own_app(app_id)
    replaces = request.form.get("replaces")
    if replaces is not None and replaces != _secret_version(app):
        flash(
            "That secret was replaced already, so nothing changed. The new secret was shown "
            "once; if you did not copy it, replace it again.",
            "info",
        )
        return redirect(url_for("apps.detail", app_id=app.id))
    secret = registration.rotate_secret(db.session, app)
    db.session.commit()
    return _detail(app, secret)


@bp.post("/developers/apps/<id:app_id>/delete")
@login_required
def delete(app_id: int) -> Response:
    """Delete the app and revoke every grant members gave it."""
    app = _own_app(app_id)
    revoked = registration.delete_app(db.session, app)
    db.session.commit()
    flash(
        f"{app.name} was deleted; {revoked} grant{'s' if revoked != 1 else ''} revoked.", "success"
    )
    return redirect(url_for("apps.portal"))
