"""A naive RFC 9162 Merkle tree, transcribed from the RFC's recursive definitions.

Deliberately independent of ``app.audit.merkle``: its own hashing, its own
split, plain recursion over slices of the leaf list. Slow, obviously right.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class ReferenceTree:
    """MTH, PATH and PROOF of RFC 9162 section 2.1 over a fixed list of leaves."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = tuple(leaves)
        self.mth = cache(self._mth)

    def leaf_hash(self, i: int) -> bytes:
        """The hash of leaf i: SHA-256(0x00 || d(i))."""
        return hashlib.sha256(b"\x00" + self.leaves[i]).digest()

    def _mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) by RFC 9162 2.1.1."""
        n = end - start
        if n == 0:
            return hashlib.sha256(b"").digest()
        if n == 1:
            return self.leaf_hash(start)
        k = _split(n)
        return hashlib.sha256(
            b"\x01" + self.mth(start, start + k) + self.mth(start + k, end)
        ).digest()

    def path(self, m: int, n: int) -> list[tuple[bool, bytes]]:
        """PATH(m, D[0:n]) as (sibling is on the left, hash) pairs, leaf end first."""
        return self._path(m, 0, n)

    def _path(self, m: int, start: int, end: int) -> list[tuple[bool, bytes]]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, start + k), (False, self.mth(start + k, end))]
        return [*self._path(m - k, start + k, end), (True, self.mth(start, start + k))]

    def proof(self, m: int, n: int) -> list[bytes]:
        """PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true); empty for m == 0 (our convention)."""
        return [] if m == 0 else self._subproof(m, 0, n, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.mth(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.mth(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.mth(start, start + k)]

    def proof_shape(self, m: int, n: int) -> list[str]:
        """What each element of PROOF(m, D[0:n]) is to a verifier, who sees nothing else.

        "start" is the old tree's last subtree, "left" a sibling inside the old
        tree, "right" one outside it. Sizes with equal shapes are
        indistinguishable from the proof alone.
        """
        return [] if m == 0 else self._shape(m, n, True)

    def _shape(self, m: int, n: int, whole: bool) -> list[str]:
        if m == n:
            return [] if whole else ["start"]
        k = _split(n)
        if m <= k:
            return [*self._shape(m, k, whole), "right"]
        return [*self._shape(m - k, n - k, False), "left"]

    def perfect_nodes(self, size: int) -> dict[tuple[int, int], bytes]:
        """Every perfect subtree inside the first ``size`` leaves, by (level, index)."""
        nodes = {}
        level = 0
        while 1 << level <= size:
            for index in range(size >> level):
                nodes[level, index] = self.mth(index << level, (index + 1) << level)
            level += 1
        return nodes


def sample_leaves(size: int, seed: bytes) -> list[bytes]:
    """``size`` distinct leaves of varying length, derived from ``seed``."""
    return [seed + i.to_bytes(4, "big") * (1 + i % 3) for i in range(size)]
