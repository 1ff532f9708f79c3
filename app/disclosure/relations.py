"""How one requester stands to many subjects, in a constant number of queries.

Relations are computed set-wise: one query for the first degree, then one
for the second degree of the remaining subjects (the subject ids travel as
one bound parameter, see :func:`app.database.fetch_for_ids`). Never one
query per subject.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from app.database import fetch_for_ids
from permissions import Relation

_FIRST_DEGREE = (
    "SELECT other_id FROM connections WHERE member_id = {requester} AND other_id IN {ids}"
)
_SECOND_DEGREE = (
    "SELECT DISTINCT member_id FROM connections WHERE member_id IN {ids}"
    " AND other_id IN (SELECT other_id FROM connections WHERE member_id = {requester})"
)


def second_degree_among(session: Session, requester_id: int, candidates: Sequence[int]) -> set[int]:
    """Those ``candidates`` who share at least one connection with the requester."""
    rows = fetch_for_ids(session, _SECOND_DEGREE, candidates, requester=requester_id)
    return {member_id for (member_id,) in rows}


def connected_among(session: Session, requester_id: int, subject_ids: Collection[int]) -> set[int]:
    """Those ``subject_ids`` who are connections of the requester.

    Asks about the subjects only, so deciding an export chunk by chunk does
    not reload the requester's whole network for every chunk.
    """
    rows = fetch_for_ids(session, _FIRST_DEGREE, list(subject_ids), requester=requester_id)
    return {other_id for (other_id,) in rows}


def relations_to(
    session: Session, requester_id: int | None, subject_ids: Collection[int]
) -> dict[int, Relation]:
    """The relation of the requester (None: anonymous) to each subject."""
    if requester_id is None:
        return dict.fromkeys(subject_ids, Relation.ANONYMOUS)
    first = connected_among(session, requester_id, subject_ids)
    relations: dict[int, Relation] = {}
    rest: list[int] = []
    for subject in subject_ids:
        if subject == requester_id:
            relations[subject] = Relation.SELF
        elif subject in first:
            relations[subject] = Relation.CONNECTION
        else:
            rest.append(subject)
    second = second_degree_among(session, requester_id, rest) if rest else set()
    for subject in rest:
        relations[subject] = Relation.NETWORK if subject in second else Relation.MEMBER
    return relations
