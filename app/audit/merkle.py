"""The Merkle tree of RFC 9162 (Certificate Transparency v2), over storage we do not own.

Hand-written on purpose: no well-kept Python library implements RFC 9162
proofs over external storage; the ones that exist either keep the whole tree
in memory or are unmaintained. The arithmetic is small and is tested against a
naive transcription of the RFC's recursive definitions.

Nothing here does I/O. Stored trees are read through a ``NodeReader``, which
answers for *perfect* subtrees only: node ``(level, index)`` is the hash of the
``2**level`` leaves starting at leaf ``index * 2**level``. Every proof plans
the nodes it needs first and asks for them in one ``reader.nodes`` call, so a
database-backed reader can answer a whole proof with a few queries.

Appending goes through a ``Frontier``, the roots of the perfect subtrees that
cover the log so far, so new leaves never need old ones read back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# A node is named by its level (0 for leaves) and its index within the level.
NodeKey = tuple[int, int]


def leaf_hash(leaf: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class NodeReader(Protocol):
    """Reads the hashes of perfect subtrees of a stored tree."""

    def nodes(self, requests: Sequence[NodeKey]) -> list[bytes]:
        """The hash of each requested (level, index) node, in request order.

        Only nodes whose subtree lies completely inside the tree are asked for.
        """
        ...


class MemoryNodeReader:
    """A ``NodeReader`` over a dict of nodes, as ``Frontier.append`` returns them."""

    def __init__(self, nodes: Iterable[tuple[int, int, bytes]] = ()) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self.add(nodes)

    def add(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        """Remember more (level, index, hash) nodes."""
        for level, index, digest in nodes:
            self._nodes[level, index] = digest

    def nodes(self, requests: Sequence[NodeKey]) -> list[bytes]:
        """The stored hash of each requested node; raises KeyError for an unknown one."""
        return [self._nodes[key] for key in requests]


# --- Planning: which perfect nodes a range needs, and how they combine ---------------


@dataclass(frozen=True, slots=True)
class _Pair:
    left: _Plan
    right: _Plan


# A plan is either one stored perfect node or the hash of two smaller plans.
_Plan = NodeKey | _Pair


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _plan(start: int, end: int) -> _Plan:
    """How MTH(D[start:end]) is built from perfect nodes (end > start)."""
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return (level, start >> level)
    k = _split(size)
    return _Pair(_plan(start, start + k), _plan(start + k, end))


def _keys(plan: _Plan, into: list[NodeKey]) -> list[NodeKey]:
    if isinstance(plan, _Pair):
        _keys(plan.left, into)
        _keys(plan.right, into)
    else:
        into.append(plan)
    return into


def _evaluate(plan: _Plan, known: Mapping[NodeKey, bytes]) -> bytes:
    if isinstance(plan, _Pair):
        return node_hash(_evaluate(plan.left, known), _evaluate(plan.right, known))
    return known[plan]


def _fetch_all(plans: Sequence[_Plan], reader: NodeReader) -> list[bytes]:
    """Evaluate several plans with one ``reader.nodes`` call."""
    keys: list[NodeKey] = []
    for plan in plans:
        _keys(plan, keys)
    unique = list(dict.fromkeys(keys))
    known = dict(zip(unique, reader.nodes(unique), strict=True)) if unique else {}
    return [_evaluate(plan, known) for plan in plans]


def _check_range(start: int, end: int) -> None:
    if not 0 <= start <= end:
        raise ValueError(f"not a range of leaves: [{start}, {end})")


# --- Hashes and proofs over a stored tree ----------------------------------------------


def subtree_hash(start: int, end: int, reader: NodeReader) -> bytes:
    """MTH(D[start:end]) per RFC 9162 2.1.1, read with one ``reader.nodes`` call.

    Any range works; the ones proofs use (``start`` a multiple of the next
    power of two at or above ``end - start``) need at most log2 nodes.

    Raises:
        ValueError: if the range is negative or reversed.
    """
    _check_range(start, end)
    if start == end:
        return EMPTY_ROOT
    return _fetch_all([_plan(start, end)], reader)[0]


def tree_root(size: int, reader: NodeReader) -> bytes:
    """The root hash of the first ``size`` leaves (``EMPTY_ROOT`` for none).

    Raises:
        ValueError: if size is negative.
    """
    return subtree_hash(0, size, reader)


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs make up PATH(index, D[0:size]), leaf end first."""
    ranges = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 2.1.3.1).

    Raises:
        ValueError: unless 0 <= index < size.
    """
    return batch_inclusion_proofs([index], size, reader)[0]


def batch_inclusion_proofs(
    indexes: Sequence[int], size: int, reader: NodeReader
) -> list[list[bytes]]:
    """The audit paths of several leaves, read with one ``reader.nodes`` call (a page proves 25).

    Raises:
        ValueError: unless 0 <= index < size for every index.
    """
    for index in indexes:
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    paths = [_inclusion_ranges(index, size) for index in indexes]
    hashes = iter(_fetch_all([_plan(start, end) for path in paths for start, end in path], reader))
    return [[next(hashes) for _ in path] for path in paths]


def _consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs make up PROOF(old_size, D[0:new_size]), in proof order."""
    ranges = []
    start, end, m, whole = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last subtree.
        ranges.append((start, end))
    return ranges[::-1]


def consistency_proof(old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """The proof that the first ``old_size`` leaves are a prefix of ``new_size`` (2.1.4.1).

    Empty when ``old_size`` is 0 or equals ``new_size``: there is nothing to prove.

    Raises:
        ValueError: unless 0 <= old_size <= new_size.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    ranges = _consistency_ranges(old_size, new_size)
    return _fetch_all([_plan(start, end) for start, end in ranges], reader)


# --- Verification (what a client runs) ------------------------------------------------


def _are_hashes(*values: object) -> bool:
    return all(isinstance(value, bytes) and len(value) == HASH_SIZE for value in values)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows ``leaf_hash`` at ``index`` in the tree ``root`` of ``size``.

    The algorithm of RFC 9162 2.1.3.2. Never raises: bad input (index outside
    the tree, hashes of the wrong length, a proof of the wrong length) is False.
    """
    if not (0 <= index < size and _are_hashes(leaf_hash, root, *proof)):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree ``old_root`` is a prefix of the tree ``new_root``.

    The algorithm of RFC 9162 2.1.4.2, plus the trivial cases it leaves out:
    equal sizes need equal roots and an empty proof; an old size of 0 needs
    ``old_root == EMPTY_ROOT`` and an empty proof. Never raises: bad input
    (old_size > new_size, hashes or a proof of the wrong length) is False.
    """
    if not (0 <= old_size <= new_size and _are_hashes(old_root, new_root, *proof)):
        return False
    if old_size == 0 and old_root != EMPTY_ROOT:
        return False
    if old_size == new_size:
        return old_root == new_root and not proof
    if old_size == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


# --- Appending -------------------------------------------------------------------------


class Frontier:
    """The right edge of a tree: the roots of the perfect subtrees covering [0, size).

    Holds one hash per set bit of ``size``, largest subtree first, which is all
    appending needs: new leaves are hashed against the edge, never against old
    leaves.
    """

    _SIZE_BYTES = 8

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """A frontier of ``size`` leaves from its stored hashes.

        Raises:
            ValueError: if size is negative or not below 2**64, or the hashes do
                not match it (one 32-byte hash per set bit of size).
        """
        if not 0 <= size < 1 << 64:
            raise ValueError(f"tree size {size} out of range")
        if len(hashes) != size.bit_count() or not _are_hashes(*hashes):
            raise ValueError(f"a tree of {size} leaves needs {size.bit_count()} 32-byte hashes")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """How many leaves the tree holds."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtree roots covering the tree, largest first."""
        return tuple(self._hashes)

    @classmethod
    def load(cls, size: int, reader: NodeReader) -> Frontier:
        """The frontier of a stored tree, read with one ``reader.nodes`` call.

        Raises:
            ValueError: if size is negative.
        """
        if size < 0:
            raise ValueError(f"tree size {size} out of range")
        keys, start = [], 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                keys.append((level, start >> level))
                start += 1 << level
        return cls(size, reader.nodes(keys) if keys else [])

    def append(self, leaf_hashes: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
        """Add leaves (already ``leaf_hash``-ed); return every perfect node they complete.

        The result holds (level, index, hash) for each new leaf (level 0) and
        each inner node finished by this batch, in the order they were made, so
        a caller can store them. The frontier changes only if all leaves are
        valid.

        Raises:
            ValueError: if a leaf hash is not 32 bytes, or the tree would reach 2**64 leaves.
        """
        leaves = list(leaf_hashes)
        if not _are_hashes(*leaves):
            raise ValueError("leaf hashes must be 32 bytes each")
        if self._size + len(leaves) >= 1 << 64:
            raise ValueError("the tree cannot grow past 2**64 - 1 leaves")
        made: list[tuple[int, int, bytes]] = []
        for digest in leaves:
            made.extend(self._push(digest))
        return made

    def _push(self, digest: bytes) -> list[tuple[int, int, bytes]]:
        # Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        made = [(0, self._size, digest)]
        level, index = 0, self._size
        while index & 1:
            digest = node_hash(self._hashes.pop(), digest)
            level, index = level + 1, index >> 1
            made.append((level, index, digest))
        self._hashes.append(digest)
        self._size += 1
        return made

    def root(self) -> bytes:
        """The tree's root hash (``EMPTY_ROOT`` when it has no leaves)."""
        if not self._hashes:
            return EMPTY_ROOT
        root = self._hashes[-1]
        for digest in reversed(self._hashes[:-1]):
            root = node_hash(digest, root)
        return root

    def to_bytes(self) -> bytes:
        """The frontier as bytes: the size as 8 bytes big-endian, then the hashes."""
        return self._size.to_bytes(self._SIZE_BYTES, "big") + b"".join(self._hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> Frontier:
        """The frontier ``to_bytes`` wrote.

        Raises:
            ValueError: if the bytes are not a frontier.
        """
        if len(data) < cls._SIZE_BYTES or (len(data) - cls._SIZE_BYTES) % HASH_SIZE:
            raise ValueError("not a serialised frontier")
        size = int.from_bytes(data[: cls._SIZE_BYTES], "big")
        rest = data[cls._SIZE_BYTES :]
        return cls(size, [rest[i : i + HASH_SIZE] for i in range(0, len(rest), HASH_SIZE)])

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()[:16]}…)"
