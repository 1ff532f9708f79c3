"""The privacy settings page: the policy matrix, presets, purposes, preview and history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.disclosure.cards import member_cards, member_name
from app.disclosure.preview import VIEWPOINTS, preview
from app.extensions import db
from app.models.accounts import Member
from app.models.audit import Place
from app.privacy.batches import (
    BatchRefused,
    apply_batch,
    batch_from_form,
    matrix_choices,
    shown_on_page,
)
from app.privacy.services import (
    apply_updates,
    plan_updates,
    policy_history,
    preset_updates,
    purpose_history,
    purposes_of,
    set_purposes,
)
from app.privacy.suppression import (
    SuppressionError,
    suppress,
    suppressions_of,
    unsuppress,
)
from app.profiles.services import values_of
from app.web.navigation import carried_query, local_target
from app.web.requester import current_requester
from permissions import PRESETS, Action, Audience, FieldGroup, Purpose
from permissions.explain import every_explanation

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

GROUP_TITLES = {
    FieldGroup.BASIC: ("Professional profile", "Your name and what you do."),
    FieldGroup.CONTACT: ("Contact details", "How people can reach you. Start narrow."),
    FieldGroup.PERSONAL: ("Personal details", "Birthday and address."),
}
PURPOSE_TEXT = {
    Purpose.PERSONAL: "Personal use: a connection keeps your details in their own address book.",
    Purpose.RECRUITING: "Recruiting: a recruiter exports your details to contact you about jobs.",
    Purpose.SALES: "Sales: a seller exports your details to contact you about products.",
    Purpose.MARKETING: "Marketing: your details may go into bulk mailings. Off unless you opt in.",
}


def _viewpoint_args() -> tuple[Any, Purpose]:
    viewpoint = VIEWPOINTS.get(request.args.get("viewpoint", "connection"))
    if viewpoint is None:
        abort(400, "Choose one of the listed viewpoints.")
    try:
        purpose = Purpose(request.args.get("purpose", Purpose.RECRUITING.value))
    except ValueError:
        abort(400, "Choose one of the listed purposes.")
    return viewpoint, purpose


def _render(
    status: int = 200, errors: dict[int, str] | None = None, chosen: dict | None = None
) -> tuple[str, int]:
    values = values_of(db.session, current_user.id)
    viewpoint, purpose = _viewpoint_args()
    groups = {g: [v for v in values if v.field.group is g] for g in FieldGroup}
    return render_template(
        "privacy/settings.html",
        groups={g: vs for g, vs in groups.items() if vs},
        group_titles=GROUP_TITLES,
        actions=list(Action),
        audiences=list(Audience),
        errors=errors or {},
        chosen=chosen or {},
        presets=PRESETS,
        viewpoints=VIEWPOINTS,
        viewpoint=viewpoint,
        purpose=purpose,
        outcome=preview(db.session, current_user.id, viewpoint, purpose),
        purposes=purposes_of(db.session, current_user.id),
        purpose_text=PURPOSE_TEXT,
        kept_out=_kept_out(),
        explanations=every_explanation(),
    ), status


@bp.get("")
@login_required
def settings() -> tuple[str, int]:
    """The privacy settings page."""
    return _render()


@bp.post("/policies")
@login_required
def save_policies() -> Response | tuple[str, int]:
    """Save the matrix: every changed cell, all together or nothing."""
    form = request.form.to_dict()
    raw = batch_from_form(form)
    chosen = matrix_choices(raw)
    try:
        changed = apply_batch(
            db.session, current_user.id, raw, source="settings", shown=shown_on_page(form)
        )
    except BatchRefused as exc:
        db.session.rollback()
        if exc.per_value:
            flash("Nothing was saved. Fix the highlighted values.", "error")
        else:
            flash(f"Nothing was saved: {_first_message(exc.details)}", "error")
        return _render(400, errors=exc.per_value, chosen=chosen)
    db.session.commit()
    # "Saved. 0 values changed." said something was saved; the purposes form says this.
    flash(f"Saved. {_values(len(changed))} changed." if changed else "Nothing changed.", "success")
    return redirect(url_for("privacy.settings", **carried_query("viewpoint", "purpose")))


def _first_message(messages: Any) -> str:
    while isinstance(messages, dict):
        messages = next(iter(messages.values()))
    if isinstance(messages, list) and messages:
        return _first_message(messages[0]) if not isinstance(messages[0], str) else messages[0]
    return str(messages)


@bp.get("/presets/<name>")
@login_required
def confirm_preset(name: str) -> str:
    """Show what a preset would change, and ask for confirmation."""
    if name not in PRESETS:
        abort(404, "There is no such preset.")
    planned = plan_updates(
        db.session, current_user.id, preset_updates(db.session, current_user.id, name)
    )
    return render_template("privacy/preset.html", preset=PRESETS[name], planned=planned)


@bp.post("/presets/<name>")
@login_required
def apply_preset(name: str) -> Response:
    """Apply a preset after confirmation."""
    if name not in PRESETS:
        abort(404, "There is no such preset.")
    changed = apply_updates(
        db.session,
        current_user.id,
        preset_updates(db.session, current_user.id, name),
        source=f"preset:{name}",
    )
    db.session.commit()
    flash(f"Applied “{PRESETS[name].title}”: {_values(len(changed))} changed.", "success")
    return redirect(url_for("privacy.settings"))


@bp.post("/purposes")
@login_required
def save_purposes() -> Response:
    """Save which purposes the member allows (checked boxes) and the marketing opt-in."""
    allowed = {p: request.form.get(f"purpose-{p.value}") == "on" for p in Purpose}
    changed = set_purposes(db.session, current_user.id, allowed)
    db.session.commit()
    flash("Purposes saved." if changed else "Nothing changed.", "success")
    return redirect(url_for("privacy.settings"))


def _requester(handle: str) -> Member:
    requester = db.session.scalar(select(Member).where(Member.handle == handle[:16]))
    if requester is None:
        abort(404, "There is no member at this address.")
    if requester.deleted_at is not None:
        abort(404, "This member deleted their account.")
    return requester


@bp.post("/suppressions/<handle>")
@login_required
def keep_out(handle: str) -> Response:
    """ "Never export me again": keep the member out of this requester's exports."""
    requester = _requester(handle)
    try:
        added = suppress(db.session, current_user.id, requester.id)
    except SuppressionError as exc:
        abort(400, str(exc))
    db.session.commit()
    name = _name_of(requester)
    flash(
        f"{name} can no longer put you in their exports, even if you reconnect."
        if added
        else f"You were already kept out of the exports of {name}.",
        "success",
    )
    return redirect(local_target(request.form.get("back"), url_for("privacy.settings")))


@bp.post("/suppressions/<handle>/remove")
@login_required
def allow_again(handle: str) -> Response:
    """Undo "never export me again": the member's settings decide again."""
    requester = _requester(handle)
    unsuppress(db.session, current_user.id, requester.id)
    db.session.commit()
    flash(f"Exports by {_name_of(requester)} follow your privacy settings again.", "success")
    return redirect(local_target(request.form.get("back"), url_for("privacy.settings")))


def _name_of(requester: Member) -> str:
    """The requester as the member may see them: a view, decided and logged."""
    return member_name(db.session, current_requester(), requester.id, Place.PRIVACY)


def _kept_out() -> list[dict[str, Any]]:
    rows = suppressions_of(db.session, current_user.id)
    cards = member_cards(
        db.session, current_requester(), [r.requester_id for r in rows], Place.PRIVACY
    )
    return [
        {"card": cards[r.requester_id], "since": r.created_at}
        for r in rows
        if r.requester_id in cards
    ]


def _values(n: int) -> str:
    return f"{n} value{'' if n == 1 else 's'}"


_SOURCES = {"settings": "Privacy settings", "api": "Privacy API"}


def how_changed(source: str) -> str:
    """Where a change was made, in words ("Preset “Recruiters”", not ``preset:recruiters``)."""
    kind, _, name = source.partition(":")
    if kind == "preset":
        return f"Preset “{PRESETS[name].title}”" if name in PRESETS else "A preset"
    return _SOURCES.get(source, source.capitalize())


# Changes of each kind the page lists; the self export holds every one.
HISTORY_SHOWN = 200


@bp.get("/history")
@login_required
def history() -> str:
    """The member's latest changes to policies and purposes, newest first.

    One more than is shown is read, so the page says when older changes are
    left out (found by review: it said "every change" and silently showed 200).
    """
    changes = policy_history(db.session, current_user.id, limit=HISTORY_SHOWN + 1)
    purpose_changes = purpose_history(db.session, current_user.id, limit=HISTORY_SHOWN + 1)
    return render_template(
        "privacy/history.html",
        changes=changes[:HISTORY_SHOWN],
        purpose_changes=purpose_changes[:HISTORY_SHOWN],
        shown=HISTORY_SHOWN,
        older_left_out=max(len(changes), len(purpose_changes)) > HISTORY_SHOWN,
        how_changed=how_changed,
    )
