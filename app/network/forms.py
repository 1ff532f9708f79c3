"""Invitation and search forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from app.models.network import MAX_INVITATION_MESSAGE


class InviteForm(FlaskForm):
    """Invite a member, with an optional note."""

    message = TextAreaField(
        "Add a note (optional)", validators=[Length(max=MAX_INVITATION_MESSAGE)]
    )
