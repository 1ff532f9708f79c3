"""The partner API under load: gunicorn on loopback, next to a bare endpoint of the same app.

Run: ``python -m bench.api [--contacts 1000] [--workers 3] [--seconds 10] [--concurrency 6]``
(``DATABASE_URL=postgresql://...`` for the README's figure; SQLite otherwise).

Design. A scratch database (see :mod:`bench.seed`) gets a member with
``--contacts`` connections with mixed policies, a partner app, the member's
grant to it (``basic:view contact:view``, recruiting) and a live access
token, all through the product's own services. Then gunicorn serves
:func:`served_app` (sync workers, on a free loopback port) and a load
generator in another process (:mod:`bench.load`) keeps ``--concurrency``
requests in flight for ``--seconds`` against:

(a) ``GET /api/v1/connections?limit=100`` with the bearer token: the token
    looked up by digest, the grant checked and touched, 100 connections
    decided by the engine, 100 access events written, JSON out;
(b) ``GET /bench/bare``: a route that only this benchmark's app has,
    serializing the document of one response of (a) captured at start-up
    (the same JSON, the same size) with no token, no policy, no events. It
    measures the server, the framework, JSON and the loopback, which (a)
    also pays;
(c) ``GET /bench/floor``: the database work that the privacy rule makes
    every such page do, on the driver alone: the token's row looked up by
    digest, the page's connections and their values read, the page's 100
    access events (the rows (a) wrote at start-up) inserted and committed,
    then the same JSON as (b). No SQLAlchemy, no engine, no decisions. What
    (a) costs above (c) is this app's; what (c) costs above (b) no
    implementation of the rule can avoid.

All three run on the same server, one after the other, after a warm-up each.
Rate limits are off (they would cap (a) at 300 a minute by design). The
access-log sequencer is off: events are sealed into the tree later, off the
request path, as the sequencer does in production. The last line printed is
one JSON object: ``rps``, ``p99_ms``, ``baseline_rps``, ``baseline_p99_ms``
and ``ratio`` (rps / baseline_rps), plus ``floor_rps``, ``floor_ratio``
(floor_rps / baseline_rps: the best ``ratio`` any implementation could reach
on this machine) and ``ratio_to_floor`` (rps / floor_rps). The target is
``ratio >= 0.5``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify
from sqlalchemy import text

from app.apps.credentials import digest
from app.apps.grants import consent
from app.apps.registration import AppDetails, register_app
from app.apps.scopes import scope_string
from app.apps.tokens import store_tokens
from app.audit.recorder import EVENT_COLUMNS
from app.clock import utcnow
from app.extensions import db
from app.models.apps import AuthorizationCode
from bench.export import seed
from bench.seed import REQUESTER_ID, bench_app, scratch_database
from permissions import Purpose, Scope

ROOT = Path(__file__).resolve().parent.parent
API_PATH = "/api/v1/connections?limit=100"
BARE_PATH = "/bench/bare"
FLOOR_PATH = "/bench/floor"
SCOPES = frozenset({Scope.BASIC_VIEW, Scope.CONTACT_VIEW})
TOKEN = "fgat_bench-api-token"  # noqa: S105 (a benchmark's token in a scratch database)
DEVELOPER_ID = 2  # any seeded member can develop an app


def issue_token(app: Flask) -> None:
    """Register an app, record the requester's grant to it and store a live token."""
    with app.test_request_context():
        details = AppDetails(
            name="Bench CRM",
            description="Reads connections as fast as it may.",
            homepage="https://bench.example",
            purpose=Purpose.RECRUITING,
            redirect_uris=["https://bench.example/cb"],
            scopes=SCOPES,
        )
        client, _secret = register_app(db.session, DEVELOPER_ID, details)
        grant = consent(db.session, REQUESTER_ID, client, SCOPES, timedelta(days=365))
        now = utcnow()
        code = AuthorizationCode(
            code_hash=digest("fgac_bench"),
            app_id=client.id,
            member_id=REQUESTER_ID,
            grant_id=grant.id,
            redirect_uri="https://bench.example/cb",
            scope=scope_string(SCOPES),
            code_challenge="unused",
            code_challenge_method="S256",
            expires_at=now,
            used_at=now,
        )
        db.session.add(code)
        db.session.flush()
        store_tokens(
            db.session,
            {"access_token": TOKEN, "refresh_token": "fgrt_bench"},
            grant=grant,
            family_id=code.id,
            parent_id=None,
            granted_scope=scope_string(SCOPES),
            access_expires_at=now + timedelta(days=1),
            refresh_expires_at=now + timedelta(days=1),
        )
        db.session.commit()


class Floor:
    """Route (c): the rule's database work for one page, on the DB-API driver alone.

    ``rows`` are the access events one real page wrote (read back at
    start-up, in ``EVENT_COLUMNS`` order); each request writes them again,
    stamped now, exactly as many and as large as (a) writes.
    """

    def __init__(self, app: Flask, rows: list[tuple[Any, ...]], subjects: list[int]) -> None:
        self.app, self.rows = app, rows
        self.subjects = ",".join(str(int(s)) for s in subjects)  # integers only
        self.postgres = db.engine.dialect.name == "postgresql"
        self.mark = "%s" if self.postgres else "?"

    def __call__(self) -> Response:
        mark, columns = self.mark, ", ".join(EVENT_COLUMNS)
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if not self.postgres:
                # The app's SQLite connections run in autocommit mode and begin
                # their transactions by hand (app/database.py); a raw connection
                # fires no such event, and each insert would commit on its own.
                cursor.execute("BEGIN IMMEDIATE")
            token = (
                "SELECT t.id, g.id FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id"
                f" WHERE t.access_token_hash = {mark}"
            )
            cursor.execute(token, (digest(TOKEN),))
            cursor.fetchall()
            cursor.execute(
                "SELECT other_id, other_handle FROM connections"
                f" WHERE member_id = {mark} ORDER BY other_handle LIMIT 101",
                (REQUESTER_ID,),
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT id, member_id, field, label, value, view, download, sync"
                f" FROM profile_values WHERE member_id IN ({self.subjects})"
            )
            cursor.fetchall()
            stamp = utcnow() if self.postgres else utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
            rows = [(stamp, *row[1:]) for row in self.rows]
            if self.postgres:
                with cursor.copy(f"COPY access_events ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join([mark] * len(EVENT_COLUMNS))
                cursor.executemany(
                    f"INSERT INTO access_events ({columns}) VALUES ({marks})",
                    rows,
                )
            connection.commit()
            cursor.close()
        finally:
            connection.close()  # back to the pool
        return jsonify(self.app.config["BENCH_DOCUMENT"])


def served_app() -> Flask:
    """The app gunicorn serves: the product, plus the bare and floor routes of this benchmark.

    Reads ``BENCH_DATABASE_URL``. The routes' body is one real response of
    the API, captured through the app at start-up (its events are logged like
    any other read's, and the floor writes those events again).
    """
    app = bench_app(os.environ["BENCH_DATABASE_URL"])
    floor: list[Floor] = []

    def bare() -> Response:
        return jsonify(app.config["BENCH_DOCUMENT"])

    app.add_url_rule(BARE_PATH, "bench_bare", bare)
    app.add_url_rule(FLOOR_PATH, "bench_floor", lambda: floor[0]())
    captured = app.test_client().get(API_PATH, headers={"Authorization": f"Bearer {TOKEN}"})
    if captured.status_code != 200:
        raise RuntimeError(f"the API answered {captured.status}: {captured.get_data()[:300]!r}")
    app.config["BENCH_DOCUMENT"] = captured.get_json()
    with app.app_context():
        columns = ", ".join(EVENT_COLUMNS)
        shown = len(app.config["BENCH_DOCUMENT"]["connections"])  # one event per connection
        written = db.session.execute(
            text(f"SELECT {columns} FROM access_events ORDER BY seq DESC LIMIT :n"),
            {"n": shown},
        ).all()
        rows = [tuple(row) for row in reversed(written)]
        floor.append(Floor(app, rows, [row[EVENT_COLUMNS.index("subject_id")] for row in rows]))
        db.session.rollback()
        db.engine.dispose()  # gunicorn forks the workers from this process (--preload)
    return app


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Block until the server accepts connections.

    Raises:
        RuntimeError: it exited, or did not come up in time.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up in time")


def drive(port: int, path: str, args: argparse.Namespace, *, token: str | None) -> dict[str, Any]:
    """Run the load generator in its own process against ``path``; its JSON summary."""
    command = [
        sys.executable,
        "-m",
        "bench.load",
        "--port",
        str(port),
        "--path",
        path,
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
        "--concurrency",
        str(args.concurrency),
    ]
    if token:
        command += ["--token", token]
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"the load generator failed:\n{done.stderr[-3000:]}")
    summary: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return summary


def serve(url: str, args: argparse.Namespace, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start gunicorn on a free loopback port (its messages go to ``log``); process and port.

    Raises:
        RuntimeError: it did not come up (with the end of its log).
    """
    port = free_port()
    with log.open("wb") as sink:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "--preload",
                "bench.api:served_app()",
            ],
            cwd=ROOT,
            env={**os.environ, "BENCH_DATABASE_URL": url},
            stderr=sink,
        )
    try:
        wait_until_up(port, server)
    except RuntimeError:
        server.kill()
        server.wait()
        raise RuntimeError(log.read_text(errors="replace")[-3000:]) from None
    return server, port


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=6)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="fieldgate-bench-") as folder,
        scratch_database(folder) as url,
    ):
        seed_seconds = seed(url, args.contacts)
        app = bench_app(url)
        issue_token(app)
        with app.app_context():
            db.engine.dispose()
        database = url.split(":", 1)[0].split("+", 1)[0]
        print(f"seeded {args.contacts:,} connections in {seed_seconds:.1f} s ({database})")
        server, port = serve(url, args, Path(folder) / "gunicorn.log")
        try:
            api = drive(port, API_PATH, args, token=TOKEN)
            print(f"api:  {json.dumps(api)}")
            bare = drive(port, BARE_PATH, args, token=None)
            print(f"bare: {json.dumps(bare)}")
            floor = drive(port, FLOOR_PATH, args, token=None)
            print(f"floor: {json.dumps(floor)}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "rps": api["rps"],
                "p99_ms": api["p99_ms"],
                "baseline_rps": bare["rps"],
                "baseline_p99_ms": bare["p99_ms"],
                "ratio": round(api["rps"] / bare["rps"], 3) if bare["rps"] else None,
                "floor_rps": floor["rps"],
                "floor_p99_ms": floor["p99_ms"],
                "floor_ratio": round(floor["rps"] / bare["rps"], 3) if bare["rps"] else None,
                "ratio_to_floor": round(api["rps"] / floor["rps"], 3) if floor["rps"] else None,
                "bytes": api["bytes"],
                "errors": api["errors"] + bare["errors"] + floor["errors"],
                "workers": args.workers,
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "connections": args.contacts,
                "database": database,
            }
        )
    )


if __name__ == "__main__":
    main()
