"""The access log's Merkle tree built in bulk, as the sequencer would have built it.

The sequencer (:func:`app.audit.tree.seal_pending`) reads pending events back
from the database, hashes them and rewrites the partial tiles of every batch:
fine for the few events a second a service writes, far too slow to seal ten
million events at once. The seeding hashes each event while it generates
it instead, with the app's own arithmetic (``leaf_bytes``, ``leaf_hash``,
``Frontier.append``, ``tiles_to_store``), keeps the partial tiles in memory
and hands each tile out once, when it is full (or at the end). The result is
the tree the sequencer would have stored: the benchmark's inclusion proofs
are read from these tiles and verified against a checkpoint signed over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.audit.leaves import leaf_bytes
from app.audit.merkle import HASH_SIZE, Frontier, leaf_hash
from app.audit.tiles import TILE_WIDTH, Tile, TileKey, tiles_to_store


class BulkTree:
    """A tree being appended to in large batches, its partial tiles held in memory."""

    def __init__(self) -> None:
        self.frontier = Frontier()
        self._partial: dict[TileKey, bytes] = {}

    def append(self, events: Iterable[Mapping[str, Any]]) -> list[Tile]:
        """Add the events' leaves in order; return the tiles this batch filled up."""
        nodes = self.frontier.append(leaf_hash(leaf_bytes(event)) for event in events)
        full = []
        for tile in tiles_to_store(nodes, self._stored):
            key = (tile.level, tile.number)
            if tile.width == TILE_WIDTH:
                full.append(tile)
                self._partial.pop(key, None)
            else:
                self._partial[key] = tile.hashes
        return full

    def partial_tiles(self) -> list[Tile]:
        """The tiles still partial: the right edge of each level, to store last."""
        return [
            Tile(level, number, len(hashes) // HASH_SIZE, hashes)
            for (level, number), hashes in sorted(self._partial.items())
        ]

    def _stored(self, keys: Sequence[TileKey]) -> dict[TileKey, bytes]:
        return {key: self._partial[key] for key in keys if key in self._partial}
