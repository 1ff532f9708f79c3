"""Other members: their profile pages, search, connections and invitations."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.disclosure.cards import card_from_outcome, member_cards, member_name
from app.disclosure.preview import VIEWPOINTS, preview
from app.disclosure.service import disclose
from app.extensions import db, limiter
from app.models.accounts import Member
from app.models.audit import Place
from app.models.network import Connection
from app.network.forms import InviteForm
from app.network.search import MAX_QUERY_LENGTH, search_members
from app.network.services import (
    InvitationNotFound,
    InvitationRefused,
    NotConnected,
    accept,
    are_connected,
    decline,
    disconnect,
    invite,
    pending_received,
    pending_sent,
    withdraw,
)
from app.privacy.suppression import is_suppressed
from app.web.inputs import page_number
from app.web.navigation import local_target
from app.web.requester import current_requester
from permissions import Action, Field

bp = Blueprint("network", __name__)
PER_PAGE = 25


@bp.get("/search")
@login_required
@limiter.limit("60 per minute")
def search() -> tuple[str, int]:
    """Find members by name."""
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        abort(400, f"Search for at most {MAX_QUERY_LENGTH} characters.")
    results = search_members(db.session, current_requester(), query, page=page_number())
    return render_template("network/search.html", results=results), 200


@bp.get("/connections")
@login_required
def connections() -> str:
    """The member's connections, newest first; past the last page, a way back to it."""
    page = page_number()
    total = db.session.query(Connection).filter(Connection.member_id == current_user.id).count()
    last_page = max(1, -(-total // PER_PAGE))
    rows = db.session.execute(
        select(Connection.other_id, Connection.created_at)
        .where(Connection.member_id == current_user.id)
        .order_by(Connection.created_at.desc(), Connection.other_id)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    shown = rows[:PER_PAGE]
    cards = member_cards(
        db.session, current_requester(), [r.other_id for r in shown], Place.CONNECTIONS
    )
    return render_template(
        "network/connections.html",
        entries=[(cards[r.other_id], r.created_at) for r in shown if r.other_id in cards],
        page=page,
        has_next=len(rows) > PER_PAGE,
        total=total,
        last_page=last_page,
    )


@bp.post("/connections/<handle>/remove")
@login_required
def remove_connection(handle: str) -> Response:
    """Disconnect from a member."""
    other = _member_or_404(handle)
    # Named as the list named them: decided (and logged) while they are still a connection.
    name = (
        member_name(db.session, current_requester(), other.id, Place.CONNECTIONS)
        if are_connected(db.session, current_user.id, other.id)
        else ""
    )
    try:
        disconnect(db.session, current_user.id, other.id)
    except NotConnected:
        abort(404, "You are not connected with this member.")
    db.session.commit()
    flash(f"{name} is no longer one of your connections.", "info")
    return redirect(url_for("network.connections"))


@bp.get("/invitations")
@login_required
def invitations() -> str:
    """Invitations received and sent that await an answer."""
    received = pending_received(db.session, current_user.id)
    sent = pending_sent(db.session, current_user.id)
    people = [i.sender_id for i in received] + [i.recipient_id for i in sent]
    cards = member_cards(
        db.session, current_requester(), list(dict.fromkeys(people)), Place.INVITATIONS
    )
    return render_template("network/invitations.html", received=received, sent=sent, cards=cards)


def _answer(invitation_id: int, action: str) -> Response:
    handlers = {"accept": accept, "decline": decline, "withdraw": withdraw}
    try:
        handlers[action](db.session, current_user.id, invitation_id)
    except InvitationNotFound:
        abort(404, "That invitation is no longer open.")
    db.session.commit()
    messages = {
        "accept": "You are now connected.",
        "decline": "Invitation declined.",
        "withdraw": "Invitation withdrawn.",
    }
    flash(messages[action], "success")
    return redirect(local_target(request.form.get("back"), url_for("network.invitations")))


@bp.post("/invitations/<id:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int) -> Response:
    """Accept an invitation."""
    return _answer(invitation_id, "accept")


@bp.post("/invitations/<id:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int) -> Response:
    """Decline an invitation."""
    return _answer(invitation_id, "decline")


@bp.post("/invitations/<id:invitation_id>/withdraw")
@login_required
def withdraw_invitation(invitation_id: int) -> Response:
    """Withdraw an invitation you sent."""
    return _answer(invitation_id, "withdraw")


def _grouped(values: list) -> dict[Field, list]:
    groups: dict[Field, list] = {}
    for value in values:
        groups.setdefault(value.field, []).append(value)
    return groups


def _invitation_state(member_id: int) -> dict[str, object]:
    if not current_user.is_authenticated or current_user.id == member_id:
        return {}
    me = current_user.id
    incoming = next((i for i in pending_received(db.session, me) if i.sender_id == member_id), None)
    outgoing = next((i for i in pending_sent(db.session, me) if i.recipient_id == member_id), None)
    return {
        "connected": are_connected(db.session, me, member_id),
        "keeping_out": is_suppressed(db.session, me, member_id),
        "incoming": incoming,
        "outgoing": outgoing,
    }


def render_member_page(
    subject: Member, *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    """Another member's profile as the current viewer may see it."""
    outcome = disclose(
        db.session, current_requester(), [subject.id], action=Action.VIEW, place=Place.PROFILE
    )[subject.id]
    return render_template(
        "network/member.html",
        subject=subject,
        card=card_from_outcome(outcome, subject.handle),
        groups=_grouped(outcome.released),
        error=error,
        invite_form=InviteForm(formdata=None),
        **_invitation_state(subject.id),
    ), status


def _member_or_404(handle: str) -> Member:
    subject = db.session.scalar(select(Member).where(Member.handle == handle))
    if subject is None:
        abort(404, "There is no member at this address.")
    if subject.deleted_at is not None:
        abort(404, "This member deleted their account.")
    return subject


# Whose eyes a member can borrow to look at their own profile page ("View as").
LOOKERS = tuple(v for v in VIEWPOINTS.values() if v.action is Action.VIEW)


def render_own_page(subject: Member) -> tuple[str, int]:
    """The member's own profile page as someone else sees it (the privacy preview).

    Only the member's own values, decided by the engine for the chosen
    viewpoint; nobody else's data is read, so nothing is logged.
    """
    key = request.args.get("as", "public")
    looker = next((v for v in LOOKERS if v.key == key), None)
    if looker is None:
        abort(400, "Choose one of the listed viewpoints to see your profile through.")
    outcome = preview(db.session, subject.id, looker)
    return render_template(
        "network/member.html",
        subject=subject,
        card=card_from_outcome(outcome, subject.handle),
        groups=_grouped(outcome.released),
        looker=looker,
        lookers=LOOKERS,
        seen_by=looker.title[:1].lower() + looker.title[1:],
    ), 200


@bp.get("/m/<handle>")
@limiter.limit("120 per minute")
def member(handle: str) -> tuple[str, int] | Response:
    """A member's profile: exactly the values the viewer may see.

    Members looking at their own page see it through someone else's eyes.
    """
    subject = _member_or_404(handle)
    if current_user.is_authenticated and current_user.id == subject.id:
        return render_own_page(subject)
    return render_member_page(subject)


@bp.post("/m/<handle>/invite")
@login_required
def send_invitation(handle: str) -> Response | tuple[str, int]:
    """Invite a member to connect."""
    recipient = _member_or_404(handle)
    form = InviteForm()
    if not form.validate():
        return render_member_page(
            recipient, error="Keep the note under 300 characters.", status=400
        )
    try:
        invite(
            db.session,
            current_user.id,
            recipient.id,
            form.message.data or "",
            per_day=current_app.config["INVITATIONS_PER_DAY"],
            cooldown_days=current_app.config["INVITATION_COOLDOWN_DAYS"],
        )
    except InvitationRefused as exc:
        db.session.rollback()
        return render_member_page(recipient, error=str(exc), status=409)
    db.session.commit()
    flash("Invitation sent.", "success")
    return redirect(url_for("network.member", handle=handle))
