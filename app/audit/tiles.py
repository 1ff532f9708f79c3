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

import functools
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from app.audit.merkle import HASH_SIZE, NodeKey

_sha256 = hashlib.sha256

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
    (L, (k << r) // 256) it covers. A tile is expanded once into all its
    inner levels (255 hashes for a full tile) rather than node by node: proofs
    of nearby leaves share the upper tiles, and a page proves 25 leaves at
    once. The expansions of the last ``KEPT_TILES`` tiles are kept for the
    life of the reader (a download proving a whole log walks through
    thousands). Full tiles never change and are not loaded again; partial
    tiles grow, so they are loaded on every call and expanded again when
    their bytes changed. A full tile's expansion is also shared with later
    readers that load the same bytes (:func:`_expand_full`).
    """

    KEPT_TILES = 512  # about 16 MB of hashes

    def __init__(self, load_tiles: TileLoader) -> None:
        self._load_tiles = load_tiles
        self._expanded: dict[TileKey, tuple[bytes, list[list[bytes]]]] = {}

    def nodes(self, requests: Sequence[NodeKey]) -> list[bytes]:
        """The hash of each requested (level, index) node, with one ``load_tiles`` call.

        Raises:
            MissingTileError: if a needed tile is not stored or too narrow.
        """
        wanted = {tile_of(level, index) for level, index in requests}
        keys = sorted(key for key in wanted if not self._full(key))
        loaded = self._load_tiles(keys) if keys else {}
        for key, hashes in loaded.items():
            kept = self._expanded.get(key)
            if kept is None or kept[0] != hashes:  # new, or a partial tile that grew
                self._keep(key, hashes)
        return [self._node(level, index, loaded.keys()) for level, index in requests]

    def _full(self, key: TileKey) -> bool:
        kept = self._expanded.get(key)
        return kept is not None and len(kept[0]) == TILE_WIDTH * HASH_SIZE

    def _keep(self, key: TileKey, hashes: bytes) -> None:
        self._expanded.pop(key, None)
        if len(self._expanded) >= self.KEPT_TILES:
            del self._expanded[next(iter(self._expanded))]  # the oldest: downloads go in time order
        full = len(hashes) == TILE_WIDTH * HASH_SIZE
        self._expanded[key] = (hashes, _expand_full(hashes) if full else _expand(hashes))

    def _node(self, level: int, index: int, loaded: Collection[TileKey]) -> bytes:
        key = tile_of(level, index)
        height = level % TILE_HEIGHT
        kept = self._expanded.get(key)
        # A partial tile counts only if this call loaded it: it may have grown since.
        levels = kept[1] if kept is not None and (key in loaded or self._full(key)) else [[]]
        offset = index % (TILE_WIDTH >> height)
        if height < len(levels) and offset < len(levels[height]):
            return levels[height][offset]
        raise MissingTileError(f"tile {key} has no entry {max(offset << height, len(levels[0]))}")


# Expansions of full tiles shared by every reader in the process, keyed by the
# tile's bytes themselves, so a cached expansion is always the one of the bytes
# just loaded (a restored database or a test's rolled-back log cannot be served
# stale nodes). The upper tiles are in every proof and a reloaded page asks for
# the same tiles again: they are hashed once, not per request. About 45 KB
# each with its key (measured with tracemalloc): 11 MB a process at most.
FULL_TILES_SHARED = 256


@functools.lru_cache(maxsize=FULL_TILES_SHARED)
def _expand_full(hashes: bytes) -> list[list[bytes]]:
    """:func:`_expand` of a full tile, remembered (readers only read the levels)."""
    return _expand(hashes)


def _expand(hashes: bytes) -> list[list[bytes]]:
    """A tile's entries and every inner level above them, as far as its width allows.

    The hashing is written out (RFC 9162's ``node_hash``, SHA-256(0x01 || left
    || right)) rather than called per node: a page's proofs expand a few
    dozen tiles, about 250 hashes each, and the calls cost as much as the hashing.
    """
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    levels = [level]
    for _height in range(1, TILE_HEIGHT):
        pairs = iter(level)  # zipped with itself: (0, 1), (2, 3)...; an odd last one waits
        level = [
            _sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        if not level:
            break
        levels.append(level)
    return levels
