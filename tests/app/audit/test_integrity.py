"""The chain detects any change, deletion, insertion or reordering; pruning keeps it verifiable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.audit.chain import CHAINED_COLUMNS, digest
from app.audit.integrity import LogTampered, prune, verify
from app.models.audit import AccessEvent, AuditChain, EventAction, Place
from permissions import Field, Reason
from tests.app.audit.helpers import write_events

KEY = b"test-audit-key"


def _write(app: Flask, session: Session, n: int, subject_start: int = 1) -> None:
    subjects = range(subject_start, subject_start + n)
    write_events(app, session, subjects, refused=Reason.AUDIENCE, fields=[Field.EMAIL])


@pytest.fixture
def five(app: Flask, session: Session) -> Session:
    """A log of five events, written in two requests."""
    _write(app, session, 3)
    _write(app, session, 2, subject_start=4)
    return session


def _seqs(session: Session) -> list[int]:
    return list(session.scalars(select(AccessEvent.seq).order_by(AccessEvent.seq)))


def test_an_intact_log_verifies(five: Session) -> None:
    result = verify(five, KEY)
    assert result.ok and result.checked == 5 and result.first_bad_seq is None


def test_the_wrong_key_fails_at_the_first_event(five: Session) -> None:
    result = verify(five, b"another key")
    assert not result.ok and result.first_bad_seq == _seqs(five)[0]


def test_a_modified_event_is_named(five: Session) -> None:
    third = _seqs(five)[2]
    five.execute(update(AccessEvent).where(AccessEvent.seq == third).values(released='["email"]'))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == third
    assert "changed" in result.problem


def test_a_deleted_event_is_named(five: Session) -> None:
    second = _seqs(five)[1]
    five.execute(delete(AccessEvent).where(AccessEvent.seq == second))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == second
    assert "missing" in result.problem


def test_a_deleted_last_event_is_noticed(five: Session) -> None:
    last = _seqs(five)[-1]
    five.execute(delete(AccessEvent).where(AccessEvent.seq == last))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == last


def test_an_inserted_event_is_named(five: Session) -> None:
    seqs = _seqs(five)
    # Make room after the second event and slip a copy of the first one in.
    for seq in reversed(seqs[2:]):
        five.execute(update(AccessEvent).where(AccessEvent.seq == seq).values(seq=seq + 1))
    first = five.execute(select(AccessEvent.__table__).where(AccessEvent.seq == seqs[0])).one()
    five.execute(insert(AccessEvent.__table__).values({**first._mapping, "seq": seqs[2]}))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == seqs[2]


def test_an_event_appended_behind_the_heads_back_is_named(five: Session) -> None:
    seqs = _seqs(five)
    last = five.execute(select(AccessEvent.__table__).where(AccessEvent.seq == seqs[-1])).one()
    five.execute(insert(AccessEvent.__table__).values({**last._mapping, "seq": seqs[-1] + 1}))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == seqs[-1] + 1


def test_reordered_events_are_named(five: Session) -> None:
    a, b = _seqs(five)[1:3]
    table = AccessEvent.__table__
    row_a = five.execute(select(table).where(table.c.seq == a)).one()._mapping
    row_b = five.execute(select(table).where(table.c.seq == b)).one()._mapping
    five.execute(update(table).where(table.c.seq == a).values({**row_b, "seq": a}))
    five.execute(update(table).where(table.c.seq == b).values({**row_a, "seq": b}))

    result = verify(five, KEY)

    assert not result.ok and result.first_bad_seq == a


def _age(session: Session, seqs: list[int], days: int) -> None:
    when = datetime.now(UTC) - timedelta(days=days)
    session.execute(update(AccessEvent).where(AccessEvent.seq.in_(seqs)).values(occurred_at=when))


def _rechain(session: Session) -> None:
    """Recompute digests after a test moved events back in time (as if written then)."""

    table = AccessEvent.__table__
    previous = session.scalar(select(AuditChain.base_digest))
    for row in session.execute(select(table).order_by(table.c.seq)).all():
        fresh = dict(row._mapping)
        fresh["action"], fresh["place"] = EventAction(fresh["action"]), Place(fresh["place"])
        value = digest(KEY, previous, {c: fresh[c] for c in CHAINED_COLUMNS})
        session.execute(update(table).where(table.c.seq == row.seq).values(digest=value))
        previous = value
    session.execute(update(AuditChain).values(head_digest=previous))


def test_pruning_leaves_a_verifiable_log_from_a_checkpoint(app: Flask, five: Session) -> None:
    seqs = _seqs(five)
    _age(five, seqs[:3], days=400)
    _rechain(five)
    assert verify(five, KEY).ok

    result = prune(five, KEY, datetime.now(UTC) - timedelta(days=365))

    assert result.removed == 3 and result.checkpoint_seq == seqs[2]
    assert _seqs(five) == seqs[3:]
    assert verify(five, KEY).ok
    _write(app, five, 2, subject_start=10)  # the chain goes on after a prune
    assert verify(five, KEY).checked == 4


def test_after_pruning_cutting_more_events_is_still_detected(five: Session) -> None:
    seqs = _seqs(five)
    _age(five, seqs[:2], days=400)
    _rechain(five)
    prune(five, KEY, datetime.now(UTC) - timedelta(days=365))

    five.execute(delete(AccessEvent).where(AccessEvent.seq == seqs[2]))

    result = verify(five, KEY)
    assert not result.ok and result.first_bad_seq == seqs[2]


def test_moving_the_checkpoint_by_hand_is_detected(five: Session) -> None:
    seqs = _seqs(five)
    cut_digest = five.scalar(select(AccessEvent.digest).where(AccessEvent.seq == seqs[1]))
    five.execute(delete(AccessEvent).where(AccessEvent.seq <= seqs[1]))
    five.execute(update(AuditChain).values(base_seq=seqs[1], base_digest=cut_digest))

    result = verify(five, KEY)

    assert not result.ok and "checkpoint" in result.problem


def test_a_tampered_log_is_not_pruned(five: Session) -> None:
    five.execute(update(AccessEvent).where(AccessEvent.seq == _seqs(five)[0]).values(subject_id=99))

    with pytest.raises(LogTampered):
        prune(five, KEY, datetime.now(UTC))

    assert len(_seqs(five)) == 5
