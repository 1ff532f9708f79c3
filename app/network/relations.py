"""How one requester stands to many subjects, in a constant number of queries.

Relations are computed set-wise: one query per 5,000 subjects for the first
degree, then one per 5,000 remaining subjects for the second. Never one query
per subject.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from sqlalchemy.orm import Session

from app.database import fetch_for_ids
from permissions import Relation

# Subjects per query (also the chunk size of exports and bulk disclosures).
CHUNK = 5_000
_FIRST_DEGREE = (
    "SELECT other_id FROM connections WHERE member_id = {requester} AND other_id IN {ids}"
)
_SECOND_DEGREE = (
    "SELECT DISTINCT member_id FROM connections WHERE member_id IN {ids}"
    " AND other_id IN (SELECT other_id FROM connections WHERE member_id = {requester})"
)


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def second_degree_among(session: Session, requester_id: int, candidates: Sequence[int]) -> set[int]:
    """Those ``candidates`` who share at least one connection with the requester."""
    found: set[int] = set()
    for chunk in _chunks(candidates, CHUNK):
        rows = fetch_for_ids(session, _SECOND_DEGREE, chunk, requester=requester_id)
        found.update(member_id for (member_id,) in rows)
    return found


def connected_among(session: Session, requester_id: int, subject_ids: Collection[int]) -> set[int]:
    """Those ``subject_ids`` who are connections of the requester.

    Asks about the subjects only (in chunks), so deciding an export chunk by
    chunk does not reload the requester's whole network for every chunk.
    """
    found: set[int] = set()
    for chunk in _chunks(list(subject_ids), CHUNK):
        rows = fetch_for_ids(session, _FIRST_DEGREE, chunk, requester=requester_id)
        found.update(other_id for (other_id,) in rows)
    return found


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
