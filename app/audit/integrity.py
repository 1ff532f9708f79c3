"""Verifying the log against its Merkle tree and signed checkpoints, and pruning old events.

:func:`verify` checks, and reports the first problem of:

- every signed checkpoint: its signature (with the log's verifier key) and
  that the stored tree, read from its tiles, has that root at that size: so
  a tree that does not extend an earlier checkpoint is caught; and that the
  newest one covers the whole tree (deleted checkpoints are caught);
- the tree's own row (size, root, frontier) against its tiles, and the
  tree rebuilt from its leaf hashes alone against every signed root (a leaf
  entry changed under intact upper tiles is caught) and every upper-tile
  entry (one that only proofs read is caught);
- every stored sealed event: its leaf, recomputed from its columns, is the
  leaf hash stored at its place in the tree (a changed, moved or swapped
  event is caught), and no leaf from the pruning mark to the end lacks its
  event (a deleted event is caught), and none is stored below that mark (a
  mark raised by hand to hide a deletion is caught);
- the pruning mark: the one the last prune signed with the log's key (events
  deleted by hand with the mark raised over them are caught);
- no committed event older than the sealing delay is outside every checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.audit.leaves import BY_HANDLE, LEAF_KEYS, leaf_bytes
from app.audit.merkle import Frontier, NodeReader, leaf_hash
from app.audit.note import NoteError, open_note, parse_checkpoint, sign_note, verifier_key_for
from app.audit.tiles import TILE_HEIGHT, MissingTileError
from app.audit.tree import StoredTiles, leaf_hashes, root_at, tree_state, with_requester_handle
from app.database import affected
from app.models.accounts import Member
from app.models.audit import TREE_ID, AccessEvent, AuditCheckpoint, AuditPrune, AuditTree

BATCH = 5000


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking the log: intact, or its first problem."""

    ok: bool
    checked: int
    problem: str = ""


@dataclass(frozen=True, slots=True)
class Pruning:
    """What a prune removed, and the first leaf whose event is still kept."""

    removed: int
    pruned_below: int


class LogTampered(RuntimeError):
    """Raised instead of pruning a log that does not verify."""


def _checkpoint_problem(session: Session, verifier_key: str, origin: str, size: int) -> str:
    newest = 0
    for checkpoint in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)):
        newest = checkpoint.size
        try:
            signed = parse_checkpoint(checkpoint.note, verifier_key, origin)
        except NoteError as exc:
            return f"the checkpoint at size {checkpoint.size} is not validly signed: {exc}"
        if (signed.size, signed.root) != (checkpoint.size, bytes(checkpoint.root)):
            return f"the checkpoint at size {checkpoint.size} does not say what its row says"
        if checkpoint.size > size:
            return f"a checkpoint covers {checkpoint.size} leaves but the tree has {size}"
        if root_at(session, checkpoint.size) != signed.root:
            return (
                f"the tree does not extend the checkpoint signed at size {checkpoint.size} "
                "(its leaves were changed)"
            )
    if newest < size:
        # Sealing signs in the same transaction, so leaves past the newest checkpoint
        # mean checkpoints were deleted: /checkpoint then served an older one and
        # downloads showed the events after it as pending (found by review).
        return f"leaves {newest} to {size - 1} are in no signed checkpoint"
    return ""


def _leaves_problem(session: Session, tree: AuditTree) -> str:
    """Rebuild the tree from its leaf hashes alone and meet every signed root on the way.

    The other checks read upper tiles (their stored nodes) for roots and the
    leaf tiles for events; a leaf entry changed inside a full tile, with the
    nodes above it left alone, passed both (found by review). Hashing the
    leaves up again ties every event checked to every checkpoint.
    """
    signed = list(
        session.execute(
            select(AuditCheckpoint.size, AuditCheckpoint.root).order_by(AuditCheckpoint.size)
        )
    )
    frontier, wanted = Frontier(), [*signed, (tree.size, bytes(tree.root))]
    reader, tiles_problem = StoredTiles(session).reader(), ""
    for size, root in wanted:
        while frontier.size < size:
            upto = min(size, frontier.size + BATCH)
            made = frontier.append(leaf_hashes(session, frontier.size, upto))
            tiles_problem = tiles_problem or _upper_tiles_problem(made, reader)
        if frontier.root() != bytes(root):  # a changed history is the graver news
            return f"the tree's leaves do not hash up to the root signed at size {size}"
        if tiles_problem:
            return tiles_problem
    return ""


def _upper_tiles_problem(made: list[tuple[int, int, bytes]], reader: NodeReader) -> str:
    """Each stored upper-tile entry must be the node its leaves hash up to.

    A root reads the highest tiles it can, so past 2**16 leaves no root read
    the level-8 entries under a full level-16 node, which inclusion proofs do
    read: changed, members' proofs failed while verify passed (found by review).
    """
    upper = [(level, index, h) for level, index, h in made if level and not level % TILE_HEIGHT]
    stored = reader.nodes([(level, index) for level, index, _h in upper]) if upper else []
    for (level, index, digest), entry in zip(upper, stored, strict=True):
        if entry != digest:
            return f"the tree's node ({level}, {index}) in its tiles is not the hash of its leaves"
    return ""


PRUNE_LINE = "fieldgate-prune"


def prune_text(origin: str, pruned_below: int) -> str:
    """The text of a signed prune record: the log, what it is, the new mark."""
    return f"{origin}\n{PRUNE_LINE}\n{int(pruned_below)}\n"


def _prune_problem(session: Session, tree: AuditTree, verifier_key: str, origin: str) -> str:
    """The pruning mark must be the one the last prune signed, and below the tree's end.

    Found by review: deleting the oldest events and raising the mark over them
    by hand looked exactly like a prune.
    """
    if tree.pruned_below == 0:
        return ""
    if tree.size and tree.pruned_below >= tree.size:
        return f"the pruning mark ({tree.pruned_below}) covers every leaf; a prune keeps the newest"
    record = session.scalar(select(AuditPrune).order_by(AuditPrune.id.desc()).limit(1))
    if record is None:
        return f"the pruning mark ({tree.pruned_below}) has no signed prune record"
    try:
        text = open_note(record.note, verifier_key)
    except NoteError as exc:
        return f"the prune record is not validly signed: {exc}"
    if text != prune_text(origin, tree.pruned_below):
        return f"the pruning mark ({tree.pruned_below}) is not the one the last prune signed"
    return ""


def _tree_problem(session: Session, tree: AuditTree) -> str:
    frontier = Frontier.from_bytes(tree.frontier)
    if frontier.size != tree.size or frontier.root() != bytes(tree.root):
        return "the tree's right edge does not match its size and root"
    if tree.size and root_at(session, tree.size) != bytes(tree.root):
        return "the tree's tiles do not give its root"
    return ""


def _sealed(session: Session, first: int) -> Iterator[Any]:
    columns = [getattr(AccessEvent, key) for key in LEAF_KEYS]
    after = first - 1
    while True:
        # The requester's handle too, for leaves that name them by it (leaves.BY_HANDLE):
        # an event whose requester_id was changed no longer matches its leaf.
        rows = session.execute(
            with_requester_handle(
                select(
                    AccessEvent.leaf_index,
                    *columns,
                    AccessEvent.leaf_format,
                    Member.handle.label("requester_handle"),
                )
            )
            .where(AccessEvent.leaf_index > after)
            .order_by(AccessEvent.leaf_index)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].leaf_index


def _unnamed_requester(row: Any) -> bool:
    """A leaf by handle whose requester id is no member's: its leaf reads as anonymous.

    Such a leaf holds ``requester_handle`` null, as an anonymous requester's
    does, so an anonymous event given an id no member has would still match
    it (member rows stay, as tombstones, when accounts are deleted).
    """
    return (
        row.leaf_format == BY_HANDLE
        and row.requester_id is not None
        and row.requester_handle is None
    )


def _events_problem(session: Session, tree: AuditTree) -> tuple[int, str]:
    # A prune deletes every event below its mark, so a stored one there means
    # the mark was raised by hand: it would hide a deleted event, and stop
    # every check of the events it leaves behind (found by review).
    below = session.scalar(
        select(func.min(AccessEvent.leaf_index)).where(AccessEvent.leaf_index < tree.pruned_below)
    )
    if below is not None:
        return 0, (
            f"the event at leaf {below} lies below the pruning mark ({tree.pruned_below}); "
            "pruning removes those, so the mark was moved"
        )
    expected, checked = tree.pruned_below, 0
    for rows in _sealed(session, tree.pruned_below):
        stored = leaf_hashes(session, rows[0].leaf_index, rows[-1].leaf_index + 1)
        for row in rows:
            if row.leaf_index != expected:
                return checked, f"the event at leaf {expected} is missing"
            if row.leaf_index >= tree.size:
                return checked, f"event {row.seq} claims leaf {row.leaf_index}, past the tree"
            if _unnamed_requester(row) or (
                leaf_hash(leaf_bytes(row._mapping)) != stored[row.leaf_index - rows[0].leaf_index]
            ):
                return checked, f"event {row.seq} (leaf {row.leaf_index}) was changed or moved"
            expected, checked = expected + 1, checked + 1
    if expected != tree.size:
        return checked, f"the events at leaves {expected} to {tree.size - 1} are missing"
    return checked, ""


def _unsealed_problem(session: Session, now: datetime, delay: timedelta) -> str:
    late = session.scalar(
        select(func.count())
        .select_from(AccessEvent)
        .where(AccessEvent.leaf_index.is_(None), AccessEvent.occurred_at < now - delay)
    )
    if late:
        seconds = int(delay.total_seconds())
        return f"{late} events committed more than {seconds} s ago are in no signed checkpoint"
    return ""


def verify(
    session: Session, verifier_key: str, origin: str, *, now: datetime, delay: timedelta
) -> Verification:
    """Check checkpoints, tree, every stored event and the sealing delay (see module doc).

    Holds the tree row (FOR SHARE) until the caller's transaction ends, so no
    sequencer seals or signs while the checks read: on PostgreSQL each of
    them sees what others committed before it began, and a batch sealed
    between reading the tree and reading its events or checkpoints read as
    "claims leaf N, past the tree" or "a checkpoint covers N leaves but the
    tree has M" (found by review). Requests still insert their events; they
    wait as pending, and only those older than ``now - delay`` count as late.
    """
    tree = tree_state(session, for_share=True)
    try:
        problem = (
            _checkpoint_problem(session, verifier_key, origin, tree.size)
            or _tree_problem(session, tree)
            or _leaves_problem(session, tree)
            or _prune_problem(session, tree, verifier_key, origin)
        )
        if problem:
            return Verification(False, 0, problem)
        checked, problem = _events_problem(session, tree)
    except MissingTileError as exc:  # a tile deleted or cut short (found by review: a traceback)
        return Verification(False, 0, f"the tree's tiles are incomplete: {exc}")
    problem = problem or _unsealed_problem(session, now, delay)
    return Verification(not problem, checked, problem)


def prune(
    session: Session,
    signer_key: str,
    origin: str,
    before: datetime,
    *,
    now: datetime,
    delay: timedelta,
) -> Pruning:
    """Delete the sealed events older than ``before``; the tree and its checkpoints stay.

    Only a prefix of leaves is removed (up to the first sealed event at or
    after ``before``, and never the newest one), and the tree remembers where
    it starts, so what is left still verifies and every checkpoint still
    checks. The caller commits.

    Raises:
        LogTampered: the log does not verify; pruning would destroy evidence.
    """
    result = verify(session, verifier_key_for(signer_key), origin, now=now, delay=delay)
    if not result.ok:
        raise LogTampered(result.problem)
    tree = tree_state(session, for_update=True)
    first_kept = session.scalar(
        select(func.min(AccessEvent.leaf_index)).where(
            AccessEvent.leaf_index.is_not(None), AccessEvent.occurred_at >= before
        )
    )
    cut = tree.size if first_kept is None else int(first_kept)
    # The newest sealed event always stays: SQLite hands a deleted highest rowid
    # out again, and a new event must never take an old one's number (found by review).
    cut = min(cut, max(tree.size - 1, 0))
    if cut <= tree.pruned_below:
        return Pruning(0, tree.pruned_below)
    removed = affected(session.execute(delete(AccessEvent).where(AccessEvent.leaf_index < cut)))
    session.execute(update(AuditTree).where(AuditTree.id == TREE_ID).values(pruned_below=cut))
    session.add(
        AuditPrune(
            pruned_below=cut, note=sign_note(signer_key, prune_text(origin, cut)), pruned_at=now
        )
    )
    return Pruning(removed, cut)
