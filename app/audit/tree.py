"""The stored Merkle tree: sealing committed events into it, and reading proofs back out.

Only the sequencer seals (:mod:`app.audit.sequencer` makes sure one runs at
a time); requests never touch these tables. Sealing takes the oldest pending
events in ``seq`` order, appends their leaf hashes to the tree's frontier,
stores the completed nodes as tiles, numbers the events' leaves, and signs a
checkpoint, all in one transaction. Proofs are read from the tiles alone, so
answering one never rereads events.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, String, null, select, tuple_, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit.leaves import BY_HANDLE, LEAF_KEYS, REQUESTER_AT, SALT_AT, leaf_bytes_of
from app.audit.merkle import Frontier, batch_inclusion_proofs, leaf_hash, tree_root
from app.audit.note import sign_checkpoint
from app.audit.tiles import (
    TILE_WIDTH,
    MissingTileError,
    Tile,
    TileKey,
    TileNodeReader,
    tiles_to_store,
)
from app.clock import utcnow
from app.database import EnumText, affected, bigint_array
from app.models.accounts import Member
from app.models.audit import TREE_ID, AccessEvent, AuditCheckpoint, AuditTile, AuditTree

BATCH = 10_000
_SALT = re.compile(r"[0-9a-f]{32}")


def _as_stored(column: Any) -> Any:
    """The column read as its stored text when it is an enum: a leaf writes that text.

    (Converting the enums to members and back was about a tenth of sealing's time.)
    """
    return type_coerce(column, String()) if isinstance(column.type, EnumText) else column


_LEAF_COLUMNS = [_as_stored(getattr(AccessEvent, key)) for key in LEAF_KEYS]
# What a leaf sealed now holds (leaves.BY_HANDLE): the requester's handle
# where older leaves hold the id, read through an outer join (None for an
# anonymous requester).
HANDLE_COLUMNS = [
    Member.handle.label("requester_handle") if i == REQUESTER_AT else column
    for i, column in enumerate(_LEAF_COLUMNS)
]


def with_requester_handle(stmt: Select[Any]) -> Select[Any]:
    """``stmt`` over access events, joined to each event's requester for their handle."""
    return stmt.outerjoin(Member, Member.id == AccessEvent.requester_id)


# Before migration 0012 the events had no salt column: its sealing reads none.
_UNSALTED_COLUMNS = [
    null().label("salt") if key == "salt" else column
    for key, column in zip(LEAF_KEYS, _LEAF_COLUMNS, strict=True)
]


class StoredTiles:
    """Loads tiles from the database, each at most once for the life of this object.

    Use one per request or per sealing batch: entries of a tile never change
    once written (a partial tile only grows), and proofs read only entries
    inside the tree they are for.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[TileKey, bytes] = {}

    def __call__(self, keys: Sequence[TileKey]) -> dict[TileKey, bytes]:
        missing = [key for key in keys if key not in self._cache]
        if missing:
            rows = self.session.execute(
                select(AuditTile.level, AuditTile.number, AuditTile.hashes).where(
                    tuple_(AuditTile.level, AuditTile.number).in_(missing)
                )
            )
            for level, number, hashes in rows:
                self._cache[level, number] = bytes(hashes)
        return {key: self._cache[key] for key in keys if key in self._cache}

    def reader(self) -> TileNodeReader:
        """A node reader over these tiles."""
        return TileNodeReader(self)


@dataclass(frozen=True, slots=True)
class Sealed:
    """What one sealing batch did."""

    events: int
    size: int
    checkpoint: str | None


class TreeForked(ValueError):
    """The stored tree does not extend a checkpoint already signed; it is not signed again."""


@dataclass(slots=True)
class Witness:
    """The last checkpoint one sequencer signed, kept in its own memory for its lifetime.

    Checkpoints are rows, and whoever can write to the database can delete
    them; a running sequencer still remembers what it signed and refuses to
    sign a tree that does not extend it. (After a restart it knows only the
    rows: then the checkpoints members kept are the witnesses, see the README.)
    """

    size: int = 0
    root: bytes = b""


def tree_state(session: Session, *, for_update: bool = False, for_share: bool = False) -> AuditTree:
    """The tree's one row, locked for the transaction when the sequencer seals (``for_update``).

    ``for_share``: held so that no sequencer seals or signs until the
    transaction ends (``flask audit verify`` reads a still tree).
    """
    stmt = select(AuditTree).where(AuditTree.id == TREE_ID)
    if for_update or for_share:
        stmt = stmt.with_for_update(read=not for_update)
    return session.execute(stmt).scalar_one()


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    """The newest signed checkpoint, or None before the first."""
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))


def seal_pending(
    session: Session,
    signer_key: str,
    origin: str,
    *,
    batch: int = BATCH,
    witness: Witness | None = None,
    salted: bool = True,
) -> Sealed:
    """Seal up to ``batch`` pending events, sign a checkpoint if the tree grew, and commit.

    The caller must hold the sequencer lease; the tree row is locked too, so
    even a second sequencer that slipped past the lease cannot interleave.
    A checkpoint is signed only for a tree that extends the latest stored
    checkpoint and the ``witness``'s (what this sequencer signed last).
    ``salted=False`` seals as before salts (only migration 0008 does, on a
    schema that has no salt column yet).

    Raises:
        TreeForked: the tree does not extend a signed checkpoint (nothing is
            signed or committed; the events stay pending, and ``flask audit
            verify`` reports both).
        ValueError: the stored tree and tiles do not line up (tampering).
    """
    tree = tree_state(session, for_update=True)
    # Core, not the ORM's loading: a batch is thousands of plain rows.
    rows = (
        session.connection()
        .execute(
            (
                with_requester_handle(select(*HANDLE_COLUMNS))
                if salted
                else select(*_UNSALTED_COLUMNS)
            )
            .where(AccessEvent.leaf_index.is_(None))
            .order_by(AccessEvent.seq)
            .limit(batch)
        )
        .all()
    )
    if rows:
        _append(session, tree, rows, salted=salted)
    checkpoint = _sign_if_grown(session, tree, signer_key, origin, witness)
    session.commit()
    if checkpoint is not None and witness is not None:
        witness.size, witness.root = tree.size, bytes(tree.root)
    return Sealed(len(rows), tree.size, checkpoint)


def _salts(count: int) -> list[str]:
    """``count`` fresh salts of 128 random bits, as 32 hex digits (one call to the OS)."""
    drawn = os.urandom(16 * count).hex()
    return [drawn[i : i + 32] for i in range(0, 32 * count, 32)]


def _append(
    session: Session, tree: AuditTree, rows: Sequence[Row[Any]], *, salted: bool = True
) -> None:
    frontier = Frontier.from_bytes(tree.frontier)
    first = frontier.size
    salts = _salts(len(rows)) if salted else None
    in_leaves: Sequence[str | None] = salts or [None] * len(rows)
    nodes = frontier.append(
        leaf_hash(leaf_bytes_of((*row[:SALT_AT], salt, *row[SALT_AT + 1 :]), by_handle=salted))
        for row, salt in zip(rows, in_leaves, strict=True)
    )
    _store_tiles(session, tiles_to_store(nodes, StoredTiles(session)))
    _number_leaves(session, [row.seq for row in rows], first, salts)
    tree.size, tree.root, tree.frontier = frontier.size, frontier.root(), frontier.to_bytes()
    tree.updated_at = utcnow()


def _store_tiles(session: Session, tiles: Iterable[Tile]) -> None:
    """Insert new tiles and overwrite grown partial ones, in one executemany."""
    rows = [
        {"level": t.level, "number": t.number, "width": t.width, "hashes": t.hashes} for t in tiles
    ]
    if not rows:
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(AuditTile)
    statement = statement.on_conflict_do_update(
        index_elements=[AuditTile.level, AuditTile.number],
        set_={"width": statement.excluded.width, "hashes": statement.excluded.hashes},
    )
    connection.execute(statement, rows)


def _number_leaves(
    session: Session, seqs: Sequence[int], first: int, salts: Sequence[str] | None = None
) -> None:
    """Give the events ``seqs`` the leaf indexes ``first``, ``first + 1``, ... in that order.

    With ``salts``, each event gets its salt in the same statement (the one
    its leaf was made with), and leaf format ``BY_HANDLE``.

    Hand-written on the driver because SQLAlchemy's bulk UPDATE by primary
    key costs several times the update itself at thousands of events per
    batch (it was half the sequencer's time, and the sequencer shares the
    machine with every writer: bench/accesslog_write.py). On PostgreSQL one
    statement takes the seqs as one array parameter; on SQLite, in process,
    a plain ``executemany`` by primary key is the quick way.

    Raises:
        ValueError: not every event was there to number (tampering).
    """
    connection = session.connection()
    if salts is None:
        _number_unsalted(session, seqs, first)
        return
    given = list(salts)
    if len(given) != len(seqs) or not all(_SALT.fullmatch(s) for s in given):
        raise ValueError("one salt of 32 lowercase hex digits per event")
    if connection.dialect.name == "postgresql":
        # Salts are hex digits only (checked above), so the array literal needs no quoting.
        salt_array = "{" + ",".join(given) + "}"
        numbered = affected(
            connection.exec_driver_sql(
                "UPDATE access_events SET leaf_index = %s + v.ord - 1, salt = v.salt,"
                " leaf_format = %s"
                " FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS v(seq, salt, ord)"
                " WHERE access_events.seq = v.seq AND access_events.leaf_index IS NULL",
                (int(first), BY_HANDLE, bigint_array(seqs), salt_array),
            )
        )
    else:
        numbered = affected(
            connection.exec_driver_sql(
                "UPDATE access_events SET leaf_index = ?, salt = ?, leaf_format = ?"
                " WHERE seq = ? AND leaf_index IS NULL",
                [
                    (first + i, salt, BY_HANDLE, seq)
                    for i, (seq, salt) in enumerate(zip(seqs, given, strict=True))
                ],
            )
        )
    _all_numbered(seqs, numbered)


def _number_unsalted(session: Session, seqs: Sequence[int], first: int) -> None:
    """:func:`_number_leaves` as before salts, for migration 0008's schema."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        numbered = affected(
            connection.exec_driver_sql(
                "UPDATE access_events SET leaf_index = %s + v.ord - 1"
                " FROM unnest(%s::bigint[]) WITH ORDINALITY AS v(seq, ord)"
                " WHERE access_events.seq = v.seq AND access_events.leaf_index IS NULL",
                (int(first), bigint_array(seqs)),
            )
        )
    else:
        numbered = affected(
            connection.exec_driver_sql(
                "UPDATE access_events SET leaf_index = ? WHERE seq = ? AND leaf_index IS NULL",
                [(first + i, seq) for i, seq in enumerate(seqs)],
            )
        )
    _all_numbered(seqs, numbered)


def _all_numbered(seqs: Sequence[int], numbered: int) -> None:
    if numbered != len(seqs):
        raise ValueError(f"{len(seqs)} pending events were read, {numbered} could be numbered")


def _sign_if_grown(
    session: Session, tree: AuditTree, signer_key: str, origin: str, witness: Witness | None
) -> str | None:
    last = latest_checkpoint(session)
    signed = [] if last is None else [(last.size, bytes(last.root))]
    if witness is not None and witness.size:
        signed.append((witness.size, witness.root))
    for size, root in signed:
        # Without this, a tree rebuilt in the database (events deleted, the tree
        # row reset) was signed as it stood by the next round (found by review).
        if tree.size < size or root_at(session, size) != root:
            raise TreeForked(
                f"the tree ({tree.size} leaves) does not extend the checkpoint signed at size "
                f"{size}: not signing it"
            )
    if tree.size == 0 or (last is not None and last.size == tree.size):
        return None
    if root_at(session, tree.size) != bytes(tree.root):
        # The row's right edge can be written by hand; sign only what the tiles say
        # (found by review: a forged frontier was signed as it stood).
        raise TreeForked(f"the tree's tiles do not give its root at size {tree.size}: not signing")
    note = sign_checkpoint(signer_key, origin, tree.size, tree.root)
    session.add(AuditCheckpoint(size=tree.size, root=tree.root, note=note, signed_at=utcnow()))
    return note


def inclusion_proofs(
    session: Session, leaf_indexes: Sequence[int], size: int
) -> dict[int, list[bytes]]:
    """Inclusion proofs of several leaves in the tree of ``size``, read with one tile query."""
    wanted = [i for i in leaf_indexes if 0 <= i < size]
    return dict(
        zip(
            wanted, batch_inclusion_proofs(wanted, size, StoredTiles(session).reader()), strict=True
        )
    )


def root_at(session: Session, size: int) -> bytes:
    """The root of the stored tree's first ``size`` leaves, computed from the tiles."""
    return tree_root(size, StoredTiles(session).reader())


def leaf_hashes(session: Session, first: int, last: int) -> list[bytes]:
    """The stored leaf hashes of leaves ``first`` to ``last - 1`` (level-0 tile entries).

    Raises:
        MissingTileError: a leaf's tile is not stored, or too narrow to hold it.
    """
    keys = [(0, n) for n in range(first // TILE_WIDTH, (last + TILE_WIDTH - 1) // TILE_WIDTH)]
    tiles = StoredTiles(session)(keys)
    out = []
    for index in range(first, last):
        tile = tiles.get((0, index // TILE_WIDTH), b"")
        offset = (index % TILE_WIDTH) * 32
        if len(tile) < offset + 32:
            raise MissingTileError(f"tile {(0, index // TILE_WIDTH)} has no entry {offset // 32}")
        out.append(tile[offset : offset + 32])
    return out


def checkpoint_age(checkpoint: AuditCheckpoint | None, now: datetime | None = None) -> float | None:
    """Seconds since ``checkpoint`` was signed (None when there is none)."""
    if checkpoint is None:
        return None
    return ((now or utcnow()) - checkpoint.signed_at).total_seconds()
