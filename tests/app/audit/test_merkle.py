"""RFC 9162 arithmetic: equal to a naive transcription of the RFC, and strict when verifying."""

from __future__ import annotations

import ast
import hashlib
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.audit.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    MemoryNodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    subtree_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from tests.app.audit.merkle_reference import ReferenceTree, sample_leaves

MAX_SIZE = 300
seeds = st.binary(max_size=8)


class CountingReader:
    """Counts ``nodes`` calls and fails on any node outside the tree."""

    def __init__(self, inner: MemoryNodeReader, size: int) -> None:
        self.inner, self.size, self.calls = inner, size, 0

    def nodes(self, requests: Sequence[tuple[int, int]]) -> list[bytes]:
        self.calls += 1
        for level, index in requests:
            assert level >= 0 and index >= 0
            assert (index + 1) << level <= self.size, f"node {(level, index)} outside the tree"
        return self.inner.nodes(requests)


def build(size: int, seed: bytes = b"") -> tuple[ReferenceTree, CountingReader]:
    leaves = sample_leaves(size, seed)
    frontier = Frontier()
    reader = MemoryNodeReader(frontier.append(leaf_hash(leaf) for leaf in leaves))
    return ReferenceTree(leaves), CountingReader(reader, size)


def flip(proof: list[bytes], position: int) -> list[bytes]:
    """The proof with one bit of byte ``position`` (counted over the whole proof) flipped."""
    item, offset = divmod(position, HASH_SIZE)
    changed = bytearray(proof[item])
    changed[offset] ^= 1
    return [*proof[:item], bytes(changed), *proof[item + 1 :]]


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[ReferenceTree, CountingReader, int]:
    size = draw(st.integers(1, MAX_SIZE))
    ref, reader = build(size, draw(seeds))
    return ref, reader, draw(st.integers(0, size - 1))


@st.composite
def tree_and_old_size(draw: st.DrawFn) -> tuple[ReferenceTree, CountingReader, int]:
    size = draw(st.integers(0, MAX_SIZE))
    ref, reader = build(size, draw(seeds))
    return ref, reader, draw(st.integers(0, size))


# --- Purity ---------------------------------------------------------------------------------

PURE_MODULES = ("merkle", "tiles", "note")


@pytest.mark.parametrize("name", PURE_MODULES)
def test_the_log_arithmetic_imports_only_stdlib_cryptography_and_itself(name):
    path = Path(__file__).resolve().parents[3] / "app" / "audit" / f"{name}.py"
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    allowed = {f"app.audit.{module}" for module in PURE_MODULES}
    outside = {
        module
        for module in imported
        if module.split(".")[0] not in {*sys.stdlib_module_names, "cryptography"}
        and module not in allowed
    }
    assert not outside, f"app/audit/{name}.py imports {sorted(outside)}"


# --- Known answers ------------------------------------------------------------------------

# RFC 6962 test vectors, as published with transparency-dev/merkle (testonly/constants.go).
KAT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        *("", "00", "10", "2021", "3031", "40414243"),
        *("5051525354555657", "606162636465666768696a6b6c6d6e6f"),
    )
]
KAT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_empty_root_is_the_hash_of_nothing():
    assert hashlib.sha256(b"").hexdigest() == EMPTY_ROOT.hex() == KAT_ROOTS[0]
    assert Frontier().root() == EMPTY_ROOT
    assert tree_root(0, MemoryNodeReader()) == EMPTY_ROOT


def test_hashes_are_domain_separated():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


def test_roots_match_published_vectors():
    frontier, reader = Frontier(), MemoryNodeReader()
    assert frontier.root().hex() == KAT_ROOTS[0]
    for size, leaf in enumerate(KAT_LEAVES, start=1):
        reader.add(frontier.append([leaf_hash(leaf)]))
        assert frontier.root().hex() == KAT_ROOTS[size]
        assert tree_root(size, reader).hex() == KAT_ROOTS[size]


def test_the_seven_leaf_examples_of_the_rfc():
    # RFC 9162 2.1.5: a..f are leaves d0..d5, g..j their parents, k = g|h, l = i|j.
    reader = MemoryNodeReader(Frontier().append(leaf_hash(leaf) for leaf in KAT_LEAVES[:7]))
    _a, b, c, d, _e, f, d6 = reader.nodes([(0, i) for i in range(7)])
    g, h, i = reader.nodes([(1, 0), (1, 1), (1, 2)])
    j, k = d6, node_hash(g, h)
    l = node_hash(i, j)  # noqa: E741  # the RFC's name
    assert [inclusion_proof(n, 7, reader) for n in (0, 3, 4, 6)] == [
        [b, h, l],
        [c, g, l],
        [f, j, k],
        [i, k],
    ]
    assert consistency_proof(3, 7, reader) == [c, d, g, l]
    assert consistency_proof(4, 7, reader) == [l]
    assert consistency_proof(6, 7, reader) == [i, j, k]


# --- Equal to the reference -----------------------------------------------------------------


@given(st.integers(0, MAX_SIZE), seeds, st.data())
def test_roots_and_subtree_hashes_match_the_reference(size, seed, data):
    ref, reader = build(size, seed)
    assert tree_root(size, reader) == ref.mth(0, size)
    start = data.draw(st.integers(0, size))
    end = data.draw(st.integers(start, size))
    assert subtree_hash(start, end, reader) == ref.mth(start, end)


@given(tree_and_index())
def test_inclusion_proofs_match_the_reference_and_verify(case):
    ref, reader, index = case
    proof = inclusion_proof(index, reader.size, reader)
    assert proof == [digest for _, digest in ref.path(index, reader.size)]
    assert reader.calls <= 1
    assert verify_inclusion(
        ref.leaf_hash(index), index, reader.size, proof, ref.mth(0, reader.size)
    )


@given(tree_and_old_size())
def test_consistency_proofs_match_the_reference_and_verify(case):
    ref, reader, old = case
    new = reader.size
    proof = consistency_proof(old, new, reader)
    assert proof == ref.proof(old, new)
    assert reader.calls <= 1
    assert verify_consistency(old, new, ref.mth(0, old), ref.mth(0, new), proof)


# --- Verification rejects what it must ---------------------------------------------------


@given(tree_and_index(), st.data())
def test_inclusion_rejects_a_flipped_byte(case, data):
    ref, reader, index = case
    proof, root = inclusion_proof(index, reader.size, reader), ref.mth(0, reader.size)
    leaf = ref.leaf_hash(index)
    if proof:
        changed = flip(proof, data.draw(st.integers(0, len(proof) * HASH_SIZE - 1)))
        assert not verify_inclusion(leaf, index, reader.size, changed, root)
    assert not verify_inclusion(flip([leaf], 0)[0], index, reader.size, proof, root)
    assert not verify_inclusion(leaf, index, reader.size, proof, flip([root], 31)[0])


def test_inclusion_rejects_every_single_flipped_byte():
    ref, reader = build(13)
    root = ref.mth(0, 13)
    for index in range(13):
        proof = inclusion_proof(index, 13, reader)
        for position in range(len(proof) * HASH_SIZE):
            changed = flip(proof, position)
            assert not verify_inclusion(ref.leaf_hash(index), index, 13, changed, root)


@given(tree_and_index(), st.data())
def test_inclusion_rejects_another_index_or_a_different_shaped_tree(case, data):
    ref, reader, index = case
    size, root = reader.size, ref.mth(0, reader.size)
    proof, leaf = inclusion_proof(index, size, reader), ref.leaf_hash(index)
    other = data.draw(st.integers(0, 2 * MAX_SIZE))
    if other < size and other != index:
        assert not verify_inclusion(leaf, other, size, proof, root)
    other_size = data.draw(st.integers(0, 2 * MAX_SIZE))
    # A proof only fixes the shape of the path: a size giving the same left/right
    # turns is indistinguishable (the root pins the tree); any other must fail.
    same_shape = index < other_size and [left for left, _ in ref.path(index, size)] == [
        left for left, _ in ReferenceTree([b""] * other_size).path(index, other_size)
    ]
    assert verify_inclusion(leaf, index, other_size, proof, root) == same_shape


@given(tree_and_index())
def test_inclusion_rejects_proofs_of_the_wrong_length(case):
    ref, reader, index = case
    size, root = reader.size, ref.mth(0, reader.size)
    proof, leaf = inclusion_proof(index, size, reader), ref.leaf_hash(index)
    assert not verify_inclusion(leaf, index, size, [*proof, root], root)
    assert not verify_inclusion(leaf, index, size, [*proof, proof[-1] if proof else leaf], root)
    if proof:
        assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not verify_inclusion(leaf, index, size, proof[1:], root)
        assert not verify_inclusion(leaf, index, size, [*proof[:-1], proof[-1][:-1]], root)


@given(tree_and_old_size(), st.data())
def test_consistency_rejects_tampering(case, data):
    ref, reader, old = case
    new = reader.size
    old_root, new_root = ref.mth(0, old), ref.mth(0, new)
    proof = consistency_proof(old, new, reader)
    if proof:
        changed = flip(proof, data.draw(st.integers(0, len(proof) * HASH_SIZE - 1)))
        assert not verify_consistency(old, new, old_root, new_root, changed)
        assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
        assert not verify_consistency(old, new, old_root, new_root, proof[1:])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(old, new, flip([old_root], 0)[0], new_root, proof)
    if old > 0 or new == 0:  # else nothing pins the new root
        assert not verify_consistency(old, new, old_root, flip([new_root], 0)[0], proof)


def _consistency_expected(
    ref: ReferenceTree, old: int, new: int, proof_of: tuple[int, int]
) -> bool:
    """Whether the proof for sizes ``proof_of`` must pass as a proof for (old, new)."""
    old_root, new_root = ref.mth(0, proof_of[0]), ref.mth(0, proof_of[1])
    proof = ref.proof(*proof_of)
    if old > new:
        return False
    if old == 0:
        return old_root == ref.mth(0, 0) and not proof and (new > 0 or new_root == old_root)
    if old == new:
        return old_root == new_root and not proof
    shape = ref.proof_shape(*proof_of) if 0 < proof_of[0] < proof_of[1] else None
    return shape == ref.proof_shape(old, new)


@given(tree_and_old_size(), st.data())
def test_consistency_rejects_wrong_sizes(case, data):
    ref, reader, old = case
    new = reader.size
    old_root, new_root = ref.mth(0, old), ref.mth(0, new)
    proof = consistency_proof(old, new, reader)
    other_old = data.draw(st.integers(0, 2 * MAX_SIZE).filter(lambda n: n != old))
    other_new = data.draw(st.integers(0, 2 * MAX_SIZE).filter(lambda n: n != new))
    # As with inclusion, sizes only fix the proof's shape: equal shapes cannot be told apart.
    for sizes in ((other_old, new), (old, other_new), (other_old, other_new)):
        expected = _consistency_expected(ref, *sizes, proof_of=(old, new))
        assert verify_consistency(*sizes, old_root, new_root, proof) == expected, sizes
    if old != new:
        assert not verify_consistency(new, old, new_root, old_root, proof)


def test_bad_arguments_are_false_for_verifiers_and_value_errors_for_provers():
    ref, reader = build(5)
    root, leaf = ref.mth(0, 5), ref.leaf_hash(0)
    for index, size in [(5, 5), (-1, 5), (0, 0), (7, 3)]:
        assert not verify_inclusion(leaf, index, size, [], root)
        with pytest.raises(ValueError, match="not in a tree"):
            inclusion_proof(index, size, reader)
    for old, new in [(6, 5), (-1, 5)]:
        assert not verify_consistency(old, new, root, root, [])
        with pytest.raises(ValueError, match="no consistency proof"):
            consistency_proof(old, new, reader)
    with pytest.raises(ValueError, match="not a range"):
        subtree_hash(3, 2, reader)
    assert not verify_inclusion(leaf[:31], 0, 1, [], leaf[:31])
    assert not verify_consistency(0, 5, b"", root, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, root, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, root, [root])
    assert verify_consistency(5, 5, root, root, [])
    assert not verify_consistency(5, 5, root, root, [root])
    assert not verify_consistency(3, 5, ref.mth(0, 3), root, [])


# --- Frontier ----------------------------------------------------------------------------


@given(st.integers(0, MAX_SIZE), seeds, st.randoms(use_true_random=False))
def test_frontier_batches_make_the_same_tree_as_one_append(size, seed, rnd: random.Random):
    ref = ReferenceTree(sample_leaves(size, seed))
    hashes = [ref.leaf_hash(i) for i in range(size)]
    at_once = Frontier()
    all_nodes = at_once.append(hashes)
    batched, batched_nodes, done = Frontier(), [], 0
    while done < size:
        step = rnd.randint(0, size - done)
        batched_nodes += batched.append(hashes[done : done + step])
        done += step
        assert batched.root() == ref.mth(0, done)
        assert len(batched.hashes) == done.bit_count()
    assert batched.root() == at_once.root() == ref.mth(0, size)
    assert batched.hashes == at_once.hashes
    expected = ref.perfect_nodes(size)
    for nodes in (all_nodes, batched_nodes):
        assert len(nodes) == len(expected)
        assert {(level, index): digest for level, index, digest in nodes} == expected


@given(st.integers(0, MAX_SIZE), seeds)
def test_frontier_round_trips_through_bytes_and_a_reader(size, seed):
    ref, reader = build(size, seed)
    frontier = Frontier()
    frontier.append(ref.leaf_hash(i) for i in range(size))
    data = frontier.to_bytes()
    assert len(data) == 8 + HASH_SIZE * size.bit_count()
    for copy in (Frontier.from_bytes(data), Frontier.load(size, reader)):
        assert (copy.size, copy.hashes, copy.root()) == (size, frontier.hashes, frontier.root())
    assert reader.calls <= 1
    extra = leaf_hash(b"next")
    copy = Frontier.from_bytes(data)
    assert copy.append([extra]) == frontier.append([extra])
    assert copy.root() == frontier.root()


def test_frontier_refuses_what_it_cannot_be():
    two = Frontier()
    two.append([leaf_hash(b"a"), leaf_hash(b"b")])
    data = two.to_bytes()
    for broken in (b"", data[:7], data[:-1], data + b"\x00" * 32, b"\x00" * 7 + b"\x03" + data[8:]):
        with pytest.raises(ValueError, match=r"frontier|hashes"):
            Frontier.from_bytes(broken)
    with pytest.raises(ValueError, match="out of range"):
        Frontier(-1)
    with pytest.raises(ValueError, match="32 bytes"):
        two.append([leaf_hash(b"c"), b"short"])
    assert two.size == 2  # a bad batch changes nothing
