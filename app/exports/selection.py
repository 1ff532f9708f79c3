"""Which contacts an export is about: all connections, chosen people, or a name filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import fetch_for_ids
from app.disclosure.names import EmptyNameQuery, members_named
from app.disclosure.service import Requester
from app.models.network import Connection
from permissions import Action

MAX_CHOSEN = 10_000


class SelectionKind(StrEnum):
    """How contacts are chosen."""

    ALL = "all"
    PEOPLE = "people"
    SEARCH = "search"


class SelectionError(ValueError):
    """A selection that names nobody, or people who are not the requester's connections."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What the requester chose: a kind, and the handles or the name words it needs."""

    kind: SelectionKind = SelectionKind.ALL
    handles: tuple[str, ...] = ()
    query: str = ""


def connection_ids(session: Session, requester_id: int) -> list[int]:
    """The ids of every connection of the requester, in handle order.

    Never id order: ids count registrations, so a list or a file in id order
    told which contact joined before which (found by review). Handles are
    random and public, and every file shows them already.
    """
    return list(
        session.scalars(
            select(Connection.other_id)
            .where(Connection.member_id == requester_id)
            .order_by(Connection.other_handle)
        )
    )


_IN_HANDLE_ORDER = (
    "SELECT other_id FROM connections WHERE member_id = {requester} AND other_id IN {ids}"
    " ORDER BY other_handle"
)


def _in_handle_order(session: Session, requester_id: int, ids: Sequence[int]) -> list[int]:
    """Those of ``ids`` who are the requester's connections, in handle order."""
    rows = fetch_for_ids(session, _IN_HANDLE_ORDER, ids, requester=requester_id)
    return [int(other) for (other,) in rows]


def _not_connections(n: int) -> str:
    return f"{n} of the chosen people {'is' if n == 1 else 'are'} not among your connections."


def _chosen(session: Session, requester_id: int, handles: Sequence[str]) -> list[int]:
    wanted = list(dict.fromkeys(handles))
    if len(wanted) > MAX_CHOSEN:
        raise SelectionError(f"Choose at most {MAX_CHOSEN} people, or export all connections.")
    # Only the requester's connections are looked up: a member who is not one
    # and a handle nobody has get the same answer, or the answer would tell
    # whoever tries handles which of them are Fieldgate members.
    ids = session.scalars(
        select(Connection.other_id)
        .where(Connection.member_id == requester_id, Connection.other_handle.in_(wanted))
        .order_by(Connection.other_handle)
    ).all()
    if len(ids) < len(wanted):
        raise SelectionError(_not_connections(len(wanted) - len(ids)))
    return list(ids)


def _matching(session: Session, requester: Requester, query: str) -> list[int]:
    # Match only names the requester may receive: a member the names they see,
    # as member search does; an app the names this export would hand it (its
    # scopes, the grant's purpose, blocks), or the answer (a count, or "nobody
    # selected") would confirm a name the app is refused, letter by letter.
    action = Action.VIEW if requester.app_id is None else Action.DOWNLOAD
    try:
        return members_named(session, requester, query, connections_only=True, action=action)
    except EmptyNameQuery as exc:
        raise SelectionError("Type part of a name to choose contacts by name.") from exc


def resolve(session: Session, requester: Requester, selection: Selection) -> list[int]:
    """The member ids the selection names, in handle order (see :func:`connection_ids`).

    Raises:
        SelectionError: nobody is selected, or someone selected is not a connection.
        AnonymousRequester: nobody is signed in.
    """
    requester_id = requester.member()
    if selection.kind is SelectionKind.ALL:
        ids = connection_ids(session, requester_id)
    elif selection.kind is SelectionKind.PEOPLE:
        ids = _chosen(session, requester_id, selection.handles)
    else:
        matching = _matching(session, requester, selection.query)
        ids = _in_handle_order(session, requester_id, matching)
    if not ids:
        raise SelectionError("No contacts are selected, so there is nothing to export.")
    return ids
