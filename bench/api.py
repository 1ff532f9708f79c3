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
    also pays.

Both run on the same server, one after the other, after a warm-up each.
Rate limits are off (they would cap (a) at 300 a minute by design). The
access-log sequencer is off: events are sealed into the tree later, off the
request path, as the sequencer does in production. The last line printed is
one JSON object: ``rps``, ``p99_ms``, ``baseline_rps``, ``baseline_p99_ms``
and ``ratio`` (rps / baseline_rps). The target is ``ratio >= 0.5``.
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

from app.apps.credentials import digest
from app.apps.grants import consent
from app.apps.registration import AppDetails, register_app
from app.apps.scopes import scope_string
from app.apps.tokens import store_tokens
from app.clock import utcnow
from app.extensions import db
from app.models.apps import AuthorizationCode
from bench.export import seed
from bench.seed import REQUESTER_ID, bench_app, scratch_database
from permissions import Purpose, Scope

ROOT = Path(__file__).resolve().parent.parent
API_PATH = "/api/v1/connections?limit=100"
BARE_PATH = "/bench/bare"
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


def served_app() -> Flask:
    """The app gunicorn serves: the product, plus the bare route of this benchmark only.

    Reads ``BENCH_DATABASE_URL``. The bare route's body is one real response of
    the API, captured through the app at start-up (its events are logged like
    any other read's).
    """
    app = bench_app(os.environ["BENCH_DATABASE_URL"])
    document: list[Any] = []

    def bare() -> Response:
        return jsonify(document[0])

    app.add_url_rule(BARE_PATH, "bench_bare", bare)
    captured = app.test_client().get(API_PATH, headers={"Authorization": f"Bearer {TOKEN}"})
    if captured.status_code != 200:
        raise RuntimeError(f"the API answered {captured.status}: {captured.get_data()[:300]!r}")
    document.append(captured.get_json())
    with app.app_context():
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
                "bytes": api["bytes"],
                "errors": api["errors"] + bare["errors"],
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
