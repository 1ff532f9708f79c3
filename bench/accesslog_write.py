"""Writing the access log under load: the recorder at 1 and 8 writers, next to the driver alone.

Run: ``DATABASE_URL=postgresql://... python -m bench.accesslog_write [--seconds 10]``

Design. A scratch schema is migrated. Then, each for ``--seconds``:

- the recorder: 1, then 8 writer processes, each committing disclosure-sized
  transactions (5 events, as a profile view or a small export chunk writes)
  through :func:`app.audit.recorder.record_outcomes`, the path every request
  takes; the sequencer runs at the same time in its own process, as in
  production, sealing what they commit;
- the floor: 1, then 8 processes inserting the same rows with the database
  driver alone (psycopg ``executemany`` and commit, or sqlite3), no logging
  logic.

``ratio`` is tx_per_s_8 / floor_tx_per_s_8; ``scaling`` is tx_per_s_8 /
tx_per_s_1 (with one locked chain head, as before, it was about 0.97: every
writer queued on one row). ``floor_scaling`` is the same for the driver
alone: how far the machine itself lets 8 writers scale, which bounds what
``scaling`` can show (on 2 cores, 8 writers and PostgreSQL share two CPUs).
``backlog_drain_s`` is how long, after the 8 writers stop, until no
committed event is left unsealed. The last line is one
JSON object. Measured on PostgreSQL for the README; SQLite runs too (it
serialises every writer, so its scaling says nothing about the design).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import func, select

from app.audit.recorder import EVENT_COLUMNS, AccessContext, record_outcomes
from app.audit.sequencer import run
from app.extensions import db
from app.models.audit import AccessEvent, EventAction, Place
from bench.seed import bench_app, scratch_database
from permissions import Field, Outcome, Reason, Relation, ValueLabel, ValueRecord, default_policy

EVENTS_PER_TX = 5
WRITERS = 8


def _outcomes(writer: int, n: int) -> list[Outcome]:
    email = ValueRecord(1, Field.EMAIL, ValueLabel.WORK, "", default_policy(Field.EMAIL))
    name = ValueRecord(2, Field.FIRST_NAME, None, "", default_policy(Field.FIRST_NAME))
    phone = ValueRecord(3, Field.PHONE, ValueLabel.MOBILE, "", default_policy(Field.PHONE))
    return [
        Outcome(
            writer * 1_000_000 + n * EVENTS_PER_TX + i,
            Relation.CONNECTION,
            [name, email],
            [(phone, Reason.AUDIENCE)],
        )
        for i in range(EVENTS_PER_TX)
    ]


def recorder_writer(
    url: str, writer: int, ready: Any, start: Event, stop: Event, counts: Any
) -> None:
    """Commit 5-event transactions through the recorder until ``stop``; report how many."""
    app = bench_app(url)
    context = AccessContext(requester_id=writer + 1, action=EventAction.VIEW, place=Place.PROFILE)
    done = 0
    with app.test_request_context():
        db.session.execute(select(1))  # connect before the clock starts
        db.session.commit()
        ready.put(writer)
        start.wait()
        while not stop.is_set():
            record_outcomes(db.session, context, _outcomes(writer, done))
            done += 1
        db.end_session()
        db.engine.dispose()
    counts[writer] = done


def _driver(url: str) -> tuple[Any, str]:
    if url.startswith("postgresql"):
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        base, _, query = plain.partition("?")
        options = query.removeprefix("options=").replace("%3D", "=") if query else None
        return psycopg.connect(base, options=options), "%s"
    import sqlite3

    connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
    return connection, "?"


def floor_writer(url: str, writer: int, ready: Any, start: Event, stop: Event, counts: Any) -> None:
    """Insert the same 5-row transactions with the driver alone; report how many."""
    connection, mark = _driver(url)
    columns = ", ".join(EVENT_COLUMNS)
    sql = f"INSERT INTO access_events ({columns}) VALUES ({', '.join([mark] * len(EVENT_COLUMNS))})"
    request = uuid.uuid4().hex
    done = 0
    cursor = connection.cursor()
    ready.put(writer)
    start.wait()
    while not stop.is_set():
        now = (
            datetime.now(UTC)
            if mark == "%s"
            else datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        )
        rows = [
            (
                now,
                writer + 1,
                None,
                writer * 1_000_000 + done * EVENTS_PER_TX + i,
                "view",
                "profile",
                None,
                '["first_name","email:work"]',
                '[["phone:mobile","audience"]]',
                "partial",
                request,
                1,
            )
            for i in range(EVENTS_PER_TX)
        ]
        cursor.executemany(sql, rows)
        connection.commit()
        done += 1
    connection.close()
    counts[writer] = done


def sequencer_process(url: str, stop: Event) -> None:
    """The sequencer as production runs it (``flask audit sequencer``), until ``stop``."""
    app = bench_app(url)
    import threading

    halt = threading.Event()
    watcher = threading.Thread(target=lambda: (stop.wait(), halt.set()), daemon=True)
    watcher.start()
    run(app, halt, interval=0.2)


def timed(target: Any, url: str, writers: int, seconds: float) -> float:
    """Run ``writers`` processes of ``target`` for ``seconds``; transactions per second."""
    ctx = multiprocessing.get_context("spawn")
    start, stop, ready = ctx.Event(), ctx.Event(), ctx.Queue()
    counts = ctx.Manager().dict()
    processes = [
        ctx.Process(target=target, args=(url, w, ready, start, stop, counts))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:  # every process has built its app and connected
        ready.get(timeout=120)
    began = time.perf_counter()
    start.set()
    time.sleep(seconds)
    stop.set()
    for process in processes:
        process.join(timeout=60)
    elapsed = time.perf_counter() - began
    return sum(counts.values()) / elapsed


def pending(url: str) -> int:
    """Committed events not yet sealed."""
    app = bench_app(url)
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(AccessEvent).where(AccessEvent.leaf_index.is_(None))
        )
        db.end_session()
        db.engine.dispose()
    return int(n or 0)


def measure(url: str, seconds: float, writers: int = WRITERS) -> dict[str, Any]:
    """All four runs and the backlog drain, printed as they go."""
    ctx = multiprocessing.get_context("spawn")
    one = timed(recorder_writer, url, 1, seconds)
    print(f"recorder, 1 writer:  {one:,.0f} transactions/s")
    stop = ctx.Event()
    sequencer = ctx.Process(target=sequencer_process, args=(url, stop))
    sequencer.start()
    eight = timed(recorder_writer, url, writers, seconds)
    print(f"recorder, {writers} writers: {eight:,.0f} transactions/s (sequencer sealing meanwhile)")
    stopped = time.perf_counter()
    left = pending(url)
    while left:
        time.sleep(0.1)
        left = pending(url)
    drain = time.perf_counter() - stopped
    stop.set()
    sequencer.join(timeout=30)
    print(f"backlog sealed {drain:.2f} s after the writers stopped")
    floor_one = timed(floor_writer, url, 1, seconds)
    print(f"floor,    1 writer:  {floor_one:,.0f} transactions/s (driver alone)")
    floor = timed(floor_writer, url, writers, seconds)
    print(f"floor,    {writers} writers: {floor:,.0f} transactions/s (driver alone)")
    return {
        "tx_per_s_1": round(one, 1),
        "tx_per_s_8": round(eight, 1),
        "floor_tx_per_s_1": round(floor_one, 1),
        "floor_tx_per_s_8": round(floor, 1),
        "ratio": round(eight / floor, 2),
        "scaling": round(eight / one, 2),
        "floor_scaling": round(floor / floor_one, 2),
        "backlog_drain_s": round(drain, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=WRITERS, help="the concurrent run's writers")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="fieldgate-bench-") as folder,
        scratch_database(folder) as url,
    ):
        app = bench_app(url)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        summary = measure(url, args.seconds, args.writers)
    summary["database"] = url.split(":", 1)[0].split("+", 1)[0]
    summary["events_per_transaction"] = EVENTS_PER_TX
    print(json.dumps(summary))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
