"""docs/verify_access_log.py: passes an honest download, fails every tampered one."""

from __future__ import annotations

import ast
import base64
import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.audit.merkle import (
    Frontier,
    MemoryNodeReader,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from app.audit.note import generate_signer_key, sign_checkpoint, verifier_key_for

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "verify_access_log.py"
ORIGIN = "fieldgate.example/access-log"
SIGNER = generate_signer_key(ORIGIN)
KEY = verifier_key_for(SIGNER)
MEMBER_EVENTS = range(3, 40, 4)  # the member's events among everyone's


def canonical(columns: dict[str, Any]) -> bytes:
    return json.dumps(columns, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def columns(event: int) -> dict[str, Any]:
    return {
        "event": event,
        "time_utc": f"2026-05-0{1 + event % 9}T10:00:{event % 60:02d}Z",
        "action": "download" if event % 3 else "view",
        "place": "export",
        "purpose": "recruiting",
        "outcome": "partial",
        "released": ["first_name", "email"],
        "refused": {"phone": "audience"},
        "subject": 7 if event in MEMBER_EVENTS else 8,
    }


class Log:
    """A log holding events 0..size-1, and checkpoints of it."""

    def __init__(self, size: int, change: Callable[[dict[str, Any]], None] = lambda c: None):
        self.leaves = []
        for event in range(size):
            cols = columns(event)
            change(cols)
            self.leaves.append(canonical(cols))
        self.frontier = Frontier()
        self.reader = MemoryNodeReader(self.frontier.append(leaf_hash(x) for x in self.leaves))

    def checkpoint(self, size: int, signer: str = SIGNER) -> str:
        root = Frontier.load(size, self.reader).root()
        return sign_checkpoint(signer, ORIGIN, size, root)

    def download(self, size: int, pending: tuple[int, ...] = (41, 42)) -> dict[str, Any]:
        """What a member downloads: their sealed events with proofs, then pending ones."""
        events = []
        for event in (e for e in MEMBER_EVENTS if e < size):
            proof = inclusion_proof(event, size, self.reader)
            shown = columns(event)  # every column its leaf records, as the app's download
            shown |= {"leaf_index": event, "leaf": base64.b64encode(self.leaves[event]).decode()}
            events.append(shown | {"inclusion_proof": [_b64(h) for h in proof]})
        events += [{**columns(e), "leaf_index": None} for e in pending]
        return {"checkpoint": self.checkpoint(size), "events": events}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


LOG = Log(40)


def run(tmp_path: Path, download: dict[str, Any], *extra: str, key: str = KEY) -> tuple[int, str]:
    events = tmp_path / "events.json"
    events.write_text(json.dumps(download))
    # From another folder, isolated: the script must not need the project.
    result = subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [sys.executable, "-I", str(SCRIPT), str(events), "--key", key, *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert not result.stderr, result.stderr
    return result.returncode, result.stdout


def test_the_script_imports_only_the_standard_library_and_cryptography():
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_an_honest_download_passes(tmp_path):
    code, out = run(tmp_path, LOG.download(40))
    assert code == 0, out
    assert out.count("sealed in the log") == len(MEMBER_EVENTS)
    assert out.count(": pending") == 2  # each pending event, by its line
    assert "2 event(s) pending" in out and "all checks passed" in out


def test_an_honest_download_with_growth_since_an_old_checkpoint_passes(tmp_path):
    for old in (0, 1, 10, 16, 40):
        proof = consistency_proof(old, 40, LOG.reader)
        code, out = run(tmp_path, LOG.download(40), *_old(tmp_path, LOG.checkpoint(old), proof))
        assert code == 0, out
        assert f"grew from {old} to 40" in out


def _old(tmp_path: Path, checkpoint: str, proof: list[bytes]) -> tuple[str, ...]:
    """Arguments giving an old checkpoint and a consistency proof, written to files."""
    (tmp_path / "old.txt").write_text(checkpoint)
    (tmp_path / "proof.json").write_text(json.dumps({"proof": [_b64(h) for h in proof]}))
    return ("--old-checkpoint", "old.txt", "--consistency", "proof.json")


def _edit_event(position: int, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    download = LOG.download(40)
    edit(download["events"][position])
    return download


def _flip_leaf_byte(event: dict[str, Any]) -> None:
    leaf = bytearray(base64.b64decode(event["leaf"]))
    leaf[leaf.index(b"recruiting")] ^= 0x20  # "Recruiting": still valid JSON
    event["leaf"] = _b64(bytes(leaf))
    event["purpose"] = "Recruiting"


def _reorder(event: dict[str, Any]) -> None:
    event["inclusion_proof"].reverse()


def _swap_in_deleted(download: dict[str, Any], whole: bool) -> dict[str, Any]:
    """Delete the member's first event and reuse its proof (or whole leaf) for the second."""
    deleted, kept = download["events"][:2]
    moved = ("leaf_index", "inclusion_proof", *(("leaf",) if whole else ()))
    kept |= {key: deleted[key] for key in moved}
    download["events"].remove(deleted)
    return download


TAMPERED = {
    "a changed field": _edit_event(0, lambda e: e.update(purpose="personal")),
    "a changed list": _edit_event(2, lambda e: e["released"].append("phone")),
    "a field left out": _edit_event(2, lambda e: e.pop("released")),
    "a changed leaf byte": _edit_event(1, _flip_leaf_byte),
    "a reordered proof": _edit_event(3, _reorder),
    "a shortened proof": _edit_event(3, lambda e: e["inclusion_proof"].pop()),
    "another leaf index": _edit_event(4, lambda e: e.update(leaf_index=e["leaf_index"] + 1)),
    "a leaf index past the tree": _edit_event(4, lambda e: e.update(leaf_index=40)),
    "a deleted event's proof": _swap_in_deleted(LOG.download(40), whole=False),
    "a deleted event's leaf": _swap_in_deleted(LOG.download(40), whole=True),
    "a duplicated event": {
        **LOG.download(40),
        "events": LOG.download(40)["events"] + LOG.download(40)["events"][:1],
    },
    "a checkpoint changed": {
        **LOG.download(40),
        "checkpoint": LOG.download(40)["checkpoint"].replace("\n40\n", "\n41\n"),
    },
    "a checkpoint by another key": {
        **LOG.download(40),
        "checkpoint": LOG.checkpoint(40, generate_signer_key(ORIGIN)),
    },
    "an unsigned checkpoint": {
        **LOG.download(40),
        "checkpoint": LOG.download(40)["checkpoint"].split("\n\n")[0] + "\n",
    },
}


@pytest.mark.parametrize("tampering", TAMPERED)
def test_a_tampered_download_fails(tmp_path, tampering):
    code, out = run(tmp_path, TAMPERED[tampering])
    assert code == 1, out
    assert "FAILED" in out


def test_a_forked_log_under_a_borrowed_signature_fails(tmp_path):
    # Everything in it agrees with the fork's root; only the signature is not the fork's.
    fork = Log(40, lambda cols: cols.update(purpose="personal"))
    download = fork.download(40)
    body = download["checkpoint"].split("\n\n")[0]
    download["checkpoint"] = body + "\n\n" + LOG.checkpoint(40).split("\n\n")[1]
    download["events"] = [e | {"purpose": "personal"} for e in download["events"]]
    code, out = run(tmp_path, download)
    assert code == 1 and "signature is wrong" in out


def test_a_wrong_key_fails(tmp_path):
    code, out = run(tmp_path, LOG.download(40), key=verifier_key_for(generate_signer_key(ORIGIN)))
    assert code == 1 and "not signed by" in out


def test_a_checkpoint_that_does_not_extend_the_old_one_fails(tmp_path):
    fork = Log(40, lambda cols: cols.update(outcome="denied") if cols["event"] == 5 else None)
    cases = [
        (fork.checkpoint(10), consistency_proof(10, 40, LOG.reader), 40),  # history rewritten
        (LOG.checkpoint(10), consistency_proof(9, 40, LOG.reader), 40),  # for another size
        (LOG.checkpoint(10), consistency_proof(10, 40, LOG.reader)[1:], 40),
        (LOG.checkpoint(10), consistency_proof(10, 40, LOG.reader), 39),  # not the new size
        (LOG.checkpoint(40), [], 39),  # the log shrank
        (  # another log, under the same key
            sign_checkpoint(
                SIGNER, "fieldgate.example/other", 10, Frontier.load(10, LOG.reader).root()
            ),
            consistency_proof(10, 40, LOG.reader),
            40,
        ),
    ]
    for old, proof, size in cases:
        code, out = run(tmp_path, LOG.download(size), *_old(tmp_path, old, proof))
        assert code == 1, out
        assert "does not extend" in out
        assert out.count("sealed in the log") == len([e for e in MEMBER_EVENTS if e < size])


# --- The script's own arithmetic, checked quickly against the app's ---------------------


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_access_log", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT_MODULE = _load_script()


@given(st.integers(1, 200), st.data())
def test_the_scripts_rfc_9162_arithmetic_accepts_real_proofs_and_no_flipped_ones(size, data):
    frontier = Frontier()
    reader = MemoryNodeReader(
        frontier.append(leaf_hash(bytes([i % 251, i // 251])) for i in range(size))
    )
    index, old = data.draw(st.integers(0, size - 1)), data.draw(st.integers(0, size))
    roots = {n: Frontier.load(n, reader).root() for n in (old, size)}
    path = inclusion_proof(index, size, reader)
    leaf = reader.nodes([(0, index)])[0]
    assert SCRIPT_MODULE.root_from_inclusion(leaf, index, size, path) == roots[size]
    proof = consistency_proof(old, size, reader)
    assert SCRIPT_MODULE.consistent(old, size, roots[old], roots[size], proof)
    for items, check in [
        (path, lambda p: SCRIPT_MODULE.root_from_inclusion(leaf, index, size, p) == roots[size]),
        (proof, lambda p: SCRIPT_MODULE.consistent(old, size, roots[old], roots[size], p)),
    ]:
        if items:
            at = data.draw(st.integers(0, len(items) - 1))
            flipped = [*items[:at], bytes([items[at][0] ^ 1]) + items[at][1:], *items[at + 1 :]]
            assert not check(flipped)
            assert not check([*items, items[-1]])
