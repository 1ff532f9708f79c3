"""Member cards: the name and headline a requester may see, for lists and links.

Search results, connection lists and invitations show people. What they show
of each person is decided like any other view of their data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.disclosure.handles import handles_of
from app.disclosure.service import Requester, disclose
from app.models.audit import Place
from permissions import Action, Field, Outcome, Relation

CARD_FIELDS = (Field.FIRST_NAME, Field.LAST_NAME, Field.HEADLINE)


def member_label(name: str, handle: str) -> str:
    """A member's visible name, or "A member (handle)" when they show none."""
    return name or f"A member ({handle})"


@dataclass(frozen=True, slots=True)
class MemberCard:
    """What a list shows of one member."""

    member_id: int
    handle: str
    visible_name: str
    headline: str
    relation: Relation

    @property
    def name(self) -> str:
        """The name to show: the visible name, or "A member (handle)"."""
        return member_label(self.visible_name, self.handle)

    @property
    def initials(self) -> str:
        """Up to two initials for the avatar circle ("?" when the name is hidden)."""
        if not self.visible_name:
            return "?"
        return "".join(part[0] for part in self.visible_name.split()[:2]).upper()


def card_from_outcome(outcome: Outcome, handle: str) -> MemberCard:
    """A card holding only the released name and headline values."""
    released = {v.field: v.value for v in outcome.released}
    name = " ".join(
        released[f] for f in (Field.FIRST_NAME, Field.LAST_NAME) if f in released
    ).strip()
    return MemberCard(
        member_id=outcome.subject_id,
        handle=handle,
        visible_name=name,
        headline=released.get(Field.HEADLINE, ""),
        relation=outcome.relation,
    )


def member_cards(
    session: Session, requester: Requester, member_ids: Sequence[int], place: Place
) -> dict[int, MemberCard]:
    """Cards for ``member_ids`` as ``requester`` may see them, in the given order.

    Showing a card is a view of the member's name and headline, so it is
    logged like one (at ``place``).
    """
    if not member_ids:
        return {}
    handles = handles_of(session, member_ids)
    outcomes = disclose(
        session, requester, member_ids, action=Action.VIEW, place=place, fields=CARD_FIELDS
    )
    return {
        mid: card_from_outcome(outcomes[mid], handles[mid]) for mid in member_ids if mid in handles
    }


def member_name(session: Session, requester: Requester, member_id: int, place: Place) -> str:
    """The name ``requester`` may see of one member, as their card shows it (a logged view).

    For a page that names someone in a sentence ("Bob Babbage is no longer ...").

    Raises:
        KeyError: the member deleted their account.
    """
    return member_cards(session, requester, [member_id], place)[member_id].name
