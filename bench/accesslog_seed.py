"""A scratch database holding a year of access log: members, names, connections, sealed events.

Run: ``python -m bench.accesslog_seed --database-url URL [--members N]
[--events N] [--heavy-events N]`` (``bench.accesslog_read`` runs it in a
subprocess). The defaults are the issue's: 100,000 members, 10,000,000
events over the last year, member 1 holding 200,000 of them.

- The schema is built by the migrations, as ``flask db upgrade`` builds it.
- Members get a first and a last name and a headline as profile values, each
  with a policy of its own (most names public, some for members, the network
  or connections only, a few hidden), and connections (member 1 has 600), so
  the access log names its requesters through every kind of relation.
- Events are generated in ``seq`` order (:mod:`bench.accesslog_events`) and
  sealed while they are generated (:mod:`bench.bulk_tree`): each row goes in
  with its ``leaf_index``, the tiles as they fill up, then one checkpoint
  signed with the benchmarks' throwaway key (``bench.seed.BENCH_SIGNER_KEY``).
- Rows go in with ``COPY`` on PostgreSQL (``executemany`` on SQLite), the
  event table's secondary indexes are dropped first and built afterwards,
  and the tables are vacuumed and analysed at the end, as a database that
  has been running for a year would be.

The last line printed is one JSON object: the seconds of each phase and the
row counts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection, Engine, text

from app.audit.leaves import LEAF_KEYS
from app.audit.note import sign_checkpoint
from app.audit.signing import signer_key
from app.audit.tiles import Tile
from app.clock import utcnow
from app.extensions import db
from app.models.audit import TREE_ID, AccessEvent
from bench.accesslog_events import CHUNK, COLUMNS, Population, event_rows
from bench.bulk_tree import BulkTree
from bench.seed import FIRST, LAST, PASSWORD_HASH, bench_app
from permissions import Audience, Field, policy

HEAVY_ID = 1
HEAVY_CONNECTIONS = 600
_N, _C, _NW, _M, _P = list(Audience)
# (view, download, sync) of a name, and its weight: most are public, a few hidden.
NAME_POLICIES = [
    (policy(_P, _C, _N), 70),
    (policy(_M, _C, _N), 12),
    (policy(_NW, _N, _N), 8),
    (policy(_C, _C, _N), 6),
    (policy(_N, _N, _N), 4),
]
PROFILE_COLUMNS = (
    "member_id",
    "field",
    "label",
    "value",
    "is_primary",
    "position",
    "view",
    "download",
    "sync",
    "created_at",
    "updated_at",
)
# Seeded events carry no salt (the leaves of events sealed before salts): a
# salt changes nothing that is read, and the seeding stays a plain COPY.
_SEEDED_KEYS = [key for key in LEAF_KEYS if key in COLUMNS]
_LEAF_AT = [COLUMNS.index(key) for key in _SEEDED_KEYS]


class Rows:
    """Bulk writes on one connection: COPY on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Write ``rows`` (tuples in ``columns`` order) into ``table``; return how many."""
        names = ", ".join(columns)
        if self.postgres:
            return self._copy(f"COPY {table} ({names}) FROM STDIN", rows)
        marks = ", ".join("?" * len(columns))
        total = 0
        remaining = iter(rows)
        batches = iter(lambda: list(islice(remaining, 5_000)), [])
        for batch in batches:
            self.conn.exec_driver_sql(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                [tuple(_sqlite(v) for v in row) for row in batch],
            )
            total += len(batch)
        return total

    def _copy(self, statement: str, rows: Iterable[tuple[Any, ...]]) -> int:
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        total = 0
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                total += 1
        return total


def _sqlite(value: Any) -> Any:
    # As UTCDateTime stores a time on SQLite: naive UTC text.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _ in weighted], weights=[w for _, w in weighted])[0]


def seed_members(rows: Rows, rng: random.Random, members: int, now: datetime) -> dict[str, int]:
    """Members 1..N with names and headlines as profile values, and connections."""
    counts = {
        "members": rows.write(
            "members",
            ("id", "handle", "email", "password_hash", "created_at"),
            (
                (i, f"bench{i:09d}", f"member{i}@bench.example", PASSWORD_HASH, now)
                for i in range(1, members + 1)
            ),
        )
    }
    if rows.postgres:
        rows.conn.execute(
            text("SELECT setval(pg_get_serial_sequence('members', 'id'), :n)"), {"n": members}
        )
    counts["profile_values"] = rows.write(
        "profile_values",
        PROFILE_COLUMNS,
        _names(rng, members, now),
    )
    counts["connections"] = rows.write(
        "connections",
        ("member_id", "other_id", "other_handle", "created_at"),
        ((a, b, f"bench{b:09d}", now) for a, b in _connections(rng, members)),
    )
    return counts


def _names(rng: random.Random, members: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """First and last name (sharing one drawn policy) and a public headline per member."""
    headline_policy = policy(_P, _C, _N)
    for i in range(1, members + 1):
        name_policy = _pick(rng, NAME_POLICIES)
        for field, value, chosen in (
            (Field.FIRST_NAME, rng.choice(FIRST), name_policy),
            (Field.LAST_NAME, rng.choice(LAST), name_policy),
            (Field.HEADLINE, f"Engineer, member {i}", headline_policy),
        ):
            audiences = (chosen.view.value, chosen.download.value, chosen.sync.value)
            yield (i, field.value, None, value, False, 0, *audiences, now, now)


def _connections(rng: random.Random, members: int) -> list[tuple[int, int]]:
    """Both rows of every connection: member 1 has HEAVY_CONNECTIONS, the rest a few each."""
    pairs: set[tuple[int, int]] = set()
    others = range(2, members + 1)
    for other in rng.sample(others, min(HEAVY_CONNECTIONS, len(others))):
        pairs.add((HEAVY_ID, other))
    for member in others:
        for _ in range(rng.randint(1, 8)):
            other = rng.randint(2, members)
            if other != member:
                pairs.add((min(member, other), max(member, other)))
    return sorted({p for a, b in pairs for p in ((a, b), (b, a))})


def seed_events(
    rows: Rows,
    rng: random.Random,
    people: Population,
    *,
    events: int,
    heavy_events: int,
    end: datetime,
) -> BulkTree:
    """Generate, seal and write the events and their full tiles; return the tree."""
    tree = BulkTree()
    stream = event_rows(rng, people, events=events, heavy_events=heavy_events, end=end)
    for chunk in iter(lambda: list(islice(stream, CHUNK * 4)), []):
        full = tree.append(
            dict(zip(_SEEDED_KEYS, [row[i] for i in _LEAF_AT], strict=True)) for row in chunk
        )
        rows.write("access_events", COLUMNS, chunk)
        _write_tiles(rows, full)
    _write_tiles(rows, tree.partial_tiles())
    return tree


def _write_tiles(rows: Rows, tiles: Sequence[Tile]) -> None:
    rows.write("audit_tiles", ("level", "number", "width", "hashes"), tiles)


def sign_tree(conn: Connection, tree: BulkTree, signer: str, origin: str, now: datetime) -> str:
    """Store the tree's size, root and frontier, and sign its one checkpoint; return the note."""
    frontier = tree.frontier
    root = frontier.root()
    conn.execute(
        text(
            "UPDATE audit_tree SET size = :size, root = :root, frontier = :frontier,"
            " pruned_below = 0, updated_at = :now WHERE id = :id"
        ),
        {
            "size": frontier.size,
            "root": root,
            "frontier": frontier.to_bytes(),
            "now": now,
            "id": TREE_ID,
        },
    )
    note = sign_checkpoint(signer, origin, frontier.size, root)
    conn.execute(
        text(
            "INSERT INTO audit_checkpoints (size, root, note, signed_at)"
            " VALUES (:size, :root, :note, :now)"
        ),
        {"size": frontier.size, "root": root, "note": note, "now": now},
    )
    return note


class EventIndexes:
    """The event table's secondary indexes, dropped for the load and built after it.

    Building an index once over ten million rows is several times faster than
    updating it row by row during COPY.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.indexes = sorted(AccessEvent.__table__.indexes, key=lambda index: str(index.name))

    def drop(self) -> None:
        """Drop them all (the primary key stays)."""
        for index in self.indexes:
            index.drop(self.conn)

    def build(self) -> None:
        """Build them again, as the models (and so the migrations) define them."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for index in self.indexes:
            index.create(self.conn)


def vacuum(engine: Engine) -> None:
    """VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite), outside any transaction."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")


def seed_log(app: Flask, members: int, events: int, heavy_events: int) -> dict[str, Any]:
    """Migrate the empty database of ``app`` and seed it; return seconds per phase and counts."""
    rng = random.Random(2026)
    now = utcnow()
    phases: dict[str, float] = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        phases["migrate"] = time.perf_counter() - started
        engine = db.engine
        try:
            with engine.begin() as conn:
                rows = Rows(conn)
                started = time.perf_counter()
                counts = seed_members(rows, rng, members, now)
                phases["members"] = time.perf_counter() - started
                friends = [o for m, o in _connections_of(conn, HEAVY_ID)]
                people = Population(members, HEAVY_ID, friends)
                started = time.perf_counter()
                indexes = EventIndexes(conn)
                indexes.drop()
                tree = seed_events(
                    rows, rng, people, events=events, heavy_events=heavy_events, end=now
                )
                if rows.postgres:
                    conn.execute(
                        text("SELECT setval(pg_get_serial_sequence('access_events', 'seq'), :n)"),
                        {"n": events},
                    )
                phases["events_and_tiles"] = time.perf_counter() - started
                started = time.perf_counter()
                indexes.build()
                phases["event_indexes"] = time.perf_counter() - started
                sign_tree(conn, tree, signer_key(app), app.config["AUDIT_LOG_ORIGIN"], now)
            started = time.perf_counter()
            vacuum(engine)
            phases["vacuum_analyze"] = time.perf_counter() - started
        finally:
            engine.dispose()
    counts.update(events=events, heavy_events=heavy_events, tree_size=tree.frontier.size)
    return {"phases": {k: round(v, 1) for k, v in phases.items()}, **counts}


def _connections_of(conn: Connection, member_id: int) -> list[tuple[int, int]]:
    found = conn.execute(
        text("SELECT member_id, other_id FROM connections WHERE member_id = :m ORDER BY other_id"),
        {"m": member_id},
    )
    return [(int(a), int(b)) for a, b in found]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty database")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--heavy-events", type=int, default=200_000)
    args = parser.parse_args(argv)
    if not 0 < args.heavy_events <= args.events or args.members < 2:
        parser.error("need at least 2 members and 0 < --heavy-events <= --events")
    started = time.perf_counter()
    summary = seed_log(bench_app(args.database_url), args.members, args.events, args.heavy_events)
    print(json.dumps({"seconds": round(time.perf_counter() - started, 1), **summary}))


if __name__ == "__main__":
    main()
