"""Parallel writers share no lock, and the sequencer seals all they wrote (real commits)."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from app.audit.integrity import verify
from app.audit.sequencer import run_round
from app.audit.signing import origin, verifier_key
from app.clock import utcnow
from app.extensions import db
from app.models.audit import AccessEvent
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


def test_parallel_writers_share_no_lock_and_leave_a_verifiable_tree(committed_app: Flask) -> None:
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(committed_app, w, errors)) for w in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert run_round(committed_app, "test-sequencer") == WRITERS * BATCHES * 5
    with committed_app.app_context():
        result = verify(
            db.session,
            verifier_key(),
            origin(),
            now=utcnow(),
            delay=timedelta(seconds=5),
        )
        seqs = db.session.execute(
            select(AccessEvent.seq, AccessEvent.leaf_index).order_by(AccessEvent.seq)
        ).all()
        db.end_session()
    assert result.ok, result.problem
    assert result.checked == WRITERS * BATCHES * 5
    # The database numbered the events; the tree took them in that order.
    assert [leaf for _seq, leaf in seqs] == list(range(len(seqs)))


def test_verify_holds_the_tree_still_while_it_reads(committed_app: Flask) -> None:
    # Found by review: on PostgreSQL each of verify's reads saw what the sequencer had
    # committed since the one before, so a batch sealed in between read as tampering
    # ("claims leaf N, past the tree"). Verify now holds the tree row until it ends.
    with committed_app.app_context():
        write_events(committed_app, db.session, [1, 2, 3], requester_id=1)
        db.session.remove()
    assert run_round(committed_app, "test-sequencer") == 3
    with committed_app.app_context():
        write_events(committed_app, db.session, [4, 5], requester_id=1)
        db.session.remove()
    sealed: list[int] = []
    sealer = threading.Thread(
        target=lambda: sealed.append(run_round(committed_app, "test-sequencer"))
    )
    with committed_app.app_context():
        result = verify(
            db.session, verifier_key(), origin(), now=utcnow(), delay=timedelta(seconds=5)
        )
        assert result.ok, result.problem
        sealer.start()
        sealer.join(timeout=1.0)
        assert sealer.is_alive() and sealed == []  # the sequencer waits for verify to end
        db.end_session()
    sealer.join(timeout=30)
    assert sealed == [2]
