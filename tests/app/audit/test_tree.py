"""The log as a Merkle tree: sealing, signed checkpoints, and every way of breaking it caught.

Each tampering the issue names (deleting, changing or reordering a sealed
event; a tree that does not extend an earlier checkpoint) is caught by
``verify`` (``flask audit verify``) here, and by the member's own script in
``test_member_verification.py``. The request path takes no lock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.audit import sequencer
from app.audit.integrity import LogTampered, Pruning, prune, prune_text, verify
from app.audit.leaves import LEAF_KEYS, leaf_bytes
from app.audit.merkle import EMPTY_ROOT, Frontier, leaf_hash
from app.audit.note import (
    generate_signer_key,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
    verifier_key_for,
)
from app.audit.sequencer import seal_all, take_lease
from app.audit.tree import (
    TreeForked,
    Witness,
    _number_leaves,
    latest_checkpoint,
    seal_pending,
    tree_state,
)
from app.clock import FixedClock
from app.models.audit import AccessEvent, AuditCheckpoint, AuditPrune, AuditTile, AuditTree
from permissions import Field
from tests.app.audit.helpers import write_events
from tests.conftest import QueryCounter
from tests.factories import make_member
from tests.settings import TEST_ORIGIN, TEST_SIGNER_KEY

DELAY = timedelta(seconds=5)


def _verifier() -> str:
    return verifier_key_for(TEST_SIGNER_KEY)


def _seal(session: Session) -> None:
    while seal_pending(session, TEST_SIGNER_KEY, TEST_ORIGIN).events:
        pass


def _check(session: Session, clock: FixedClock):
    return verify(session, _verifier(), TEST_ORIGIN, now=clock(), delay=DELAY)


@pytest.fixture
def sealed(app: Flask, session: Session, clock: FixedClock) -> Session:
    """Nine events in three requests, sealed and signed after each request."""
    for start in (1, 4, 7):
        write_events(app, session, range(start, start + 3), fields=[Field.EMAIL])
        _seal(session)
    return session


def _seqs(session: Session) -> list[int]:
    return list(session.scalars(select(AccessEvent.seq).order_by(AccessEvent.seq)))


def rebuild_tree(session: Session, *, forget_checkpoints: bool = False) -> None:
    """What an operator holding the key could do: rebuild the tree from the rows as they are now.

    With ``forget_checkpoints`` the old checkpoints go too, so the log itself
    no longer shows the rewrite: only a checkpoint a member kept can.
    """
    # The sequencer refuses to sign a tree that forks a stored checkpoint, so
    # the rewriter sets the old checkpoints aside while re-signing (with the
    # key, as the sequencer does) and puts them back unless told to forget them.
    kept = [
        (c.size, bytes(c.root), c.note, c.signed_at)
        for c in session.scalars(select(AuditCheckpoint))
    ]
    session.execute(delete(AuditCheckpoint))
    session.execute(delete(AuditTile))
    session.execute(update(AccessEvent).values(leaf_index=None))
    session.execute(
        update(AuditTree).values(size=0, root=EMPTY_ROOT, frontier=Frontier().to_bytes())
    )
    _seal(session)
    if not forget_checkpoints:
        new = {c.size for c in session.scalars(select(AuditCheckpoint))}
        for size, root, note, signed_at in kept:
            if size not in new:
                session.add(AuditCheckpoint(size=size, root=root, note=note, signed_at=signed_at))
        session.flush()


def test_sealing_numbers_leaves_in_seq_order_and_signs_each_growth(
    sealed: Session, clock: FixedClock
) -> None:
    leaves = sealed.execute(
        select(AccessEvent.seq, AccessEvent.leaf_index).order_by(AccessEvent.seq)
    ).all()
    assert [leaf for _seq, leaf in leaves] == list(range(9))
    sizes = list(sealed.scalars(select(AuditCheckpoint.size).order_by(AuditCheckpoint.size)))
    assert sizes == [3, 6, 9]
    note = latest_checkpoint(sealed).note
    assert note.startswith(f"{TEST_ORIGIN}\n9\n")
    assert parse_checkpoint(note, _verifier(), TEST_ORIGIN).root == bytes(tree_state(sealed).root)
    result = _check(sealed, clock)
    assert result.ok and result.checked == 9


def test_numbering_leaves_refuses_events_gone_or_already_sealed(
    app: Flask, sealed: Session
) -> None:
    sealed_seqs = _seqs(sealed)
    write_events(app, sealed, [10], fields=[Field.EMAIL])
    pending = _seqs(sealed)[-1]
    with pytest.raises(ValueError, match="3 pending events were read, 1 could be numbered"):
        _number_leaves(sealed, [pending, sealed_seqs[0], pending + 1000], 9)
    sealed.rollback()
    assert sealed.scalar(select(AccessEvent.leaf_index).where(AccessEvent.seq == pending)) is None
    assert (
        sealed.scalar(select(AccessEvent.leaf_index).where(AccessEvent.seq == sealed_seqs[0])) == 0
    )


def test_a_changed_event_is_caught(sealed: Session, clock: FixedClock) -> None:
    third = _seqs(sealed)[2]
    sealed.execute(update(AccessEvent).where(AccessEvent.seq == third).values(subject_id=99))

    result = _check(sealed, clock)

    assert not result.ok and f"event {third} (leaf 2) was changed or moved" in result.problem


def test_an_event_given_another_requester_is_caught(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Leaves name the requester by handle (migration 0016), not by the id the row keeps:
    # pointing the row at someone else must still break the leaf.
    viewer, other = make_member(session, "Vic", "Viewer"), make_member(session, "Oz", "Other")
    session.commit()
    write_events(app, session, [1, 2], requester_id=viewer.id, fields=[Field.EMAIL])
    _seal(session)
    assert _check(session, clock).ok
    first = _seqs(session)[0]
    session.execute(
        update(AccessEvent).where(AccessEvent.seq == first).values(requester_id=other.id)
    )

    result = _check(session, clock)

    assert not result.ok and f"event {first} (leaf 0) was changed or moved" in result.problem


def test_an_anonymous_event_given_an_id_no_member_has_is_caught(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Found by review: a leaf by handle holds null for an anonymous requester, and the
    # handle read for an id no member has is null too, so an anonymous view pointed at
    # such an id (shown as "a former member") still matched its leaf.
    write_events(app, session, [1, 2], requester_id=None, fields=[Field.EMAIL])
    _seal(session)
    assert _check(session, clock).ok
    first = _seqs(session)[0]
    session.execute(update(AccessEvent).where(AccessEvent.seq == first).values(requester_id=999))

    result = _check(session, clock)

    assert not result.ok and f"event {first} (leaf 0) was changed or moved" in result.problem


def test_a_deleted_event_is_caught(sealed: Session, clock: FixedClock) -> None:
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 4))

    result = _check(sealed, clock)

    assert not result.ok and "the event at leaf 4 is missing" in result.problem


def test_the_last_event_deleted_is_caught(sealed: Session, clock: FixedClock) -> None:
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 8))

    result = _check(sealed, clock)

    assert not result.ok and "leaves 8 to 8 are missing" in result.problem


def test_reordered_events_are_caught(sealed: Session, clock: FixedClock) -> None:
    a, b = _seqs(sealed)[1], _seqs(sealed)[5]
    sealed.execute(update(AccessEvent).where(AccessEvent.seq == a).values(leaf_index=-1))
    sealed.execute(update(AccessEvent).where(AccessEvent.seq == b).values(leaf_index=1))
    sealed.execute(update(AccessEvent).where(AccessEvent.seq == a).values(leaf_index=5))

    result = _check(sealed, clock)

    assert not result.ok and "(leaf 1) was changed or moved" in result.problem


def test_a_tree_rebuilt_without_an_event_does_not_extend_the_checkpoints(
    sealed: Session, clock: FixedClock
) -> None:
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 4))
    rebuild_tree(sealed)  # consistent in itself, re-signed; the old checkpoints remain

    result = _check(sealed, clock)

    assert not result.ok and "does not extend the checkpoint signed at size" in result.problem


def _forge_rebuilt_tree(session: Session) -> None:
    """What someone with SQL access alone can do: reset the tree so the sequencer rebuilds it."""
    session.execute(delete(AuditTile))
    session.execute(update(AccessEvent).values(leaf_index=None))
    session.execute(
        update(AuditTree).values(size=0, root=EMPTY_ROOT, frontier=Frontier().to_bytes())
    )


def test_the_sequencer_will_not_sign_a_tree_that_forks_a_stored_checkpoint(
    sealed: Session, clock: FixedClock
) -> None:
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 4))
    _forge_rebuilt_tree(sealed)
    sealed.commit()

    with pytest.raises(TreeForked, match="does not extend the checkpoint signed at size 9"):
        seal_pending(sealed, TEST_SIGNER_KEY, TEST_ORIGIN)
    sealed.rollback()

    assert sorted(sealed.scalars(select(AuditCheckpoint.size))) == [3, 6, 9]
    assert not _check(sealed, clock).ok


def test_a_running_sequencer_remembers_what_it_signed_when_the_rows_are_deleted(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    witness = Witness()
    for start in (1, 4, 7):
        write_events(app, session, range(start, start + 3), fields=[Field.EMAIL])
        seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, witness=witness)
    assert (witness.size, witness.root) == (9, bytes(tree_state(session).root))
    # SQL access only: drop an event, every checkpoint and the tree, so nothing in
    # the database remembers the old history.
    session.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 4))
    session.execute(delete(AuditCheckpoint))
    _forge_rebuilt_tree(session)
    session.commit()

    with pytest.raises(TreeForked, match="signed at size 9"):
        seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, witness=witness)
    session.rollback()

    assert list(session.scalars(select(AuditCheckpoint.size))) == []
    clock.advance(seconds=6)  # the events stay pending, and past the delay that shows
    assert "in no signed checkpoint" in _check(session, clock).problem


def _leaf_hashes_of_events(session: Session, **where: object) -> list[bytes]:
    columns = [getattr(AccessEvent, key) for key in LEAF_KEYS]
    rows = session.execute(select(*columns).filter_by(**where).order_by(AccessEvent.leaf_index))
    return [leaf_hash(leaf_bytes(row._mapping)) for row in rows]


def test_the_sequencer_signs_only_the_root_its_tiles_give(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Found by review: an event changed and the tree row's right edge rewritten to
    # match was signed by the next round, witness and all, as the row said.
    witness = Witness()
    write_events(app, session, range(1, 4), fields=[Field.EMAIL])
    seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, witness=witness)
    session.execute(update(AccessEvent).where(AccessEvent.leaf_index == 1).values(requester_id=99))
    forged = Frontier()
    forged.append(_leaf_hashes_of_events(session))
    session.execute(
        update(AuditTree).values(size=forged.size, root=forged.root(), frontier=forged.to_bytes())
    )
    session.commit()
    write_events(app, session, [4], fields=[Field.EMAIL])

    with pytest.raises(TreeForked, match="tiles do not give its root"):
        seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, witness=witness)
    session.rollback()

    assert sorted(session.scalars(select(AuditCheckpoint.size))) == [3]


def test_a_leaf_changed_under_intact_upper_tiles_is_caught(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Found by review: with a full leaf tile (256 leaves), roots are read from the
    # tile above, so changing an event and its leaf entry together passed verify.
    write_events(app, session, range(1, 301), fields=[Field.EMAIL])
    _seal(session)
    session.execute(update(AccessEvent).where(AccessEvent.leaf_index == 5).values(requester_id=42))
    tile = bytearray(session.scalar(select(AuditTile.hashes).filter_by(level=0, number=0)))
    tile[5 * 32 : 6 * 32] = _leaf_hashes_of_events(session, leaf_index=5)[0]
    session.execute(update(AuditTile).filter_by(level=0, number=0).values(hashes=bytes(tile)))

    result = _check(session, clock)

    assert not result.ok and "do not hash up to the root signed at size 300" in result.problem


def test_an_upper_tile_entry_that_no_root_reads_is_caught(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Found by review: past 2**16 leaves a root reads the level-16 tile, so a level-8
    # entry under it (which inclusion proofs read) was checked by no root unless a
    # checkpoint fell inside its block; changed, members' proofs failed and verify passed.
    write_events(app, session, range(1, 2**16 + 2), fields=[Field.EMAIL])
    seal_pending(session, TEST_SIGNER_KEY, TEST_ORIGIN, batch=2**17)  # one checkpoint
    tile = bytearray(session.scalar(select(AuditTile.hashes).filter_by(level=1, number=0)))
    tile[3 * 32] ^= 1
    session.execute(update(AuditTile).filter_by(level=1, number=0).values(hashes=bytes(tile)))

    result = _check(session, clock)

    assert not result.ok and "node (8, 3)" in result.problem


def test_deleted_tiles_are_reported_not_raised(sealed: Session, clock: FixedClock) -> None:
    # Found by review: verify stopped with a MissingTileError traceback instead of
    # naming the problem.
    sealed.execute(delete(AuditTile))

    result = _check(sealed, clock)

    assert not result.ok and "tile (0, 0) has no entry 0" in result.problem


def test_a_deleted_leaf_tile_under_an_intact_upper_tile_is_reported(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    # Roots read the first 256 leaves from the tile above, so only rebuilding from the
    # leaves meets the hole: it raised ValueError there (found by review).
    write_events(app, session, range(1, 301), fields=[Field.EMAIL])
    _seal(session)
    session.execute(delete(AuditTile).filter_by(level=0, number=0))

    result = _check(session, clock)

    assert not result.ok and "tile (0, 0) has no entry 0" in result.problem


@pytest.mark.parametrize("mark", [6, 9])
def test_events_deleted_by_hand_under_a_raised_mark_are_caught(
    sealed: Session, clock: FixedClock, mark: int
) -> None:
    # Found by review: deleting the oldest events and raising the mark over them
    # looked exactly like a prune (and mark 9 emptied the log).
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index < mark))
    sealed.execute(update(AuditTree).values(pruned_below=mark))

    result = _check(sealed, clock)

    assert not result.ok
    assert "no signed prune record" in result.problem or "covers every leaf" in result.problem


def _prune_the_nine_after_forty_days(app: Flask, sealed: Session, clock: FixedClock) -> Pruning:
    """Two newer events sealed forty days on, then everything older than 30 days pruned."""
    clock.advance(days=40)
    write_events(app, sealed, [50, 51], fields=[Field.EMAIL])
    _seal(sealed)
    return prune(
        sealed, TEST_SIGNER_KEY, TEST_ORIGIN, clock() - timedelta(days=30), now=clock(), delay=DELAY
    )


def test_a_signed_prune_record_cannot_be_stretched_over_more_events(
    app: Flask, sealed: Session, clock: FixedClock
) -> None:
    _prune_the_nine_after_forty_days(app, sealed, clock)
    assert _check(sealed, clock).ok
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 9))
    sealed.execute(update(AuditTree).values(pruned_below=10))

    result = _check(sealed, clock)

    assert not result.ok and "not the one the last prune signed" in result.problem


def test_a_pruning_mark_raised_by_hand_is_caught(sealed: Session, clock: FixedClock) -> None:
    # Found by review: deleting an event and raising the mark above it read as a prune,
    # and the events left below the mark were no longer checked at all.
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 6))
    sealed.execute(update(AuditTree).values(pruned_below=7))
    sealed.execute(update(AccessEvent).where(AccessEvent.leaf_index == 2).values(subject_id=99))

    result = _check(sealed, clock)

    assert not result.ok
    assert "no signed prune record" in result.problem  # nor could one be: events lie below it
    sealed.add(
        AuditPrune(pruned_below=7, note=sign_note(TEST_SIGNER_KEY, prune_text(TEST_ORIGIN, 7)))
    )  # even with the key (the operator's own prune record), the events below are caught
    assert "lies below the pruning mark (7)" in _check(sealed, clock).problem


def test_a_checkpoint_signed_with_another_key_is_caught(sealed: Session, clock: FixedClock) -> None:
    forger = generate_signer_key(TEST_ORIGIN)
    last = latest_checkpoint(sealed)
    sealed.execute(
        update(AuditCheckpoint)
        .where(AuditCheckpoint.size == last.size)
        .values(note=sign_checkpoint(forger, TEST_ORIGIN, last.size, bytes(last.root)))
    )

    result = _check(sealed, clock)

    assert not result.ok and "is not validly signed" in result.problem


def test_sealed_leaves_whose_checkpoint_was_deleted_are_flagged(
    sealed: Session, clock: FixedClock
) -> None:
    # Found by review: with the newest checkpoint row deleted, /checkpoint served
    # the one before it (a replay), members' downloads showed the events after it
    # as pending, and verify passed: it looked only for events with no leaf.
    sealed.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size == 9))

    result = _check(sealed, clock)

    assert not result.ok and "leaves 6 to 8 are in no signed checkpoint" in result.problem
    _seal(sealed)  # a running sequencer signs the tree again at once
    assert _check(sealed, clock).ok


def test_a_tree_with_no_checkpoint_at_all_is_flagged(sealed: Session, clock: FixedClock) -> None:
    sealed.execute(delete(AuditCheckpoint))

    result = _check(sealed, clock)

    assert not result.ok and "leaves 0 to 8 are in no signed checkpoint" in result.problem


def test_committed_events_left_unsealed_past_the_delay_are_flagged(
    app: Flask, sealed: Session, clock: FixedClock
) -> None:
    write_events(app, sealed, [42], fields=[Field.EMAIL])
    assert _check(sealed, clock).ok  # just written: pending is fine

    clock.advance(seconds=6)
    result = _check(sealed, clock)

    assert not result.ok and "1 events committed more than 5 s ago" in result.problem
    _seal(sealed)
    assert _check(sealed, clock).ok


def test_pruning_keeps_the_rest_verifiable_and_the_checkpoints_checkable(
    app: Flask, sealed: Session, clock: FixedClock
) -> None:
    result = _prune_the_nine_after_forty_days(app, sealed, clock)
    sealed.flush()

    assert (result.removed, result.pruned_below) == (9, 9)
    assert len(_seqs(sealed)) == 2 and _check(sealed, clock).ok
    sealed.execute(delete(AccessEvent).where(AccessEvent.leaf_index == 10))
    assert "leaves 10 to 10 are missing" in _check(sealed, clock).problem


def test_pruning_everything_keeps_the_newest_event_so_its_number_is_never_reused(
    app: Flask, sealed: Session, clock: FixedClock
) -> None:
    newest = max(_seqs(sealed))
    clock.advance(days=40)

    result = prune(
        sealed, TEST_SIGNER_KEY, TEST_ORIGIN, clock() - timedelta(days=1), now=clock(), delay=DELAY
    )
    sealed.flush()
    write_events(app, sealed, [60], fields=[Field.EMAIL])

    assert (result.removed, result.pruned_below) == (8, 8)
    assert _seqs(sealed)[0] == newest and _seqs(sealed)[1] > newest
    _seal(sealed)
    assert _check(sealed, clock).ok


def test_a_broken_log_is_not_pruned(sealed: Session, clock: FixedClock) -> None:
    sealed.execute(update(AccessEvent).where(AccessEvent.leaf_index == 0).values(place="search"))

    with pytest.raises(LogTampered, match="changed or moved"):
        prune(sealed, TEST_SIGNER_KEY, TEST_ORIGIN, clock(), now=clock(), delay=DELAY)


def test_writing_events_locks_nothing_and_only_inserts(
    app: Flask, session: Session, count_queries: QueryCounter
) -> None:
    requester = make_member(session, "Vic", "Viewer")  # every requester is a member
    before = count_queries.count

    write_events(app, session, range(1, 2001), requester_id=requester.id, fields=[Field.EMAIL])

    statements = [s.lstrip().upper() for s in count_queries.statements[before:]]
    assert statements and all(
        s.startswith(("INSERT", "COMMIT", "BEGIN", "SAVEPOINT", "RELEASE")) for s in statements
    ), statements
    assert not any("FOR UPDATE" in s for s in statements)
    assert sum(s.startswith("INSERT") for s in statements) <= 3


def test_one_sequencer_at_a_time_until_its_lease_lapses(
    app: Flask, session: Session, clock: FixedClock
) -> None:
    with app.app_context():
        assert take_lease(session, "host-a:1")
        assert take_lease(session, "host-a:1")  # renewing
        assert not take_lease(session, "host-b:2")

        clock.advance(seconds=31)

        assert take_lease(session, "host-b:2")
        assert not take_lease(session, "host-a:1")


def test_a_round_seals_full_batches_until_one_comes_back_short(
    app: Flask, session: Session
) -> None:
    write_events(app, session, range(1, 6), fields=[Field.EMAIL])

    rounds = seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, batch=2)

    assert [r.events for r in rounds] == [2, 2, 1]
    assert tree_state(session).size == 5


def test_a_round_rests_once_caught_up_though_writes_keep_coming(
    app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writers that never stop: every batch sealed is followed by two new events.
    write_events(app, session, [1], fields=[Field.EMAIL])
    subjects = iter(range(100, 200))
    real_seal = sequencer.seal_pending

    def seal_while_writes_go_on(*args, **kwargs):
        sealed = real_seal(*args, **kwargs)
        write_events(app, session, [next(subjects), next(subjects)], fields=[Field.EMAIL])
        return sealed

    monkeypatch.setattr(sequencer, "seal_pending", seal_while_writes_go_on)

    rounds = seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN, batch=10)

    assert [r.events for r in rounds] == [1]  # short: caught up, so the round ends
    assert len(_seqs(session)) == 3  # the two written meanwhile wait for the next round
