"""Parallel writers extend one unbroken chain (real commits, own database)."""

from __future__ import annotations

import threading

from flask import Flask

from app.audit.integrity import verify
from app.audit.recorder import AccessContext, record_outcomes
from app.extensions import db
from app.models.audit import EventAction, Place
from permissions import Outcome, Reason, Relation

WRITERS = 6
BATCHES = 8


def _writer(app: Flask, writer: int, errors: list[BaseException]) -> None:
    try:
        with app.test_request_context():
            for batch in range(BATCHES):
                context = AccessContext(
                    requester_id=writer, action=EventAction.VIEW, place=Place.PROFILE
                )
                outcomes = [
                    Outcome(
                        1000 * writer + 10 * batch + i, Relation.MEMBER, [], [], Reason.AUDIENCE
                    )
                    for i in range(5)
                ]
                record_outcomes(db.session, context, outcomes)
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
