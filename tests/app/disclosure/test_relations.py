from __future__ import annotations

from sqlalchemy import insert

from app.disclosure.relations import relations_to
from app.models.accounts import Member
from app.models.network import Connection
from permissions import Relation
from tests.factories import PASSWORD_HASH, connect_members, make_member


def test_each_relation(session):
    me, friend, friend_of_friend, stranger = (
        make_member(session, n) for n in ("Me", "F", "FoF", "S")
    )
    connect_members(session, me, friend, friend_of_friend)
    ids = [me.id, friend.id, friend_of_friend.id, stranger.id]
    assert relations_to(session, me.id, ids) == {
        me.id: Relation.SELF,
        friend.id: Relation.CONNECTION,
        friend_of_friend.id: Relation.NETWORK,
        stranger.id: Relation.MEMBER,
    }
    assert set(relations_to(session, None, ids).values()) == {Relation.ANONYMOUS}


def _bulk_members(session, count, prefix):
    rows = [
        {
            "email": f"{prefix}{n}@bulk.example",
            "password_hash": PASSWORD_HASH,
            "handle": f"{prefix}{n}",
        }
        for n in range(count)
    ]
    session.execute(insert(Member), rows)
    return [
        m.id
        for m in session.query(Member.id)
        .filter(Member.email.like(f"{prefix}%@bulk.example"))
        .order_by(Member.id)
    ]


def _connect_rows(pairs):
    return [
        {"member_id": a, "other_id": b, "other_handle": f"h{b}"}
        for x, y in pairs
        for a, b in ((x, y), (y, x))
    ]


def test_relations_of_1000_subjects_take_a_constant_number_of_queries(session, count_queries):
    me = make_member(session, "Me")
    subjects = _bulk_members(session, 1000, "s")
    hubs = _bulk_members(session, 10, "h")
    pairs = [(me.id, s) for s in subjects[:300]] + [(me.id, h) for h in hubs]
    pairs += [(hubs[n % 10], s) for n, s in enumerate(subjects[300:700])]
    session.execute(insert(Connection), _connect_rows(pairs))
    session.flush()

    before = count_queries.count
    relations = relations_to(session, me.id, subjects)
    used = count_queries.count - before

    # One query for the first degree, one for the second, whatever the number of subjects.
    assert used == 2, f"{used} queries for 1,000 subjects: {count_queries.statements[before:]}"
    counts = {r: list(relations.values()).count(r) for r in Relation}
    assert counts[Relation.CONNECTION] == 300
    assert counts[Relation.NETWORK] == 400
    assert counts[Relation.MEMBER] == 300


def test_the_statement_counter_sees_the_raw_queries_relations_use(session, count_queries):
    # Relations are read through fetch_for_ids (the driver's cursor); a counter
    # that missed those would make the test above pass with any number of queries.
    me, other = make_member(session, "Me"), make_member(session, "Other")
    before = count_queries.count

    relations_to(session, me.id, [other.id])

    assert any("FROM connections" in s for s in count_queries.statements[before:])
