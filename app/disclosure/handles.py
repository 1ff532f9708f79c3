"""Public member handles by id: the random ids that member URLs and exports use.

A handle is not profile data (it is not a value with a policy); it is the
address of a member page, so lists, exports and logs may show it.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from app.database import fetch_for_ids

_HANDLES_QUERY = "SELECT id, handle FROM members WHERE id IN {ids}"
_LIVE = " AND deleted_at IS NULL"


def handles_of(
    session: Session, member_ids: Collection[int], *, former: bool = False
) -> dict[int, str]:
    """The public handle of each member id (ids of deleted members are missing).

    ``former``: deleted members' too, only for a member's own access log: a
    leaf sealed while its requester had an account keeps their handle after
    they delete it (the row stays as a tombstone), and the log shows the
    member the exact leaf.
    """
    query = _HANDLES_QUERY if former else _HANDLES_QUERY + _LIVE
    rows = fetch_for_ids(session, query, list(member_ids))
    return {int(mid): str(handle) for mid, handle in rows}
