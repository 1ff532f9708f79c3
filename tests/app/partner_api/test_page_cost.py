"""A page of connections costs what a page holds, not what the network holds (found by review).

Pages are in handle order. With the handle only on ``members``, every page
read each connection, joined its member and sorted them all, then kept 101:
an app syncing a member with N connections in pages of 100 did N^2 / 100 row
reads. The handle is now copied onto each connection row, and a page is one
range of an index in that order.

Measured with SQLite's progress handler, one tick per virtual machine
instruction, over the whole page: the query, the decisions and the events.
(At one tick per 100, a page came to 1 - 5 ticks, a statement shorter than
100 instructions counting none, and the test failed now and then.)
"""

from __future__ import annotations

import itertools

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.disclosure.service import Requester
from app.models.accounts import Member
from app.models.network import Connection
from app.partner_api.services import connections_page
from permissions import Field
from tests.factories import PASSWORD_HASH, make_member

KEY = b"review2-cursor-key"
_numbers = itertools.count(1)


def _with_network(session: Session, size: int) -> int:
    """A member connected to ``size`` bare members (no values); their id."""
    owner = make_member(session, "Net", "Owner")
    others = []
    for _ in range(size):
        n = next(_numbers)
        others.append(Member(email=f"pagecost{n}@example.com", password_hash=PASSWORD_HASH))
    session.add_all(others)
    session.flush()
    session.add_all(
        Connection(member_id=owner.id, other_id=o.id, other_handle=o.handle) for o in others
    )
    session.flush()
    return owner.id


def _ticks_for_one_page(session: Session, member_id: int) -> int:
    raw = session.connection().connection.dbapi_connection
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0

    raw.set_progress_handler(tick, 1)
    try:
        page = connections_page(
            session,
            Requester(member_id),
            limit=2,
            cursor=None,
            key=KEY,
            fields=(Field.FIRST_NAME,),
        )
    finally:
        raw.set_progress_handler(None, 1)
    assert len(page.connections) == 2 and page.next_cursor is not None
    return ticks


def _page_plan(session: Session, member_id: int) -> str:
    """PostgreSQL's plan for the page's own query, as the page sends it."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "FROM connections" in statement and "ORDER BY" in statement:
            seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        connections_page(
            session, Requester(member_id), limit=2, cursor=None, key=KEY, fields=(Field.FIRST_NAME,)
        )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = seen[0]
    rows = session.connection().exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(row[0] for row in rows)


def test_a_page_does_not_read_and_sort_the_whole_network(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        large = _with_network(session, 2000)
        session.execute(text("ANALYZE connections"))
        plan = _page_plan(session, large)
        assert "Sort" not in plan and "ix_connections_member_id_other_handle" in plan, plan
        return
    small = _with_network(session, 20)
    large = _with_network(session, 2000)
    _ticks_for_one_page(session, small)  # warm the statement cache
    _ticks_for_one_page(session, large)
    few = _ticks_for_one_page(session, small)
    many = _ticks_for_one_page(session, large)
    assert many < 3 * few, (
        f"a page of 2 costs {many} ticks for 2,000 connections and {few} for 20: "
        "every page reads and sorts the member's whole network"
    )
