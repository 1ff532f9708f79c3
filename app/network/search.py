"""Finding members by name, matching only names the searcher is allowed to see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.disclosure.cards import MemberCard, member_cards
from app.disclosure.names import members_named, name_words
from app.disclosure.service import Requester
from app.models.audit import Place

MAX_MATCHES = 500  # visible matches; hidden names are never counted
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results."""

    query: str
    cards: list[MemberCard]
    page: int
    has_next: bool


def search_members(
    session: Session, requester: Requester, query: str, *, page: int = 1, per_page: int = 20
) -> SearchPage:
    """Members whose *visible* first and last name contain every word of ``query``.

    A name the searcher may not view is not matched, so a search cannot be
    used to confirm a hidden name. The cards shown are logged as views.
    """
    query = query.strip()[:MAX_QUERY_LENGTH]
    page = max(page, 1)
    if not name_words(query):
        return SearchPage(query, [], page, False)
    matches = members_named(session, requester, query, connections_only=False, limit=MAX_MATCHES)
    start = (page - 1) * per_page
    shown = matches[start : start + per_page]
    cards = member_cards(session, requester, shown, Place.SEARCH)
    return SearchPage(
        query, [cards[m] for m in shown if m in cards], page, len(matches) > start + per_page
    )
