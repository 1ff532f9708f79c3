"""The requester of the current web request, for the disclosure layer."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from app.disclosure.service import Requester


def current_requester() -> Requester:
    """The signed-in member, or an anonymous requester."""
    if current_user.is_authenticated:
        return Requester(member_id=current_user.id, request_id=g.request_id)
    return Requester(member_id=None, request_id=g.request_id)
