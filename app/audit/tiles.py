"""Perfect Merkle nodes stored in tiles, as C2SP tlog-tiles lays them out.

One row per node would be about 2N rows for N events. Tiles of height 8 keep
only every eighth tree level, 256 hashes to a tile: tile (L, I) holds the
tree-level ``8 * L`` nodes with indexes ``[I * 256, I * 256 + 256)``, and the
seven levels in between are rehashed from it on reading. The right-edge tile
of each level is *partial* (fewer than 256 hashes) and is rewritten as it
grows; a full tile never changes again.

Pure: storage is reached through the functions the caller passes in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from app.audit.merkle import HASH_SIZE, NodeKey, node_hash

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT

# A tile is named by its tile level and its index within that level.
TileKey = tuple[int, int]
# Loads the stored tiles among the keys asked for, as concatenated hashes.
TileLoader = Callable[[Sequence[TileKey]], Mapping[TileKey, bytes]]


class Tile(NamedTuple):
    """A tile to store: its place, how many hashes it holds, and the hashes."""

    level: int
    number: int
    width: int
    hashes: bytes


class MissingTileError(LookupError):
    """A node was asked for whose tile is not stored, or not yet wide enough."""


def tile_of(level: int, index: int) -> TileKey:
    """The tile holding the entries node (level, index) is hashed from."""
    tile_level, height = divmod(level, TILE_HEIGHT)
    return tile_level, (index << height) // TILE_WIDTH


def tiles_to_store(
    new_nodes: Iterable[tuple[int, int, bytes]], load_tiles: TileLoader
) -> list[Tile]:
    """The tiles to upsert after an append, from the nodes ``Frontier.append`` returned.

    Only nodes at tree levels that are multiples of 8 are kept. A tile whose
    new entries do not start at 0 is partial already: ``load_tiles`` is called
    once, for those tiles only, and the new entries are added after theirs.

    Raises:
        ValueError: if a stored partial tile does not end exactly where the new
            entries start, or the new entries of a tile have gaps.
    """
    grouped: dict[TileKey, dict[int, bytes]] = {}
    for level, index, digest in new_nodes:
        if level % TILE_HEIGHT == 0:
            key = (level // TILE_HEIGHT, index // TILE_WIDTH)
            grouped.setdefault(key, {})[index % TILE_WIDTH] = digest
    growing = [key for key, entries in grouped.items() if min(entries) > 0]
    stored = load_tiles(growing) if growing else {}
    return [_grown(key, stored.get(key, b""), grouped[key]) for key in sorted(grouped)]


def _grown(key: TileKey, stored: bytes, entries: Mapping[int, bytes]) -> Tile:
    first, last = min(entries), max(entries)
    if len(stored) != first * HASH_SIZE:
        raise ValueError(
            f"tile {key} holds {len(stored) // HASH_SIZE} hashes; new ones start at {first}"
        )
    if len(entries) != last - first + 1:
        raise ValueError(f"the new entries of tile {key} have gaps")
    hashes = stored + b"".join(entries[offset] for offset in range(first, last + 1))
    return Tile(key[0], key[1], last + 1, hashes)


class TileNodeReader:
    """A ``NodeReader`` over stored tiles, loading each tile once per ``nodes`` call.

    Node (8L + r, k) is hashed from the ``2**r`` entries of tile
    (L, (k << r) // 256) it covers. Nothing is cached between calls, because
    partial tiles grow.
    """

    def __init__(self, load_tiles: TileLoader) -> None:
        self._load_tiles = load_tiles

    def nodes(self, requests: Sequence[NodeKey]) -> list[bytes]:
        """The hash of each requested (level, index) node, with one ``load_tiles`` call.

        Raises:
            MissingTileError: if a needed tile is not stored or too narrow.
        """
        keys = sorted({tile_of(level, index) for level, index in requests})
        tiles = self._load_tiles(keys) if keys else {}
        known: dict[NodeKey, bytes] = {}
        return [self._node(level, index, tiles, known) for level, index in requests]

    def _node(
        self, level: int, index: int, tiles: Mapping[TileKey, bytes], known: dict[NodeKey, bytes]
    ) -> bytes:
        if (level, index) not in known:
            if level % TILE_HEIGHT == 0:
                known[level, index] = _entry(tiles, level, index)
            else:
                left = self._node(level - 1, 2 * index, tiles, known)
                right = self._node(level - 1, 2 * index + 1, tiles, known)
                known[level, index] = node_hash(left, right)
        return known[level, index]


def _entry(tiles: Mapping[TileKey, bytes], level: int, index: int) -> bytes:
    key = tile_of(level, index)
    offset = index % TILE_WIDTH * HASH_SIZE
    entry = tiles.get(key, b"")[offset : offset + HASH_SIZE]
    if len(entry) != HASH_SIZE:
        raise MissingTileError(f"tile {key} has no entry {index % TILE_WIDTH}")
    return entry
