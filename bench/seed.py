"""A scratch database holding one requester and N connections with mixed privacy choices.

Run: ``python -m bench.seed --contacts N --database-url URL`` (``bench.export``
runs it in a subprocess, so that the seeding's memory never counts as the
export's). The schema is built by the migrations, as ``flask db upgrade``
builds it; rows go in with multi-row Core inserts, never ORM objects one by
one, and every member shares one precomputed password hash (nobody signs in).

Each value gets its own policy, drawn per value: some e-mails downloadable by
connections, some view-only (download ``nobody``), some hidden; some members
object to recruiting or sales, some opted in to marketing, a few suppressed
the requester. Every policy is built with :func:`permissions.policy`, so it
is monotone. The requester is member 1; contacts are members 2..N+1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Connection, Table, create_engine, insert, text

from app import create_app
from app.clock import utcnow
from app.config import normalise_database_url
from app.extensions import db
from app.models.accounts import Member
from app.models.network import Connection as NetworkConnection
from app.models.privacy import PurposeChoice, Suppression
from app.models.profiles import ProfileValue
from permissions import Audience, Field, Policy, Purpose, ValueLabel, policy

REQUESTER_ID = 1
# Any fixed string: hashing a password per member would dominate the seeding.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2htYXJr$bm90LWEtcmVhbC1oYXNo"  # noqa: S105
BATCH = 20_000

_N, _C, _NW, _M, _P = list(Audience)
# (policy, weight): who may see / download / sync one value.
BASIC_POLICIES = [(policy(_P, _C, _N), 7), (policy(_P, _NW, _N), 2), (policy(_M, _N, _N), 1)]
CONTACT_POLICIES = [
    (policy(_C, _C, _N), 3),  # downloadable by connections
    (policy(_NW, _C, _C), 1),  # downloadable and synced
    (policy(_C, _N, _N), 5),  # view-only: connections see it, nobody downloads it
    (policy(_N, _N, _N), 1),  # hidden
]
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
COMPANIES = ["Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Soylent", "Acme"]


BENCH_ORIGIN = "bench.fieldgate.localhost/access-log"
BENCH_SIGNER_KEY = (  # a throwaway key: benchmarks sign checkpoints nobody relies on
    "PRIVATE+KEY+bench.fieldgate.localhost/access-log+b97d6586+AcJdqWed4Y8Y0Sz8n0GtB9GmR+uD6XB4aAN1Sk1mmLPr"
)


def bench_app(database_url: str) -> Flask:
    """An app on ``database_url`` with fixed secrets, no rate limits and no sequencer thread."""
    return create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "AUDIT_KEY": "bench-audit-key",
            "AUDIT_SIGNING_KEY": BENCH_SIGNER_KEY,
            "AUDIT_LOG_ORIGIN": BENCH_ORIGIN,
            "AUDIT_SEQUENCER": "off",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def with_schema(url: str, schema: str) -> str:
    """The same PostgreSQL database with ``schema`` first on the search path."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def scratch_database(folder: str) -> Iterator[str]:
    """A fresh, empty database, removed afterwards: a PostgreSQL schema or a SQLite file.

    PostgreSQL when ``DATABASE_URL`` names one (a schema of its own is created
    and dropped there); otherwise a SQLite file in ``folder``, never a
    database that ``DATABASE_URL`` points to.
    """
    url = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    if not url.startswith("postgresql"):
        yield f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}"
        return
    schema = f"bench_export_{secrets.token_hex(4)}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield with_schema(url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _pick(rng: random.Random, weighted: list[tuple[Policy, int]]) -> Policy:
    return rng.choices([p for p, _ in weighted], weights=[w for _, w in weighted])[0]


def _value(
    member_id: int, field: Field, text_: str, chosen: Policy, now: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "field": field,
        "label": extra.get("label"),
        "value": text_,
        "is_primary": extra.get("primary", False),
        "position": extra.get("position", 0),
        "view": chosen.view,
        "download": chosen.download,
        "sync": chosen.sync,
        "created_at": now,
        "updated_at": now,
    }


def profile_values(rng: random.Random, member_id: int, now: datetime) -> list[dict[str, Any]]:
    """About ten values for one member, each with a policy of its own."""
    first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
    basic = {
        Field.FIRST_NAME: first,
        Field.LAST_NAME: last,
        Field.HEADLINE: f"Engineer at {company}",
        Field.COMPANY: company,
        Field.POSITION: "Engineer",
        Field.LOCATION: "Lisbon",
    }
    rows = [_value(member_id, f, t, _pick(rng, BASIC_POLICIES), now) for f, t in basic.items()]
    handle = f"{first}.{last}.{member_id}".lower()
    contact = [(Field.EMAIL, ValueLabel.PERSONAL, f"{handle}@example.com", True)]
    if rng.random() < 0.5:
        contact.append((Field.EMAIL, ValueLabel.WORK, f"{handle}@{company.lower()}.example", False))
    if rng.random() < 0.6:
        contact.append(
            (Field.PHONE, ValueLabel.WORK, f"+44 20 7946 {member_id % 10000:04d}", False)
        )
    if rng.random() < 0.3:
        contact.append((Field.WEBSITE, ValueLabel.OTHER, f"https://{handle}.example", False))
    for position, (field, label, text_, primary) in enumerate(contact):
        chosen = _pick(rng, CONTACT_POLICIES)
        rows.append(
            _value(
                member_id,
                field,
                text_,
                chosen,
                now,
                label=label,
                primary=primary,
                position=position,
            )
        )
    return rows


def _purpose_choices(rng: random.Random, member_id: int, now: datetime) -> list[dict[str, Any]]:
    choices = []
    if rng.random() < 0.1:
        choices.append((Purpose.RECRUITING, False))
    if rng.random() < 0.05:
        choices.append((Purpose.SALES, False))
    if rng.random() < 0.2:
        choices.append((Purpose.MARKETING, True))
    return [
        {"member_id": member_id, "purpose": p, "allowed": ok, "changed_at": now}
        for p, ok in choices
    ]


def _insert(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` in batches of BATCH; return how many."""
    total, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            conn.execute(insert(table), batch)
            total, batch = total + len(batch), []
    if batch:
        conn.execute(insert(table), batch)
    return total + len(batch)


def seed_network(conn: Connection, contacts: int, seed: int = 2026) -> dict[str, int]:
    """Insert the requester and ``contacts`` connections; return row counts per table."""
    rng = random.Random(seed)
    now = utcnow()
    ids = range(REQUESTER_ID, contacts + 2)
    members = (
        {
            "id": i,
            "handle": f"bench{i:09d}",
            "email": f"member{i}@bench.example",
            "password_hash": PASSWORD_HASH,
            "created_at": now,
        }
        for i in ids
    )
    counts = {"members": _insert(conn, Member.__table__, members)}
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('members', 'id'), :n)"), {"n": ids[-1]}
        )
    contact_ids = ids[1:]
    counts["profile_values"] = _insert(
        conn, ProfileValue.__table__, (row for i in ids for row in profile_values(rng, i, now))
    )
    counts["connections"] = _insert(
        conn,
        NetworkConnection.__table__,
        (
            {"member_id": a, "other_id": b, "other_handle": f"bench{b:09d}", "created_at": now}
            for i in contact_ids
            for a, b in ((REQUESTER_ID, i), (i, REQUESTER_ID))
        ),
    )
    counts["purpose_choices"] = _insert(
        conn,
        PurposeChoice.__table__,
        (row for i in contact_ids for row in _purpose_choices(rng, i, now)),
    )
    counts["suppressions"] = _insert(
        conn,
        Suppression.__table__,
        (
            {"member_id": i, "requester_id": REQUESTER_ID, "created_at": now}
            for i in contact_ids
            if rng.random() < 0.01
        ),
    )
    return counts


def seed_database(database_url: str, contacts: int) -> dict[str, int]:
    """Migrate the empty database at ``database_url`` and seed it."""
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        try:
            with db.engine.begin() as conn:
                return seed_network(conn, contacts)
        finally:
            db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument(
        "--database-url", help="an empty database (default: a new SQLite file, kept)"
    )
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    start = time.perf_counter()
    counts = seed_database(url, args.contacts)
    print(
        json.dumps(
            {"database_url": url, "seconds": round(time.perf_counter() - start, 2), **counts}
        )
    )


if __name__ == "__main__":
    main()
