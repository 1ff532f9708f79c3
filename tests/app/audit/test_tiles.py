"""Tiles: laid out as C2SP tlog-tiles says, and answering proofs like the nodes they store."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit import tiles
from app.audit.merkle import (
    Frontier,
    MemoryNodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_root,
)
from app.audit.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    MissingTileError,
    Tile,
    TileNodeReader,
    tile_of,
    tiles_to_store,
)


class TileStore:
    """Tiles in a dict, counting loads like a database would count queries."""

    def __init__(self) -> None:
        self.tiles: dict[tuple[int, int], bytes] = {}
        self.loads: list[list[tuple[int, int]]] = []

    def load(self, keys: Sequence[tuple[int, int]]) -> Mapping[tuple[int, int], bytes]:
        self.loads.append(list(keys))
        return {key: self.tiles[key] for key in keys if key in self.tiles}

    def upsert(self, tiles: list[Tile]) -> None:
        for tile in tiles:
            assert len(tile.hashes) == 32 * tile.width and 0 < tile.width <= TILE_WIDTH
            self.tiles[tile.level, tile.number] = tile.hashes


class Log:
    """A log appended batch by batch, kept both as every node and as tiles."""

    def __init__(self) -> None:
        self.frontier, self.memory, self.store = Frontier(), MemoryNodeReader(), TileStore()
        self.reader = TileNodeReader(self.store.load)

    def append(self, count: int) -> None:
        start = self.frontier.size
        nodes = self.frontier.append(
            leaf_hash(i.to_bytes(8, "big")) for i in range(start, start + count)
        )
        self.memory.add(nodes)
        self.store.upsert(tiles_to_store(nodes, self.store.load))

    def assert_proofs_agree(self, index: int, old: int, size: int) -> None:
        """Proofs read through tiles equal proofs read from every node, one load each."""
        before = len(self.store.loads)
        assert tree_root(size, self.reader) == tree_root(size, self.memory)
        if index < size:
            assert inclusion_proof(index, size, self.reader) == inclusion_proof(
                index, size, self.memory
            )
        assert consistency_proof(old, size, self.reader) == consistency_proof(
            old, size, self.memory
        )
        assert len(self.store.loads) - before <= 3


def assert_c2sp_layout(log: Log) -> None:
    """Tile (l, n) entry i is MTH(D[(n*256+i)*256**l : (n*256+i+1)*256**l]), as specified."""
    size, level = log.frontier.size, 0
    expected_keys = set()
    while TILE_WIDTH**level <= size:
        full, width = divmod(size // TILE_WIDTH**level, TILE_WIDTH)
        for n in range(full + (width > 0)):
            expected_keys.add((level, n))
            hashes = log.store.tiles[level, n]
            assert len(hashes) == 32 * (TILE_WIDTH if n < full else width)
            nodes = [(8 * level, n * TILE_WIDTH + i) for i in range(len(hashes) // 32)]
            assert hashes == b"".join(log.memory.nodes(nodes))
        level += 1
    assert set(log.store.tiles) == expected_keys


@settings(max_examples=40)
@given(st.lists(st.integers(0, 300), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_tiles_built_batch_by_batch_answer_like_every_node(batches, rnd: random.Random):
    log = Log()
    for count in batches:
        log.append(count)
        assert_c2sp_layout(log)
        if log.frontier.size:
            size = rnd.randint(0, log.frontier.size)
            log.assert_proofs_agree(rnd.randint(0, max(size - 1, 0)), rnd.randint(0, size), size)
            assert tree_root(log.frontier.size, log.reader) == log.frontier.root()


def test_a_log_past_65536_leaves_matches_the_spec_example():
    log = Log()
    for count in (1, 255, 300, 64_000, 980, 4_464):  # crosses 256 and 65536 mid-batch
        log.append(count)
    assert log.frontier.size == 70_000
    # tlog-tiles: 273 full level 0 tiles, one partial of width 112, one full level 1
    # tile, a partial level 1 tile of width 17 and a partial level 2 tile of width 1.
    widths = {key: len(hashes) // 32 for key, hashes in log.store.tiles.items()}
    assert sorted(key for key, width in widths.items() if width == TILE_WIDTH) == [
        *((0, n) for n in range(273)),
        (1, 0),
    ]
    assert {key: width for key, width in widths.items() if width < TILE_WIDTH} == {
        (0, 273): 112,
        (1, 1): 17,
        (2, 0): 1,
    }
    assert_c2sp_layout(log)
    for index, old, size in [
        (0, 65_535, 65_536),
        (65_535, 65_536, 65_537),
        (65_536, 1, 70_000),
        (69_999, 65_792, 70_000),
        (40_000, 69_999, 70_000),
        (255, 256, 257),
    ]:
        log.assert_proofs_agree(index, old, size)


def _synthetic(tile_level: int, index: int) -> bytes:
    """The made-up hash at tree level 8 * tile_level, position index."""
    return hashlib.sha256(f"{tile_level}:{index}".encode()).digest()


def _synthetic_node(level: int, index: int) -> bytes:
    tile_level, height = divmod(level, 8)
    hashes = [_synthetic(tile_level, (index << height) + i) for i in range(1 << height)]
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


def test_node_arithmetic_holds_for_huge_indexes():
    loads = []

    def load(keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        loads.append(list(keys))
        return {
            (lvl, n): b"".join(_synthetic(lvl, n * TILE_WIDTH + i) for i in range(TILE_WIDTH))
            for lvl, n in keys
        }

    rnd = random.Random(9162)
    requests = [(level, rnd.randrange(1 << (62 - level))) for level in range(62)]
    requests += [(0, 0), (7, 1), (8, 0), (15, 3), (16, (1 << 40) + 5), (7, 1)]
    assert TileNodeReader(load).nodes(requests) == [_synthetic_node(*r) for r in requests]
    assert len(loads) == 1
    assert loads[0] == sorted({tile_of(*r) for r in requests})
    assert tile_of(15, 3) == (1, 1) and tile_of(16, (1 << 40) + 5) == (2, (1 << 40) // 256)
    assert tile_of(7, 1) == tile_of(0, 255) == (0, 0) and tile_of(0, 256) == (0, 1)


def test_missing_or_short_tiles_are_named_errors():
    log = Log()
    log.append(300)
    reader = TileNodeReader(lambda keys: {})
    with pytest.raises(MissingTileError, match=r"tile \(0, 0\)"):
        reader.nodes([(3, 1)])
    short = TileNodeReader(lambda keys: {(0, 1): log.store.tiles[0, 1]})  # 44 entries
    assert short.nodes([(2, 74)]) == log.memory.nodes([(2, 74)])
    with pytest.raises(MissingTileError, match="no entry 44"):
        short.nodes([(2, 75)])


def test_tiles_refuse_to_grow_out_of_order():
    log = Log()
    log.append(10)
    ahead = [(0, 12, leaf_hash(b"x")), (0, 13, leaf_hash(b"y"))]
    with pytest.raises(ValueError, match="holds 10 hashes; new ones start at 12"):
        tiles_to_store(ahead, log.store.load)
    gappy = [(0, 10, leaf_hash(b"x")), (0, 12, leaf_hash(b"y"))]
    with pytest.raises(ValueError, match="gaps"):
        tiles_to_store(gappy, log.store.load)
    assert tiles_to_store([(1, 5, leaf_hash(b"x"))], log.store.load) == []  # not a tile level
    loads = len(log.store.loads)
    fresh = tiles_to_store([(0, 256, leaf_hash(b"x"))], log.store.load)
    assert fresh == [Tile(0, 1, 1, leaf_hash(b"x"))]
    assert len(log.store.loads) == loads  # a new tile needs nothing read


def test_a_reader_expands_each_full_tile_once_and_partial_tiles_every_time():
    log = Log()
    log.append(600)  # tiles (0, 0) and (0, 1) are full; (0, 2) and (1, 0) are partial
    reader = TileNodeReader(log.store.load)
    assert inclusion_proof(5, 600, reader) == inclusion_proof(5, 600, log.memory)
    assert log.store.loads[-1] == [(0, 0), (0, 2), (1, 0)]

    assert inclusion_proof(6, 600, reader) == inclusion_proof(6, 600, log.memory)
    assert log.store.loads[-1] == [(0, 2), (1, 0)]  # the full tile was kept, the rest reloaded
    log.append(100)
    assert inclusion_proof(650, 700, reader) == inclusion_proof(650, 700, log.memory)


def test_readers_share_the_expansion_of_a_full_tile_they_both_loaded(monkeypatch):
    log = Log()
    log.append(600)
    tiles._expand_full.cache_clear()
    hashed = []
    real = tiles._sha256
    monkeypatch.setattr(tiles, "_sha256", lambda data: hashed.append(data) or real(data))
    first = TileNodeReader(log.store.load)
    assert inclusion_proof(5, 600, first) == inclusion_proof(5, 600, log.memory)
    after_first = len(hashed)

    second = TileNodeReader(log.store.load)  # a new request: loads every tile again
    assert inclusion_proof(5, 600, second) == inclusion_proof(5, 600, log.memory)
    assert log.store.loads[-1] == [(0, 0), (0, 2), (1, 0)]
    # Only the partial tiles were hashed again: the full tile's 254 inner
    # nodes (128 + 64 + ... + 2) were hashed by the first reader alone.
    again = len(hashed) - after_first
    assert after_first - again == TILE_WIDTH - 2
    assert again == 44 + 22 + 11 + 5 + 2 + 1 + 1  # (0, 2) holds 88 entries, (1, 0) holds 2


def test_a_full_tile_with_other_bytes_is_expanded_anew():
    tiles._expand_full.cache_clear()
    one = b"".join(leaf_hash(bytes([i])) for i in range(TILE_WIDTH))
    other = b"".join(leaf_hash(bytes([i, 1])) for i in range(TILE_WIDTH))
    reader_one = TileNodeReader(lambda keys: {(0, 0): one})
    reader_other = TileNodeReader(lambda keys: {(0, 0): other})
    top = (TILE_HEIGHT - 1, 0)
    assert reader_one.nodes([top]) != reader_other.nodes([top])
    assert reader_other.nodes([top]) == [_first_half_root(other)]


def _first_half_root(hashes: bytes) -> bytes:
    # Node (7, 0): the first 128 entries of the tile hashed pairwise, level by level.
    level = [hashes[i : i + 32] for i in range(0, len(hashes) // 2, 32)]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]
