"""Verifying the chain, and pruning old events behind a signed checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.audit.chain import CHAINED_COLUMNS, checkpoint_mac, digest, same
from app.database import affected
from app.models.audit import CHAIN_ID, GENESIS, AccessEvent, AuditChain

BATCH = 5000


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking the log: intact, or where it first breaks and how."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Pruning:
    """What a prune removed and the checkpoint it left."""

    removed: int
    checkpoint_seq: int


class LogTampered(RuntimeError):
    """Raised instead of pruning a log that does not verify."""


def _events(session: Session) -> Iterator[Any]:
    """Every event in chain order, read in keyset batches (constant memory)."""
    columns = [getattr(AccessEvent, name) for name in CHAINED_COLUMNS]
    after = -1
    while True:
        rows = session.execute(
            select(*columns, AccessEvent.digest)
            .where(AccessEvent.seq > after)
            .order_by(AccessEvent.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def _chain(session: Session) -> AuditChain:
    return session.execute(select(AuditChain).where(AuditChain.id == CHAIN_ID)).scalar_one()


def _checkpoint_problem(chain: AuditChain, key: bytes) -> str:
    if chain.base_seq == 0:
        intact = chain.base_digest == GENESIS and chain.base_mac == ""
    else:
        expected = checkpoint_mac(key, chain.base_seq, chain.base_digest)
        intact = same(chain.base_mac, expected)
    return "" if intact else "the pruning checkpoint was altered"


def verify(session: Session, key: bytes) -> Verification:
    """Recompute the chain from the checkpoint to the head and report the first break.

    Detects a changed event (its digest no longer matches), a deleted event
    (a gap in ``seq``), an inserted or moved one (its digest does not follow
    from its predecessor) and a cut-off tail (the last event is not the head).
    """
    chain = _chain(session)
    problem = _checkpoint_problem(chain, key)
    if problem:
        return Verification(False, 0, chain.base_seq, problem)
    expected_seq, previous, checked = chain.base_seq + 1, chain.base_digest, 0
    for row in _events(session):
        if row.seq != expected_seq:
            what = "missing" if row.seq > expected_seq else "out of place"
            bad = min(row.seq, expected_seq)
            return Verification(False, checked, bad, f"event {bad} is {what}")
        recomputed = digest(key, previous, dict(row._mapping))
        if not same(recomputed, row.digest):
            return Verification(
                False, checked, row.seq, f"event {row.seq} was changed, inserted or reordered"
            )
        previous, expected_seq, checked = row.digest, expected_seq + 1, checked + 1
    last = expected_seq - 1
    if last != chain.head_seq or not same(previous, chain.head_digest):
        bad = min(last + 1, chain.head_seq)
        return Verification(False, checked, bad, f"events from {bad} on are missing")
    return Verification(True, checked)


def prune(session: Session, key: bytes, before: datetime) -> Pruning:
    """Delete the events older than ``before`` and leave a signed checkpoint.

    Only a prefix of the chain is removed (up to the first event at or after
    ``before``), so what remains still verifies from the checkpoint. The
    caller commits.

    Raises:
        LogTampered: the log does not verify; pruning would destroy evidence.
    """
    result = verify(session, key)
    if not result.ok:
        raise LogTampered(result.problem)
    chain = session.execute(
        select(AuditChain).where(AuditChain.id == CHAIN_ID).with_for_update()
    ).scalar_one()
    first_kept = session.scalar(
        select(func.min(AccessEvent.seq)).where(AccessEvent.occurred_at >= before)
    )
    cut = chain.head_seq if first_kept is None else first_kept - 1
    if cut <= chain.base_seq:
        return Pruning(0, chain.base_seq)
    cut_digest = session.scalar(select(AccessEvent.digest).where(AccessEvent.seq == cut))
    if cut_digest is None:  # verify() just saw it; only a concurrent deletion gets here
        raise LogTampered(f"event {cut} disappeared while pruning")
    removed = affected(session.execute(delete(AccessEvent).where(AccessEvent.seq <= cut)))
    session.execute(
        update(AuditChain)
        .where(AuditChain.id == CHAIN_ID)
        .values(
            base_seq=cut,
            base_digest=cut_digest,
            base_mac=checkpoint_mac(key, cut, cut_digest),
            pruned_before=before,
        )
    )
    return Pruning(removed, cut)
