"""One's own profile (view and edit) and other members' profiles."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.extensions import db
from app.profiles.forms import ADD_HINTS, AddValueForm, LabelForm, ProfileForm
from app.profiles.services import (
    SINGLE_VALUED_FIELDS,
    ProfileError,
    ValueNotFound,
    add_value,
    make_primary,
    relabel_value,
    remove_value,
    set_single_value,
    values_of,
)
from permissions import Field, ValueLabel, default_policy
from permissions.explain import explain

bp = Blueprint("profiles", __name__)


def _grouped(values: list) -> dict[Field, list]:
    groups: dict[Field, list] = {}
    for value in values:
        groups.setdefault(value.field, []).append(value)
    return groups


@bp.get("/profile")
@login_required
def own() -> str:
    """The member's own profile, every value with who can see it."""
    values = values_of(db.session, current_user.id)
    return render_template("profiles/own.html", groups=_grouped(values))


def _render_edit(
    form: ProfileForm, status: int = 200, adding: AddValueForm | None = None
) -> tuple[str, int]:
    """The edit page; ``adding`` is a refused "Add" form, shown again at its field."""
    values = values_of(db.session, current_user.id)
    multi = {f: [v for v in values if v.field is f] for f in Field if f.multi_valued}
    return render_template(
        "profiles/edit.html",
        form=form,
        multi=multi,
        adding=adding,
        add_hints=ADD_HINTS,
    ), status


def _saved_profile_form() -> ProfileForm:
    """The main form filled with what is stored (not with what a refused request sent)."""
    form = ProfileForm(formdata=None)
    current = {v.field: v.value for v in values_of(db.session, current_user.id)}
    for field in SINGLE_VALUED_FIELDS:
        form[field.value].data = current.get(field, "")
    return form


def _save_profile(form: ProfileForm) -> bool:
    """Save every single-valued field, or none: each refusal goes to its field's errors."""
    refused = False
    for field in SINGLE_VALUED_FIELDS:
        box = form[field.value]
        if box.errors:  # the form refused it already (required, too long)
            refused = True
            continue
        try:
            set_single_value(db.session, current_user.id, field, box.data or "")
        except ProfileError as exc:
            box.errors.append(str(exc))
            refused = True
    return not refused


@bp.route("/profile/edit", methods=["GET", "POST"])
@login_required
def edit() -> Response | tuple[str, int]:
    """Edit the single-valued fields; the multi-valued ones have their own forms."""
    form = ProfileForm()
    if not form.is_submitted():
        return _render_edit(_saved_profile_form())
    valid = form.validate()
    # The profile's own checks run even when the form refused a field, so that
    # every problem shows at once (a bad birthday with an empty first name).
    if not form.csrf_token.errors and _save_profile(form) and valid:
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("profiles.edit"))
    db.session.rollback()
    return _render_edit(form, 400)


def _value_action_failed(message: str, status: int) -> tuple[str, int]:
    db.session.rollback()
    flash(message, "error")
    return _render_edit(_saved_profile_form(), status)


def _multi_valued(name: str | None) -> Field | None:
    """The multi-valued field named ``name``, if it is one."""
    field = next((f for f in Field if f.value == name), None)
    return field if field is not None and field.multi_valued else None


@bp.post("/profile/values")
@login_required
def add() -> Response | tuple[str, int]:
    """Add an e-mail, phone or website; a refused one is shown again, with why, at its box."""
    form = AddValueForm()
    field = _multi_valued(form.field.data)
    if field is None:
        return _value_action_failed("Add an e-mail, a phone or a website here.", 400)
    if form.validate():
        try:
            add_value(
                db.session,
                current_user.id,
                field,
                form.value.data or "",
                label=ValueLabel(form.label.data),
            )
        except ProfileError as exc:
            form.value.errors.append(str(exc))
        else:
            db.session.commit()
            # Say what it really starts with (a website is not private by default).
            starts = explain(default_policy(field), "it")
            # Shown in the field's own box: the page reopens scrolled to it.
            flash(
                f"{field.caption} added. {starts} Change that in Privacy.",
                f"at:section-{field.value}",
            )
            return redirect(url_for("profiles.edit"))
    db.session.rollback()
    return _render_edit(_saved_profile_form(), 400, adding=form)


def _change_value(change: Callable[[], None], done: str) -> Response | tuple[str, int]:
    """Run one change to a value: 404 if it is not the member's, 400 if refused."""
    try:
        change()
    except ValueNotFound:
        abort(404)
    except ProfileError as exc:
        return _value_action_failed(str(exc), 400)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("profiles.edit"))


@bp.post("/profile/values/<id:value_id>/label")
@login_required
def relabel(value_id: int) -> Response | tuple[str, int]:
    """Change a value's label."""
    form = LabelForm()
    if not form.validate():
        return _value_action_failed("Choose one of the labels offered.", 400)
    label = ValueLabel(form.label.data)
    return _change_value(
        lambda: relabel_value(db.session, current_user.id, value_id, label), "Label saved."
    )


@bp.post("/profile/values/<id:value_id>/primary")
@login_required
def primary(value_id: int) -> Response | tuple[str, int]:
    """Make an e-mail the primary one."""
    return _change_value(
        lambda: make_primary(db.session, current_user.id, value_id), "Primary e-mail changed."
    )


@bp.post("/profile/values/<id:value_id>/remove")
@login_required
def remove(value_id: int) -> Response | tuple[str, int]:
    """Remove a value."""
    return _change_value(lambda: remove_value(db.session, current_user.id, value_id), "Removed.")
