"""Finding members by name: one matcher for member search and export selection.

A name matches only through what the requester may receive of it (a member
views it; an app receives what its grant lets it, for the action it is
taking), so typing a guess can never confirm a name kept from the requester.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.disclosure.service import Requester, decide_for
from app.disclosure.values import NAME_FIELDS, name_candidates
from permissions import Action, Outcome

MAX_WORDS = 5
# Candidates are decided this many at a time. Never a cap on candidates: a cap
# counted hidden names too, so they crowded visible ones out of the result, and
# whether a visible name was found told how many hidden ones matched (found by
# review). Only matches, which the requester may see, are counted.
CANDIDATE_CHUNK = 500


class EmptyNameQuery(ValueError):
    """The query holds no word to look for."""


def name_words(query: str) -> list[str]:
    """The words a name query looks for, case-folded (at most MAX_WORDS)."""
    return query.casefold().split()[:MAX_WORDS]


def _visible_name_has(outcome: Outcome, words: list[str]) -> bool:
    visible = " ".join(v.value for v in outcome.released).casefold()
    return all(word in visible for word in words)


def members_named(
    session: Session,
    requester: Requester,
    query: str,
    *,
    connections_only: bool,
    limit: int | None = None,
    action: Action = Action.VIEW,
) -> list[int]:
    """Ids of members whose visible first and last name contain every word of ``query``.

    The first ``limit`` of them in handle order (all when None; never in id
    order, which tells who registered first). Decides (without
    logging: nothing is shown yet) what the requester may receive of each
    candidate's names for ``action``, a chunk of candidates at a time, until
    ``limit`` matches are found; the caller shows the matches through
    :func:`app.disclosure.cards.member_cards`, which logs what it shows.

    Raises:
        EmptyNameQuery: the query has no words.
    """
    words = name_words(query)
    if not words or requester.member_id is None:
        raise EmptyNameQuery("Type part of a name.")
    found: list[int] = []
    after = None
    while limit is None or len(found) < limit:
        candidates = name_candidates(
            session,
            words[0],
            requester_id=requester.member_id,
            connections_only=connections_only,
            limit=CANDIDATE_CHUNK,
            after=after,
            action=action,
        )
        if not candidates:
            break
        ids = [member_id for member_id, _handle in candidates]
        outcomes = decide_for(session, requester, ids, action=action, fields=NAME_FIELDS)
        found += [sid for sid in ids if _visible_name_has(outcomes[sid], words)]
        if len(candidates) < CANDIDATE_CHUNK:
            break
        after = candidates[-1][1]
    return found if limit is None else found[:limit]
