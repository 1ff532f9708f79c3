"""What the rule needs about each subject besides values: consents, suppressions, app blocks.

Read set-wise (one query per kind, whatever the number of subjects), because
an export decides for hundreds of thousands of subjects. Writing these
choices is the privacy domain's job; reading them for a decision is ours.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping

from sqlalchemy.orm import Session

from app.database import fetch_for_ids
from permissions import Consent, Purpose

_CHOICES_QUERY = "SELECT member_id, purpose, allowed FROM purpose_choices WHERE member_id IN {ids}"
_SUPPRESSED = (
    "SELECT member_id FROM suppressions WHERE requester_id = {requester} AND member_id IN {ids}"
)
_BLOCKED = "SELECT member_id FROM app_blocks WHERE app_id = {app} AND member_id IN {ids}"


def default_allowed(purpose: Purpose) -> bool:
    """Whether a purpose is allowed when the member never said: all but marketing."""
    return not purpose.needs_opt_in


def consent_from(choices: Mapping[Purpose, bool]) -> Consent:
    """A member's consent from their stored choices (missing ones take the default)."""
    allowed = {p: choices.get(p, default_allowed(p)) for p in Purpose}
    objections = frozenset(p for p, ok in allowed.items() if not ok and not p.needs_opt_in)
    return Consent(objections=objections, marketing_opt_in=allowed[Purpose.MARKETING])


@functools.cache
def _consent_of(choices: frozenset[tuple[str, bool]]) -> Consent:
    # At most 81 distinct sets of choices: an export of 100,000 people builds each once.
    return consent_from({Purpose(purpose): allowed for purpose, allowed in choices})


def consents_of(session: Session, member_ids: Collection[int]) -> dict[int, Consent]:
    """Each member's consent (objections and marketing opt-in), in one query."""
    ids = list(member_ids)
    choices: dict[int, list[tuple[str, bool]]] = {}
    for member_id, purpose, allowed in fetch_for_ids(session, _CHOICES_QUERY, ids):
        choices.setdefault(member_id, []).append((purpose, bool(allowed)))
    default = Consent()
    return {mid: _consent_of(frozenset(choices[mid])) if mid in choices else default for mid in ids}


def suppressed_among(
    session: Session, requester_id: int | None, subject_ids: Collection[int]
) -> set[int]:
    """Which of ``subject_ids`` keep themselves out of ``requester_id``'s exports."""
    if requester_id is None:
        return set()
    rows = fetch_for_ids(session, _SUPPRESSED, list(subject_ids), requester=requester_id)
    return {member_id for (member_id,) in rows}


def blocked_among(session: Session, app_id: int | None, subject_ids: Collection[int]) -> set[int]:
    """Which of ``subject_ids`` blocked the app ``app_id`` (none when no app asks)."""
    if app_id is None:
        return set()
    rows = fetch_for_ids(session, _BLOCKED, list(subject_ids), app=app_id)
    return {member_id for (member_id,) in rows}
