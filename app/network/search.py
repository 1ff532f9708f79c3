"""Finding members by name, matching only names the searcher is allowed to see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import Place
from app.disclosure.cards import MemberCard, member_cards
from app.disclosure.service import Requester, decide_for
from app.profiles.models import ProfileValue
from permissions import Action, Field

MAX_CANDIDATES = 500
MAX_QUERY_LENGTH = 100
NAME_FIELDS = (Field.FIRST_NAME, Field.LAST_NAME)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results."""

    query: str
    cards: list[MemberCard]
    page: int
    has_next: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _candidates(session: Session, token: str, exclude: int) -> list[int]:
    pattern = f"%{_escape_like(token)}%"
    stmt = (
        select(ProfileValue.member_id)
        .where(
            ProfileValue.field.in_(NAME_FIELDS),
            func.lower(ProfileValue.value).like(pattern, escape="\\"),
            ProfileValue.member_id != exclude,
        )
        .distinct()
        .order_by(ProfileValue.member_id)
        .limit(MAX_CANDIDATES)
    )
    return list(session.scalars(stmt))


def search_members(
    session: Session, requester_id: int, query: str, *, page: int = 1, per_page: int = 20
) -> SearchPage:
    """Members whose *visible* first and last name contain every word of ``query``.

    A name the searcher may not view is not matched, so a search cannot be
    used to confirm a hidden name.
    """
    query = query.strip()[:MAX_QUERY_LENGTH]
    tokens = query.casefold().split()[:5]
    page = max(page, 1)
    if not tokens:
        return SearchPage(query, [], page, False)
    requester = Requester(member_id=requester_id)
    candidates = _candidates(session, tokens[0], requester_id)
    outcomes = decide_for(session, requester, candidates, action=Action.VIEW, fields=NAME_FIELDS)
    matches = []
    for member_id in candidates:
        visible = " ".join(v.value for v in outcomes[member_id].released).casefold()
        if all(token in visible for token in tokens):
            matches.append(member_id)
    start = (page - 1) * per_page
    shown = matches[start : start + per_page]
    cards = member_cards(session, requester, shown, Place.SEARCH)
    return SearchPage(
        query, [cards[m] for m in shown if m in cards], page, len(matches) > start + per_page
    )
