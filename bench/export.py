"""Export time and memory: N connections through the whole app, next to a floor from the same run.

Run: ``python -m bench.export --contacts N --format csv|vcard|json|ndjson [--repeat R]``
(``--profile TOP`` also prints the TOP functions of one more export, by cumulative and by own time).

Design. A scratch database is migrated and seeded by ``python -m bench.seed``
in a subprocess: a SQLite file in a temporary folder, or, when
``DATABASE_URL`` names a PostgreSQL database, a schema of its own there,
dropped at the end. The subprocess matters because ``ru_maxrss`` is a
process-lifetime peak: seeding here would hide the export's own peak. This
process only builds the app and then times, on the same database:

- the export: :func:`app.exports.service.start_export` for every connection,
  every field and the format, for recruiting, with the database quota; the
  body is drained into a null sink. This is the product's path: bulk
  decisions, access events committed per chunk, streamed output.
  Each run writes its own events, as a real export would.
- the floor, the least any correct implementation must do, on the database
  driver alone (stdlib ``sqlite3`` or psycopg, no SQLAlchemy): one select of
  the connections' values joined with their handles, a download check per
  value, ``csv.writer`` into a null sink, then one bulk insert of one access
  event per contact (``executemany``, or ``COPY`` on PostgreSQL), committed.
  It skips purposes, suppressions and the manifest: that is the product's
  extra work, which the ratio export/floor measures. The floor's events are
  deleted afterwards, untimed.

Figures are medians of R runs. ``peak_rss_mb`` is the peak resident memory
of the export runs: importing the app already peaks at about 130 MB
(``app.accounts.services`` computes an argon2 hash, 64 MiB, at import), which
would hide the export's own growth, so the peak is reset just before the
export runs (Linux ``/proc/self/clear_refs``; elsewhere the lifetime peak is
reported, with a note) and read before the floor, which holds N event rows
at once. It includes the app's resident baseline, printed beside it.

Machines here are noisy: the ratio export/floor is the figure to compare
across machines. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.audit.recorder import EVENT_COLUMNS
from app.clock import utcnow
from app.disclosure.service import Requester
from app.exports.quota import DatabaseQuota
from app.exports.selection import Selection
from app.exports.service import ExportLimits, ExportOrder, start_export
from app.extensions import db
from app.models.audit import AccessEvent
from bench.seed import REQUESTER_ID, bench_app, scratch_database
from permissions import Audience, Field, Purpose

FORMATS = ("csv", "vcard", "json", "ndjson")
GENEROUS = ExportLimits(contacts_per_day=10**9, marketing_per_day=10**9)
ROWS_PER_CHUNK = 500
ROOT = Path(__file__).resolve().parent.parent


def seed(database_url: str, contacts: int) -> float:
    """Migrate and seed the database in a subprocess; return the seconds it took.

    Raises:
        RuntimeError: the subprocess failed (its stderr is in the message).
    """
    start = time.perf_counter()
    command = [sys.executable, "-m", "bench.seed", "--contacts", str(contacts)]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [*command, "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"seeding failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def app_export(session: Session, fmt: str) -> tuple[float, float, int]:
    """One export through the service: (seconds to prepare, seconds in all, bytes)."""
    order = ExportOrder(Selection(), tuple(Field), fmt, Purpose.RECRUITING)
    start = time.perf_counter()
    prepared = start_export(
        session, Requester(REQUESTER_ID), order, GENEROUS, DatabaseQuota(session)
    )
    ready = time.perf_counter()
    size = sum(len(chunk) for chunk in prepared.body)
    return ready - start, time.perf_counter() - start, size


_FLOOR_SELECT = (
    "SELECT m.id, m.handle, v.field, v.label, v.value, v.download"
    " FROM connections c JOIN members m ON m.id = c.other_id"
    " JOIN profile_values v ON v.member_id = c.other_id"
    " WHERE c.member_id = {requester} ORDER BY c.other_id, v.position, v.id"
)


def _insert_events(dbapi: Any, dialect: str, events: list[tuple[Any, ...]]) -> None:
    """The driver's fastest bulk insert: COPY on PostgreSQL, executemany on SQLite."""
    columns = ", ".join(EVENT_COLUMNS)
    cursor = dbapi.cursor()
    try:
        if dialect == "postgresql":
            with cursor.copy(f"COPY access_events ({columns}) FROM STDIN") as copy:
                for row in events:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(EVENT_COLUMNS))
            cursor.executemany(f"INSERT INTO access_events ({columns}) VALUES ({marks})", events)
    finally:
        cursor.close()


def floor_export(session: Session) -> tuple[float, float, int]:
    """The floor, on the database driver alone: (select and csv seconds, insert seconds, bytes).

    The same rows selected with one plain query on the driver's cursor, a
    download check per value, ``csv.writer`` into a null sink, then one bulk
    insert (COPY on PostgreSQL, executemany on SQLite) of one access event per
    contact, committed. No SQLAlchemy on the timed path.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    dbapi = connection.connection.dbapi_connection
    start = time.perf_counter()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    size, pending, events = 0, 0, []
    request_id, nobody = uuid.uuid4().hex, Audience.NOBODY.value
    now = utcnow() if dialect == "postgresql" else utcnow().replace(tzinfo=None)
    cursor = dbapi.cursor()
    cursor.execute(_FLOOR_SELECT.format(requester=int(REQUESTER_ID)))
    for (subject_id, handle), rows in groupby(cursor.fetchall(), key=itemgetter(0, 1)):
        cells, released, refused = [], [], []
        for _id, _handle, field, label, value, download in rows:
            name = f"{field}:{label}" if label else field
            if download == nobody:
                refused.append([name, "audience"])
            else:
                cells.append(value)
                released.append(name)
        writer.writerow([handle, *cells])
        outcome = "partial" if refused else "released"
        events.append(
            (
                now,
                REQUESTER_ID,
                None,
                subject_id,
                "download",
                "export",
                "recruiting",
                json.dumps(released, separators=(",", ":")),
                json.dumps(refused, separators=(",", ":")),
                outcome if released else "refused",
                request_id,
                0,
            )
        )
        pending += 1
        if pending == ROWS_PER_CHUNK:
            size += len(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    cursor.close()
    size += len(buffer.getvalue().encode("utf-8"))
    written = time.perf_counter()
    _insert_events(dbapi, dialect, events)
    dbapi.commit()
    inserted = time.perf_counter()
    session.execute(delete(AccessEvent).where(AccessEvent.request_id == request_id))
    session.commit()
    return written - start, inserted - written, size


def medians(run: Callable[[], tuple[float, float, int]], repeat: int) -> tuple[float, float, int]:
    """Median of each timing over ``repeat`` runs, and the last run's byte count."""
    results = [run() for _ in range(repeat)]
    return (
        statistics.median(r[0] for r in results),
        statistics.median(r[1] for r in results),
        results[-1][2],
    )


def reset_peak_rss() -> bool:
    """Restart the peak (``ru_maxrss``) from the current resident size; False if impossible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_profile(session: Session, fmt: str, top: int) -> None:
    """Profile one more export; print its ``top`` functions by cumulative, then by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(app_export, session, fmt)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def measure(session: Session, args: argparse.Namespace) -> dict[str, Any]:
    """Time the export and the floor on a seeded database; print a line per phase."""
    fresh = reset_peak_rss()
    baseline = peak_rss_mb()
    prepare, seconds, size = medians(lambda: app_export(session, args.format), args.repeat)
    peak = peak_rss_mb()
    print(
        f"export {args.format}: {seconds:.3f} s median of {args.repeat} "
        f"(prepare and first chunk {prepare:.3f} s); {size:,} bytes"
    )
    if fresh:
        print(
            f"peak RSS of the export runs: {peak:.1f} MB (resident before them {baseline:.1f} MB)"
        )
    else:
        print(f"peak RSS of the process, imports included (could not reset it): {peak:.1f} MB")
    write, insert_, floor_size = medians(lambda: floor_export(session), args.repeat)
    floor = write + insert_
    print(
        f"floor:      {floor:.3f} s (select and csv {write:.3f} s, "
        f"insert {args.contacts:,} events {insert_:.3f} s); {floor_size:,} bytes"
    )
    print(f"ratio export/floor: {seconds / floor:.2f}")
    if args.profile:
        print_profile(session, args.format, args.profile)
    return {
        "contacts": args.contacts,
        "format": args.format,
        "seconds": round(seconds, 4),
        "floor_seconds": round(floor, 4),
        "ratio": round(seconds / floor, 2),
        "peak_rss_mb": round(peak, 1),
        "bytes": size,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="TOP", help="also profile one export"
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="fieldgate-bench-") as folder,
        scratch_database(folder) as url,
    ):
        seed_seconds = seed(url, args.contacts)
        database = url.split(":", 1)[0].split("+", 1)[0]
        print(f"seeded {args.contacts:,} contacts in {seed_seconds:.1f} s ({database}, subprocess)")
        app = bench_app(url)
        try:
            with app.app_context():
                summary = measure(db.session, args)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    summary.update(seed_seconds=round(seed_seconds, 1), database=database)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
