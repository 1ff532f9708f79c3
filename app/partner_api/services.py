"""Reading a member's connections for an app: stable pages, one logged decision per page."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.disclosure.service import Requester, disclose
from app.models.audit import Place
from app.models.network import Connection
from exporters import ContactRecord, Layout
from exporters.json_format import contact_fields
from permissions import Action, Field, Outcome

MAX_LIMIT = 100
HANDLE_MAX = 16  # members.handle is a String(16)
CURSOR_MAC_BYTES = 12  # 96 bits: not guessable within any rate limit


class BadCursor(ValueError):
    """The cursor is not one this API gave out."""


class NotAConnection(LookupError):
    """No connection of the member has that handle."""


def encode_cursor(handle: str, *, key: bytes, member_id: int) -> str:
    """An opaque cursor after the connection ``handle``, for ``member_id``'s pages only.

    It names the last connection of a page by its handle (a public id, shown
    on that page already), never by its row id: row ids count registrations.
    The MAC makes it a cursor only this API gives out, so an app cannot send
    any handle it likes and learn from the answer whether that handle is a
    member, or who registered before whom.
    """
    text = f"{handle}.{_cursor_mac(handle, key=key, member_id=member_id)}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, key: bytes, member_id: int) -> str:
    """The handle of the connection a cursor points after.

    Raises:
        BadCursor: not a cursor this API gave out for ``member_id``.
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(cursor) from exc
    handle, _dot, mac = text.partition(".")
    if not (handle.isascii() and handle.isalnum() and len(handle) <= HANDLE_MAX):
        raise BadCursor(cursor)
    if not hmac.compare_digest(mac, _cursor_mac(handle, key=key, member_id=member_id)):
        raise BadCursor(cursor)
    return handle


def _cursor_mac(handle: str, *, key: bytes, member_id: int) -> str:
    message = f"connections-cursor:{member_id}:{handle}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:CURSOR_MAC_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class ConnectionPage:
    """One page of connections as the app may see them, and the cursor of the next."""

    connections: list[dict[str, Any]]
    next_cursor: str | None


def _document(handle: str, outcome: Outcome, fields: Sequence[Field]) -> dict[str, Any]:
    # Only released values: an app is never told which values a person withholds.
    return {
        "handle": handle,
        "fields": contact_fields(ContactRecord(handle, outcome.released), Layout(tuple(fields))),
    }


def connections_page(
    session: Session,
    requester: Requester,
    *,
    limit: int,
    cursor: str | None,
    key: bytes,
    fields: Collection[Field],
) -> ConnectionPage:
    """The requester's connections after ``cursor`` in handle order, each as the app may view them.

    Handle order, not id order: ids count registrations, so pages in id order
    told an app which of the member's connections joined before which
    (found by review). Handles are random and public.

    ``key`` signs the cursors (the app's secret key).

    Raises:
        BadCursor: ``cursor`` is not one this API gave out for the member.
        AccessLogUnavailable: the reads could not be logged; nothing is returned.
    """
    member = requester.member()
    # Handles are public ids: they come with the page, from the connection rows
    # (one index range, in handle order: see Connection.other_handle).
    stmt = select(Connection.other_id, Connection.other_handle.label("handle")).where(
        Connection.member_id == member
    )
    if cursor is not None:
        # The handle is the place itself: a deletion or a disconnection since
        # the last page moves nothing.
        after = decode_cursor(cursor, key=key, member_id=member)
        stmt = stmt.where(Connection.other_handle > after)
    rows = session.execute(stmt.order_by(Connection.other_handle).limit(limit + 1)).all()
    page = rows[:limit]
    shown = [other for other, _handle in page]
    chosen = tuple(f for f in Field if f in fields)
    outcomes = disclose(
        session, requester, shown, action=Action.VIEW, place=Place.API, fields=chosen
    )
    documents = [_document(handle, outcomes[other], chosen) for other, handle in page]
    next_cursor = None
    if len(rows) > limit and page:
        next_cursor = encode_cursor(page[-1].handle, key=key, member_id=member)
    return ConnectionPage(documents, next_cursor)


def one_connection(
    session: Session, requester: Requester, handle: str, fields: Collection[Field]
) -> dict[str, Any]:
    """One connection of the requester, as the app may view it.

    Raises:
        NotAConnection: no connection of the member has that handle.
        AccessLogUnavailable: the read could not be logged; nothing is returned.
    """
    member = requester.member()
    other = session.scalar(
        select(Connection.other_id).where(
            Connection.member_id == member, Connection.other_handle == handle[:32]
        )
    )
    if other is None:
        raise NotAConnection(handle)
    chosen = tuple(f for f in Field if f in fields)
    outcome = disclose(
        session, requester, [other], action=Action.VIEW, place=Place.API, fields=chosen
    )[other]
    return _document(handle, outcome, chosen)
