"""Reading a big access log: the member's page, chart, filters, download, proofs and digests.

Run: ``python -m bench.accesslog_read [--members N --events N --heavy-events N]
[--repeat R] [--keep | --schema NAME]``. Defaults are the issue's (14.5):
100,000 members, 10,000,000 events over a year, member 1 holding 200,000.

Design. A scratch database is migrated and seeded by ``python -m
bench.accesslog_seed`` in a subprocess (a schema of its own when
``DATABASE_URL`` names PostgreSQL, else a SQLite file). ``--keep`` leaves
the schema in place and prints its name; ``--schema NAME`` measures an
already seeded one (seeding 10 million events takes minutes). Checkpoints
are signed with the benchmarks' throwaway key (``bench.seed.BENCH_SIGNER_KEY``).
Then, through the app's real paths, signed in as member 1:

- ``page``: ``GET /access``, the newest page (25 events, names decided and
  logged, the page's events proved against the latest checkpoint);
- ``page_older``: ``GET /access?before=SEQ`` from cursors spread over the year;
- ``chart``: :func:`daily_counts` and :func:`access_chart` alone (90 days);
- ``filtered_page``: ``GET /access`` for one requester (member 1's most
  frequent), one field (e-mail) and last calendar month;
- ``csv_month``: ``GET /access/events.csv`` for last calendar month, the whole body;
- ``inclusion_proof``: :func:`inclusion_proofs` for one random leaf against
  the tree size, with a fresh tile cache each time (as a request has); every
  proof is then verified against the signed checkpoint, untimed;
- ``digest``: :func:`ensure_digest` for 1,000 members who had events in the
  last week (member 1 among them), then a flush; rolled back afterwards.

Each item runs R times after one warm-up; figures are p50 and p95 in ms
(the digest: seconds for the 1,000). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from app.access_log.chart import access_chart
from app.access_log.daily import daily_counts
from app.accounts.services import open_session
from app.audit.leaves import leaf_bytes
from app.audit.merkle import leaf_hash, verify_inclusion
from app.audit.note import parse_checkpoint, verifier_key_for
from app.audit.tree import inclusion_proofs, latest_checkpoint
from app.clock import utcnow
from app.config import normalise_database_url
from app.extensions import db
from app.models.accounts import Member
from app.models.audit import AccessEvent
from app.notifications.services import DIGEST_PERIOD, ensure_digest
from bench.accesslog_seed import HEAVY_ID
from bench.seed import BENCH_ORIGIN, BENCH_SIGNER_KEY, bench_app, with_schema

ROOT = Path(__file__).resolve().parent.parent
DIGEST_MEMBERS = 1_000


@contextmanager
def scratch_database(folder: str, schema: str | None, keep: bool) -> Iterator[tuple[str, bool]]:
    """(URL, needs seeding): a schema of its own on PostgreSQL, else a SQLite file.

    ``schema`` names an already seeded schema to reuse; ``keep`` leaves a new one behind.
    """
    url = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    if not url.startswith("postgresql"):
        yield f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}", True
        return
    if schema:
        yield with_schema(url, schema), False
        return
    schema = f"bench_accesslog_{random.randbytes(4).hex()}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield with_schema(url, schema), True
    finally:
        if keep:
            print(f"kept schema {schema}")
        else:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def seed(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run ``bench.accesslog_seed`` in a subprocess; return its summary.

    Raises:
        RuntimeError: the subprocess failed (its stderr is in the message).
    """
    sizes = ["--members", str(args.members), "--events", str(args.events)]
    sizes += ["--heavy-events", str(args.heavy_events)]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "bench.accesslog_seed", "--database-url", url, *sizes],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"seeding failed:\n{done.stderr[-3000:]}")
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "n": len(ordered),
    }


def timed(run: Callable[[int], object], repeat: int) -> list[float]:
    """Seconds of ``run(i)`` for i in 0..repeat-1, after one untimed warm-up."""
    run(0)
    samples = []
    for i in range(repeat):
        started = time.perf_counter()
        run(i)
        samples.append(time.perf_counter() - started)
    return samples


def signed_in_client(app: Flask, member_id: int) -> FlaskClient:
    """A test client with a sign-in session for ``member_id``, made by the sign-in service."""
    client = app.test_client()
    with app.app_context():
        token = open_session(db.session, db.session.get_one(Member, member_id))
        db.session.commit()
    with client.session_transaction() as state:
        state["_user_id"] = token
        state["_fresh"] = True
    return client


def fetch(client: FlaskClient, url: str) -> bytes:
    """The whole body of ``GET url``.

    Raises:
        RuntimeError: the answer was not a 200, or a page's events did not verify.
    """
    response = client.get(url)
    body = response.get_data()
    if response.status_code != 200 or b"could not be verified" in body:
        raise RuntimeError(f"GET {url}: {response.status_code}\n{body[:2000]!r}")
    return body


def last_month(today: date) -> tuple[date, date]:
    """The first and last day of the calendar month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def busiest_requester(session: Session, subject_id: int) -> str:
    """The handle of the member who accessed ``subject_id`` most often."""
    found = session.execute(
        text(
            "SELECT requester_id FROM access_events WHERE subject_id = :s"
            " AND requester_id IS NOT NULL AND requester_id <> :s"
            " GROUP BY requester_id ORDER BY count(*) DESC, requester_id LIMIT 1"
        ),
        {"s": subject_id},
    ).scalar_one()
    return session.get_one(Member, found).handle


def older_cursors(session: Session, subject_id: int, count: int) -> list[int]:
    """``count`` of the member's event seqs, spread evenly over their history."""
    seqs = list(
        session.scalars(
            select(AccessEvent.seq)
            .where(AccessEvent.subject_id == subject_id)
            .order_by(AccessEvent.seq)
        )
    )
    step = max(1, len(seqs) // (count + 1))
    return seqs[step::step][:count] or seqs[-1:]


def digest_members(session: Session, now: Any) -> list[int]:
    """1,000 members with events in the last week (member 1 first), as ``send_digests`` finds."""
    found = session.scalars(
        select(AccessEvent.subject_id)
        .where(AccessEvent.occurred_at >= now - DIGEST_PERIOD)
        .distinct()
        .order_by(AccessEvent.subject_id)
        .limit(DIGEST_MEMBERS)
    ).all()
    return list(found)


def measure_pages(app: Flask, repeat: int) -> dict[str, Any]:
    """The member's pages and downloads through the test client."""
    client = signed_in_client(app, HEAVY_ID)
    with app.app_context():
        cursors = older_cursors(db.session, HEAVY_ID, repeat + 1)
        handle = busiest_requester(db.session, HEAVY_ID)
        db.session.remove()
    start, end = last_month(utcnow().date())
    month = f"start={start.isoformat()}&end={end.isoformat()}"
    filtered = f"/access?requester={handle}&field=email&{month}"
    lines: list[int] = []

    def csv_month(_i: int) -> None:
        lines.append(fetch(client, f"/access/events.csv?{month}").count(b"\r\n") - 1)

    return {
        "page": percentiles(timed(lambda _i: fetch(client, "/access"), repeat)),
        "page_older": percentiles(
            timed(lambda i: fetch(client, f"/access?before={cursors[i % len(cursors)]}"), repeat)
        ),
        "filtered_page": percentiles(timed(lambda _i: fetch(client, filtered), repeat)),
        "csv_month": {**percentiles(timed(csv_month, max(3, repeat // 5))), "rows": lines[-1]},
    }


def measure_chart(app: Flask, repeat: int) -> dict[str, Any]:
    """The 90-day chart alone: the daily counts and their layout."""
    today = utcnow().date()

    def chart(_i: int) -> None:
        with app.app_context():
            access_chart(daily_counts(db.session, HEAVY_ID, today))
            db.session.remove()

    return percentiles(timed(chart, repeat))


def measure_proofs(app: Flask, repeat: int) -> dict[str, Any]:
    """One inclusion proof at a time from a fresh tile cache; each verified afterwards.

    Raises:
        RuntimeError: no checkpoint, or a proof did not verify against it.
    """
    rng = random.Random(14)
    with app.app_context():
        note = latest_checkpoint(db.session)
        if note is None:
            raise RuntimeError("the seeding signed no checkpoint")
        checkpoint = parse_checkpoint(note.note, verifier_key_for(BENCH_SIGNER_KEY), BENCH_ORIGIN)
        leaves = [rng.randrange(checkpoint.size) for _ in range(repeat + 1)]
        proofs: dict[int, list[bytes]] = {}

        def proof(i: int) -> None:
            proofs.update(inclusion_proofs(db.session, [leaves[i]], checkpoint.size))
            db.session.rollback()  # a request's tile cache ends with it

        samples = timed(proof, repeat)
        for index, path in proofs.items():
            event = db.session.execute(
                select(AccessEvent.__table__).where(AccessEvent.leaf_index == index)
            ).one()
            digest = leaf_hash(leaf_bytes(event._mapping))
            if not verify_inclusion(digest, index, checkpoint.size, path, checkpoint.root):
                raise RuntimeError(f"the proof of leaf {index} does not verify")
        db.session.remove()
    return {**percentiles(samples), "verified": len(proofs), "tree_size": checkpoint.size}


def measure_digest(app: Flask, repeat: int) -> dict[str, Any]:
    """``ensure_digest`` for 1,000 members and a flush, rolled back; median seconds."""
    now = utcnow()
    with app.app_context():
        members = digest_members(db.session, now)
        runs, made = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            made = sum(1 for m in members if ensure_digest(db.session, m, now) is not None)
            db.session.flush()
            runs.append(time.perf_counter() - started)
            db.session.rollback()
        db.session.remove()
    return {"seconds": round(statistics.median(runs), 2), "members": len(members), "made": made}


def measure(app: Flask, repeat: int) -> dict[str, Any]:
    """Every item; prints a line per item as it goes."""
    results: dict[str, Any] = {}
    for run in (
        lambda: measure_pages(app, repeat),
        lambda: {"chart": measure_chart(app, repeat)},
        lambda: {"inclusion_proof": measure_proofs(app, repeat)},
        lambda: {"digest": measure_digest(app, 3)},
    ):
        found = run()
        for key, value in found.items():
            print(f"{key}: {value}")
        results.update(found)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--heavy-events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="leave the seeded schema behind")
    parser.add_argument("--schema", help="measure this already seeded schema (PostgreSQL)")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="fieldgate-bench-") as folder,
        scratch_database(folder, args.schema, args.keep) as (url, fresh),
    ):
        summary: dict[str, Any] = {"database": url.split(":", 1)[0].split("+", 1)[0]}
        if fresh:
            seeded = seed(url, args)
            print(f"seeded in {seeded['seconds']} s: {seeded}")
            summary["seed_seconds"] = seeded["seconds"]
        app = bench_app(url)
        try:
            summary.update(measure(app, args.repeat))
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
