"""Parallel writers extend one unbroken chain (real commits, own database)."""

from __future__ import annotations

import threading

from flask import Flask

from app.audit.integrity import verify
from app.extensions import db
from tests.app.audit.helpers import write_events

WRITERS = 6
BATCHES = 8


def _writer(app: Flask, writer: int, errors: list[BaseException]) -> None:
    try:
        with app.app_context():
            for batch in range(BATCHES):
                subjects = [1000 * writer + 10 * batch + i for i in range(5)]
                write_events(app, db.session, subjects, requester_id=writer)
            db.session.remove()
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def test_parallel_writers_leave_a_verifiable_chain(committed_app: Flask) -> None:
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(committed_app, w, errors)) for w in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    with committed_app.app_context():
        result = verify(db.session, committed_app.config["AUDIT_KEY"].encode())
        db.session.remove()
    assert result.ok, result.problem
    assert result.checked == WRITERS * BATCHES * 5
