"""Loading members' profile values with their policies: the one reader of ``profile_values``.

Nothing else in the app reads other members' values (an import contract and
``tests/test_one_path.py`` hold every other package to that); the code that
edits a member's own values (``app/profiles/services.py``) is the one other
module allowed near the table.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.database import fetch_for_ids
from app.models.accounts import Member
from app.models.network import Connection
from app.models.profiles import ProfileValue
from permissions import Action, Audience, Field, Policy, ValueLabel, ValueRecord, policy

# Plain dict lookups instead of enum constructors: an export turns hundreds of
# thousands of stored strings back into enums, and this is its hot path.
_FIELDS = {f.value: f for f in Field}
_LABELS: dict[str | None, ValueLabel | None] = {None: None, **{v.value: v for v in ValueLabel}}


@functools.cache
def _policy_of(audiences: str) -> Policy:
    # "view download sync" as the query writes them: at most 125 texts, one
    # string key per value (cheaper than three). A stored policy that breaks
    # the rule raises here.
    view, download, sync = audiences.split(" ")
    return policy(Audience(view), Audience(download), Audience(sync))


# ValueRecord is a NamedTuple: tuple.__new__ builds one without the Python
# frame of its generated __new__ (a fifth of the loop below, in bench/export.py).
_record = tuple.__new__


# Catalog order is done by the database (a CASE over the field), so the hot
# loop below only appends. Built from the Field enum only: no input reaches it.
_CATALOG_ORDER = " ".join(f"WHEN '{f.value}' THEN {i}" for i, f in enumerate(Field))
_VALUES_QUERY = (
    "SELECT id, member_id, field, label, value, view || ' ' || download || ' ' || sync"  # noqa: S608
    " FROM profile_values"
    " WHERE member_id IN {ids}"
    f" ORDER BY member_id, CASE field {_CATALOG_ORDER} END, position, id"
)


def load_values(
    session: Session, subject_ids: Sequence[int], fields: Collection[Field] | None = None
) -> dict[int, list[ValueRecord]]:
    """Every value (optionally only of ``fields``) of each subject, in catalog order.

    Reads plain tuples through :func:`app.database.fetch_for_ids`: an export
    loads hundreds of thousands of values and this is its hot path.
    """
    by_subject: dict[int, list[ValueRecord]] = defaultdict(list)
    wanted = None if fields is None else {f.value for f in fields}
    rows = fetch_for_ids(session, _VALUES_QUERY, subject_ids)
    current, values = None, []  # rows come grouped by member: one lookup per member
    for vid, member_id, field, label, value, audiences in rows:
        if wanted is not None and field not in wanted:
            continue
        if member_id != current:
            current, values = member_id, by_subject[member_id]
        values.append(
            _record(
                ValueRecord, (vid, _FIELDS[field], _LABELS[label], value, _policy_of(audiences))
            )
        )
    return by_subject


NAME_FIELDS = (Field.FIRST_NAME, Field.LAST_NAME)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_candidates(
    session: Session,
    token: str,
    *,
    requester_id: int,
    connections_only: bool,
    limit: int | None = None,
    after: str | None = None,
    action: Action = Action.VIEW,
) -> list[tuple[int, str]]:
    """(id, handle) of members (not the requester) with a first or last name containing ``token``.

    A coarse pre-filter on stored names: nothing it returns is shown.
    :func:`app.disclosure.names.members_named` keeps only those whose name
    the requester may receive for ``action``. Names that nobody may receive
    for ``action`` are left out here already, so that however many of them
    match, a search does no more work (found by review: its time told how
    many hidden names matched). They come in handle order, and ``after`` (a
    handle) and ``limit`` page through them so: in id order, the matches a
    search shows, and which it kept under its cap, told who registered first
    (found by review).
    """
    audience = {
        Action.VIEW: ProfileValue.view,
        Action.DOWNLOAD: ProfileValue.download,
        Action.SYNC: ProfileValue.sync,
    }[action]
    stmt = (
        select(ProfileValue.member_id, Member.handle)
        .join(Member, Member.id == ProfileValue.member_id)
        .where(
            audience != Audience.NOBODY,
            ProfileValue.field.in_(NAME_FIELDS),
            func.lower(ProfileValue.value).like(f"%{_escape_like(token)}%", escape="\\"),
            ProfileValue.member_id != requester_id,
        )
        .distinct()
        .order_by(Member.handle)
    )
    if connections_only:
        stmt = stmt.join(Connection, Connection.other_id == ProfileValue.member_id).where(
            Connection.member_id == requester_id
        )
    if after is not None:
        stmt = stmt.where(Member.handle > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(member_id, handle) for member_id, handle in session.execute(stmt)]


def contact_detail_bound(
    session: Session, subject_ids: Sequence[int], fields: Collection[Field]
) -> int:
    """How many subjects at most could release an e-mail or phone to a connection's download.

    An upper bound (it ignores purposes and suppressions), cheap enough to
    reserve an export's quota before streaming; the unused part is given back.
    """
    wanted = sorted(f.value for f in fields if f.is_contact_detail)
    if not wanted:
        return 0
    # Field names come from the Field enum, never from input.
    query = (
        "SELECT COUNT(DISTINCT member_id) FROM profile_values WHERE member_id IN {ids}"  # noqa: S608
        f" AND field IN ({', '.join(repr(name) for name in wanted)})"
        f" AND download <> '{Audience.NOBODY.value}'"
    )
    return int(fetch_for_ids(session, query, subject_ids)[0][0])
