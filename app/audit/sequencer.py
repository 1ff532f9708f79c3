"""The sequencer: one process at a time seals committed events and signs checkpoints.

Requests only insert events; this loop puts them into the Merkle tree in
``seq`` order, in batches, and signs a checkpoint whenever the tree grew, so
every event is under a signed checkpoint within a second or two (the README
promises ``AUDIT_SEAL_DELAY_SECONDS``, default 5).

One sequencer works at a time across processes and hosts: it holds a lease
row (``audit_sequencer_lease``) that it renews on every round and that
expires if it dies. A request never touches the lease or the tree. With
``make run`` the loop runs in a thread of the app (``AUDIT_SEQUENCER=thread``);
in production run ``flask audit sequencer`` as its own process.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import timedelta

from flask import Flask
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from app.audit.signing import signer_key
from app.audit.tree import BATCH, Sealed, TreeForked, Witness, seal_pending
from app.clock import utcnow
from app.database import affected
from app.extensions import db
from app.models.audit import LEASE_ID, SequencerLease

LEASE = timedelta(seconds=30)
INTERVAL_SECONDS = 1.0


def holder_name() -> str:
    """A name for this sequencer, unique across hosts and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(session: Session, holder: str) -> bool:
    """Take or renew the lease; False while another live sequencer holds it. Commits."""
    now = utcnow()
    won = affected(
        session.execute(
            update(SequencerLease)
            .where(
                SequencerLease.id == LEASE_ID,
                or_(SequencerLease.holder == holder, SequencerLease.expires_at < now),
            )
            .values(holder=holder, expires_at=now + LEASE)
        )
    )
    session.commit()
    return bool(won)


def release_lease(session: Session, holder: str) -> None:
    """Give the lease up (on a clean stop), so another sequencer need not wait for it to expire."""
    session.execute(
        update(SequencerLease)
        .where(SequencerLease.id == LEASE_ID, SequencerLease.holder == holder)
        .values(expires_at=utcnow() - LEASE)
    )
    session.commit()


def seal_all(
    session: Session,
    signer: str,
    origin: str,
    *,
    batch: int = BATCH,
    witness: Witness | None = None,
) -> list[Sealed]:
    """Seal batches until one comes back short of ``batch``; the caller holds the lease.

    A short batch means the sequencer has caught up: it stops there and rests
    until the next round, rather than going on until a batch comes back empty,
    which under a steady stream of writes may never happen (every batch finds
    the few events committed while the last one was sealed, and the loop
    would seal in tiny batches, a checkpoint and the partial tiles rewritten
    for each, without ever resting).
    """
    rounds = [seal_pending(session, signer, origin, batch=batch, witness=witness)]
    while rounds[-1].events >= batch:
        rounds.append(seal_pending(session, signer, origin, batch=batch, witness=witness))
    return rounds


def run_round(app: Flask, holder: str, witness: Witness | None = None) -> int:
    """One round: take the lease, seal what is pending; returns how many events were sealed."""
    with app.app_context():
        try:
            if not take_lease(db.session, holder):
                return 0
            rounds = seal_all(
                db.session, signer_key(app), app.config["AUDIT_LOG_ORIGIN"], witness=witness
            )
            return sum(r.events for r in rounds)
        finally:
            db.end_session()


def seal_once(session: Session, signer: str, origin: str) -> int | None:
    """Seal what is pending under a lease of its own, given back at once; None if taken.

    For ``flask audit sequencer --once``: a lease left to lapse kept the running
    sequencer waiting 30 s, and ``verify`` then flagged the events it left.
    """
    holder = holder_name()
    if not take_lease(session, holder):
        return None
    try:
        return sum(r.events for r in seal_all(session, signer, origin))
    finally:
        release_lease(session, holder)


def run(app: Flask, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Seal until ``stop`` is set; errors are logged and the next round tries again."""
    holder, witness = holder_name(), Witness()
    try:
        while not stop.is_set():
            try:
                run_round(app, holder, witness)
            except TreeForked as exc:  # an alarm, not a glitch: the history was rewritten
                app.logger.critical("the access log was tampered with: %s", exc)
            except Exception:  # a bad round must not end the loop; the next one retries
                app.logger.exception("the access-log sequencer failed a round")
            stop.wait(interval)
    finally:
        with app.app_context():
            release_lease(db.session, holder)
            db.end_session()


def start_in_thread(app: Flask) -> threading.Thread:
    """Run the sequencer in a daemon thread of this process (``AUDIT_SEQUENCER=thread``)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run, args=(app, stop), name="access-log-sequencer", daemon=True
    )
    app.extensions["audit_sequencer"] = (thread, stop)
    thread.start()
    return thread
