"""Reading a member's connections for an app: stable pages, one logged decision per page."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.disclosure.service import Requester, disclose
from app.models.accounts import Member
from app.models.audit import Place
from app.models.network import Connection
from exporters import ContactRecord, Layout
from exporters.json_format import contact_fields
from permissions import Action, Field, Outcome

MAX_LIMIT = 100


class BadCursor(ValueError):
    """The cursor is not one this API gave out."""


class NotAConnection(LookupError):
    """No connection of the member has that handle."""


def encode_cursor(member_id: int) -> str:
    """An opaque cursor after the connection ``member_id`` (connections are ordered by id)."""
    return base64.urlsafe_b64encode(f"c{member_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The connection id a cursor points after.

    Raises:
        BadCursor: not a cursor of this API.
    """
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor(cursor) from exc
    if not text.startswith("c") or not text[1:].isascii() or not text[1:].isdigit():
        raise BadCursor(cursor)
    if len(text) > 12:
        raise BadCursor(cursor)
    return int(text[1:])


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
    after: int | None,
    fields: Collection[Field],
) -> ConnectionPage:
    """The requester's connections after ``after`` in id order, each as the app may view them.

    Raises:
        AccessLogUnavailable: the reads could not be logged; nothing is returned.
    """
    member = requester.member()
    # Handles are public ids: they come with the page, in the same query.
    stmt = (
        select(Connection.other_id, Member.handle)
        .join(Member, Member.id == Connection.other_id)
        .where(Connection.member_id == member)
    )
    if after is not None:
        stmt = stmt.where(Connection.other_id > after)
    rows = session.execute(stmt.order_by(Connection.other_id).limit(limit + 1)).all()
    page = rows[:limit]
    shown = [other for other, _handle in page]
    chosen = tuple(f for f in Field if f in fields)
    outcomes = disclose(
        session, requester, shown, action=Action.VIEW, place=Place.API, fields=chosen
    )
    documents = [_document(handle, outcomes[other], chosen) for other, handle in page]
    more = len(rows) > limit
    return ConnectionPage(documents, encode_cursor(shown[-1]) if more and shown else None)


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
        select(Member.id)
        .join(Connection, Connection.other_id == Member.id)
        .where(Member.handle == handle[:32], Connection.member_id == member)
    )
    if other is None:
        raise NotAConnection(handle)
    chosen = tuple(f for f in Field if f in fields)
    outcome = disclose(
        session, requester, [other], action=Action.VIEW, place=Place.API, fields=chosen
    )[other]
    return _document(handle, outcome, chosen)
