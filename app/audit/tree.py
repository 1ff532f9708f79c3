"""The stored Merkle tree: sealing committed events into it, and reading proofs back out.

Only the sequencer seals (:mod:`app.audit.sequencer` makes sure one runs at
a time); requests never touch these tables. Sealing takes the oldest pending
events in ``seq`` order, appends their leaf hashes to the tree's frontier,
stores the completed nodes as tiles, numbers the events' leaves, and signs a
checkpoint, all in one transaction. Proofs are read from the tiles alone, so
answering one never rereads events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from app.audit.leaves import LEAF_KEYS, leaf_bytes
from app.audit.merkle import Frontier, batch_inclusion_proofs, leaf_hash, tree_root
from app.audit.note import sign_checkpoint
from app.audit.tiles import TILE_WIDTH, TileKey, TileNodeReader, tiles_to_store
from app.clock import utcnow
from app.models.audit import TREE_ID, AccessEvent, AuditCheckpoint, AuditTile, AuditTree

BATCH = 10_000
_LEAF_COLUMNS = [getattr(AccessEvent, key) for key in LEAF_KEYS]


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


def tree_state(session: Session, *, for_update: bool = False) -> AuditTree:
    """The tree's one row (locked for the transaction when the sequencer seals)."""
    stmt = select(AuditTree).where(AuditTree.id == TREE_ID)
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    """The newest signed checkpoint, or None before the first."""
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1))


def seal_pending(session: Session, signer_key: str, origin: str, *, batch: int = BATCH) -> Sealed:
    """Seal up to ``batch`` pending events, sign a checkpoint if the tree grew, and commit.

    The caller must hold the sequencer lease; the tree row is locked too, so
    even a second sequencer that slipped past the lease cannot interleave.

    Raises:
        ValueError: the stored tree and tiles do not line up (tampering).
    """
    tree = tree_state(session, for_update=True)
    rows = session.execute(
        select(*_LEAF_COLUMNS)
        .where(AccessEvent.leaf_index.is_(None))
        .order_by(AccessEvent.seq)
        .limit(batch)
    ).all()
    if rows:
        _append(session, tree, rows)
    checkpoint = _sign_if_grown(session, tree, signer_key, origin)
    session.commit()
    return Sealed(len(rows), tree.size, checkpoint)


def _append(session: Session, tree: AuditTree, rows: Sequence[object]) -> None:
    frontier = Frontier.from_bytes(tree.frontier)
    first = frontier.size
    nodes = frontier.append(leaf_hash(leaf_bytes(row._mapping)) for row in rows)  # type: ignore[attr-defined]
    for tile in tiles_to_store(nodes, StoredTiles(session)):
        session.merge(
            AuditTile(level=tile.level, number=tile.number, width=tile.width, hashes=tile.hashes)
        )
    session.execute(
        update(AccessEvent),
        [{"seq": row.seq, "leaf_index": first + i} for i, row in enumerate(rows)],  # type: ignore[attr-defined]
    )
    tree.size, tree.root, tree.frontier = frontier.size, frontier.root(), frontier.to_bytes()
    tree.updated_at = utcnow()


def _sign_if_grown(session: Session, tree: AuditTree, signer_key: str, origin: str) -> str | None:
    last = latest_checkpoint(session)
    if last is not None and last.size >= tree.size:
        return None
    if last is None and tree.size == 0:
        return None
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
    """The stored leaf hashes of leaves ``first`` to ``last - 1`` (level-0 tile entries)."""
    keys = [(0, n) for n in range(first // TILE_WIDTH, (last + TILE_WIDTH - 1) // TILE_WIDTH)]
    tiles = StoredTiles(session)(keys)
    out = []
    for index in range(first, last):
        tile = tiles.get((0, index // TILE_WIDTH), b"")
        offset = (index % TILE_WIDTH) * 32
        out.append(tile[offset : offset + 32])
    return out


def checkpoint_age(checkpoint: AuditCheckpoint | None, now: datetime | None = None) -> float | None:
    """Seconds since ``checkpoint`` was signed (None when there is none)."""
    if checkpoint is None:
        return None
    return ((now or utcnow()) - checkpoint.signed_at).total_seconds()
