"""Invitation and search forms."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from app.models.network import MAX_INVITATION_MESSAGE
from app.web.forms import PageForm


class InviteForm(PageForm):
    """Invite a member, with an optional note."""

    message = TextAreaField(
        "Add a note (optional)", validators=[Length(max=MAX_INVITATION_MESSAGE)]
    )
