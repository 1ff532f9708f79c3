#!/usr/bin/env python3
"""Check your Fieldgate access-log download against the log's signed checkpoint.

    python verify_access_log.py events.json --key 'KEY'
    python verify_access_log.py events.json --key 'KEY' \\
        --old-checkpoint old-checkpoint.txt --consistency consistency.json
    python verify_access_log.py events.json --key 'KEY' --require-sealed

KEY is the log's published verifier key. The script checks that:

1. the download's checkpoint is signed by KEY (c2sp.org/signed-note, Ed25519);
2. every sealed event is in the log: its leaf hashes up to the checkpoint's
   root through its inclusion proof (RFC 9162, 2.1.3.2), and the event shows
   every field the leaf records, as recorded; events not sealed yet are "pending"
   (the log seals each within seconds: with --require-sealed, a pending event
   fails, so a later download shows whether any was held back);
3. with --old-checkpoint (a checkpoint you kept from before) and
   --consistency (what /.well-known/fieldgate-log/consistency?first=OLD&second=NEW
   returned), the log only grew since: nothing in it was changed or removed
   (RFC 9162, 2.1.4.2).

It needs Python 3.11+ and the `cryptography` package, and nothing from
Fieldgate: read it, it is short. Exit status 0: all checks passed; 1: one failed.
"""

import argparse
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Failed(Exception):
    """A check did not pass."""


def sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def hashes(items: list[str]) -> list[bytes]:
    """Base64 hashes, decoded; raises Failed unless each is 32 bytes."""
    decoded = [base64.b64decode(item, validate=True) for item in items]
    if any(len(h) != 32 for h in decoded):
        raise Failed("a proof hash is not 32 bytes")
    return decoded


def open_checkpoint(note: str, key: str) -> tuple[str, int, bytes]:
    """The (origin, tree size, root) of a checkpoint note, once KEY's signature verifies."""
    name, key_id, public = key.split("+", 2)
    public, key_id = base64.b64decode(public, validate=True), key_id.lower()
    if (
        public[:1] != b"\x01"
        or len(public) != 33
        or sha256(name.encode(), b"\n", public)[:4].hex() != key_id
    ):
        raise Failed("the key is not a valid Ed25519 verifier key")
    text, _, signatures = note.rpartition("\n\n")  # the signed text ends at the last blank line
    text += "\n"
    for line in signatures.splitlines():  # "— <key name> <base64(key ID || signature)>"
        dash, _, rest = line.partition(" ")
        signer, _, signature = rest.partition(" ")
        signature = base64.b64decode(signature, validate=True) if signer == name else b""
        if dash != "\u2014" or signature[:4].hex() != key_id:
            continue  # another key's signature
        try:  # the first signature by this key decides
            Ed25519PublicKey.from_public_bytes(public[1:]).verify(signature[4:], text.encode())
        except InvalidSignature:
            raise Failed("the checkpoint's signature is wrong") from None
        origin, size, root = text.split("\n")[:3]
        return origin, int(size), hashes([root])[0]
    raise Failed(f"the checkpoint is not signed by {name}")


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: list[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162, 2.1.3.2); b"" if the proof is malformed."""
    if not 0 <= index < size:
        return b""
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return b""
        if fn & 1 or fn == sn:
            r = sha256(b"\x01", p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha256(b"\x01", r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else b""


def consistent(old_size: int, new_size: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """Whether the tree ``new`` extends the tree ``old`` (RFC 9162, 2.1.4.2)."""
    if old_size == new_size:
        return old == new and not proof
    if old_size == 0:  # the empty tree is a prefix of every tree
        return old == sha256() and not proof
    if not 0 < old_size < new_size or not proof:
        return False
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a proof node
        proof = [old, *proof]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = sha256(b"\x01", c, fr), sha256(b"\x01", c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha256(b"\x01", sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old and sr == new


def check_event(event: dict, size: int, root: bytes, seen: set[int]) -> str:
    """The event's status, sealed or pending; raises Failed if the log does not hold it."""
    index = event["leaf_index"]
    if index is None:
        return "pending: not sealed into the log yet"
    if index in seen:
        raise Failed(f"leaf {index} is claimed by two events")
    seen.add(index)
    leaf = base64.b64decode(event["leaf"], validate=True)
    proof = hashes(event["inclusion_proof"])
    if root_from_inclusion(sha256(b"\x00", leaf), index, size, proof) != root:
        raise Failed(f"leaf {index} is not in the log under this checkpoint")
    recorded = json.loads(leaf)
    if not isinstance(recorded, dict):
        raise Failed(f"leaf {index} is not a JSON object")
    missing = sorted(key for key in recorded if key not in event)
    if missing:  # left out, it would go unchecked while the event's words say anything
        raise Failed(f"not shown, though the log recorded them: {', '.join(missing)}")
    changed = sorted(key for key in recorded if recorded[key] != event[key])
    if changed:
        raise Failed(f"shown differently from what the log recorded: {', '.join(changed)}")
    return "sealed in the log"


def check_growth(args: argparse.Namespace, origin: str, size: int, root: bytes) -> int:
    """0 if the log only grew since the old checkpoint; prints and returns 1 if not."""
    with open(args.old_checkpoint, encoding="utf-8", newline="") as file:
        old_origin, old_size, old_root = open_checkpoint(file.read(), args.key)
    with open(args.consistency, encoding="utf-8") as file:
        proof = hashes(json.load(file)["proof"])
    if old_origin == origin and consistent(old_size, size, old_root, root, proof):
        print(f"the log grew from {old_size} to {size} events without changing any")
        return 0
    print(f"FAILED: the checkpoint of {size} events does not extend the one of {old_size}")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", help="your downloaded events JSON")
    parser.add_argument("--key", required=True, help="the log's verifier key")
    parser.add_argument("--old-checkpoint", help="a checkpoint you kept from before")
    parser.add_argument("--consistency", help="the consistency proof JSON from the log")
    parser.add_argument(
        "--require-sealed",
        action="store_true",
        help="fail if any event is not sealed yet (check a download made a minute later)",
    )
    args = parser.parse_args(argv)
    if bool(args.old_checkpoint) != bool(args.consistency):
        parser.error("--old-checkpoint and --consistency go together")
    try:
        with open(args.events, encoding="utf-8") as file:
            download = json.load(file)
        if not isinstance(download.get("checkpoint"), str):
            raise Failed(
                "this download carries no checkpoint: the log had signed none yet when it was"
                " made; download it again in a minute"
            )
        origin, size, root = open_checkpoint(download["checkpoint"], args.key)
        events = download["events"]
        if not all(isinstance(event, dict) for event in events):
            raise Failed("the events are not JSON objects")
        print(f"checkpoint: {origin}, a log of {size} events, signed by the key")
        failures = check_growth(args, origin, size, root) if args.old_checkpoint else 0
    except (Failed, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        print(f"FAILED: {error}")
        return 1
    seen: set[int] = set()
    pending = 0
    for event in events:
        label = f"event {event.get('seq', '?')}"
        try:
            status = check_event(event, size, root, seen)
        except (Failed, ValueError, KeyError, TypeError) as error:
            failures += 1
            print(f"{label}: FAILED: {error}")
            continue
        print(f"{label}: {status}")
        pending += status.startswith("pending")
    if pending and args.require_sealed:
        failures += 1
        print(f"FAILED: {pending} event(s) not sealed, and --require-sealed was given")
    elif pending:
        print(
            f"{pending} event(s) pending: the log seals each within seconds; download again"
            " later and check that file with --require-sealed"
        )
    print("all checks passed" if not failures else f"{failures} check(s) FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
