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
from app.models.accounts import Member
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
    """The ids of every connection of the requester, in id order."""
    return list(
        session.scalars(
            select(Connection.other_id)
            .where(Connection.member_id == requester_id)
            .order_by(Connection.other_id)
        )
    )


_IN_HANDLE_ORDER = "SELECT id FROM members WHERE id IN {ids} ORDER BY handle"


def in_handle_order(session: Session, member_ids: Sequence[int]) -> list[int]:
    """``member_ids`` in the order of their handles: the order of every export's rows.

    Never id order: ids count registrations, so a file in id order told which
    contact joined before which (found by review). Handles are random and
    public, and each file shows them already.
    """
    return [int(mid) for (mid,) in fetch_for_ids(session, _IN_HANDLE_ORDER, member_ids)]


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
        .join(Member, Member.id == Connection.other_id)
        .where(Connection.member_id == requester_id, Member.handle.in_(wanted))
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
    """The member ids the selection names, in handle order (see :func:`in_handle_order`).

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
        ids = _matching(session, requester, selection.query)
    if not ids:
        raise SelectionError("No contacts are selected, so there is nothing to export.")
    return in_handle_order(session, ids)
