"""How a member's access log names the people who read their data.

A name in someone's access log is a view of that name (a download, when the
log is downloaded), decided and logged like any other. The one exception,
the accountability rule, is decided by the engine too
(``SubjectContext.accountable``): whoever **downloaded or synced** a
member's data is named to that member even if they hide their name from
them. Those are the actions a requester chooses, so only they can trigger
it; a view can be caused by the person who would learn the name (an
invitation makes the recipient view the sender's card, a search result
makes the searcher view the found), so a view never does. Apps are always
named: they are not members and hold no privacy settings.

:func:`requester_labels` is the one place that decides this; the access-log
page, its downloads and the self export all call it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.disclosure.cards import member_label
from app.disclosure.handles import handles_of
from app.disclosure.service import Circumstances, Requester, disclose
from app.disclosure.values import NAME_FIELDS
from app.models.audit import AccessEvent, EventAction, Place
from permissions import Action, Purpose

ACCOUNTABLE_ACTIONS = (EventAction.DOWNLOAD, EventAction.SYNC)
ANONYMOUS_LABEL = "An anonymous visitor"
FORMER_MEMBER_LABEL = "A former member"
SELF_LABEL = "You"


@dataclass(frozen=True, slots=True)
class RequesterLabel:
    """How one requester appears in a member's access log."""

    name: str
    handle: str | None = None


# Downloads a member makes of their own data name other people without the
# member choosing them: the requesters in their access log, their connections
# in their self export. Those never make the member accountable: if they did,
# viewing someone would name the viewer back to them the next time the viewed
# member downloaded their log (the reviewer's case), refused name or not.
OWN_DATA_PLACES = (Place.ACCESS_LOG, Place.SELF_EXPORT)


def accountable_to(session: Session, subject_id: int, requester_ids: Collection[int]) -> set[int]:
    """Those requesters who downloaded or synced ``subject_id``'s data (or tried to).

    Exports and syncs count, refused ones too (trying to take someone's data
    into a file is what the rule is about); downloads of one's own data
    (``OWN_DATA_PLACES``) do not.
    """
    if not requester_ids:
        return set()
    return set(
        session.scalars(
            select(AccessEvent.requester_id)
            .where(
                AccessEvent.subject_id == subject_id,
                AccessEvent.action.in_(ACCOUNTABLE_ACTIONS),
                AccessEvent.place.not_in(OWN_DATA_PLACES),
                AccessEvent.requester_id.in_(list(requester_ids)),
            )
            .distinct()
        )
    )


def requester_labels(
    session: Session,
    reader: Requester,
    requester_ids: Collection[int | None],
    place: Place,
    action: Action = Action.VIEW,
) -> dict[int | None, RequesterLabel]:
    """How ``reader``'s access log (shown at ``place``) names each of ``requester_ids``.

    Each requester's first and last name go through :func:`disclose` (logged
    in the requester's own access log) for ``action``: a view on a page; a
    download, for purpose ``personal``, when the names go into a file the
    reader keeps. The accountability rule names those who downloaded or
    synced the reader's data either way.
    A hidden name shows as "A member (handle)"; ``None`` is an anonymous
    visitor; the reader is "You".

    Raises:
        AccessLogUnavailable: the views of these names could not be logged.
    """
    if reader.member_id is None:
        raise ValueError("only a member has an access log")
    me = reader.member_id
    others = sorted({r for r in requester_ids if r is not None and r != me})
    handles = handles_of(session, others)
    present = [r for r in others if r in handles]
    outcomes = disclose(
        session,
        reader,
        present,
        action=action,
        place=place,
        purpose=Purpose.PERSONAL if action is Action.DOWNLOAD else None,
        fields=NAME_FIELDS,
        circumstances=Circumstances(accountable=frozenset(accountable_to(session, me, present))),
    )
    labels: dict[int | None, RequesterLabel] = {None: RequesterLabel(ANONYMOUS_LABEL)}
    if me in requester_ids:
        labels[me] = RequesterLabel(SELF_LABEL, None)
    for requester_id in others:
        if requester_id not in handles:
            labels[requester_id] = RequesterLabel(FORMER_MEMBER_LABEL)
            continue
        released = {v.field: v.value for v in outcomes[requester_id].released}
        name = " ".join(released[f] for f in NAME_FIELDS if f in released)
        handle = handles[requester_id]
        labels[requester_id] = RequesterLabel(member_label(name, handle), handle)
    return labels
