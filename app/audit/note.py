"""Signed notes (c2sp.org/signed-note) and log checkpoints (c2sp.org/tlog-checkpoint).

A checkpoint is the text ``<origin>\\n<size>\\n<base64 root>\\n``; a signed note
is that text, a blank line, and lines ``— <key name> <base64(key ID ||
signature)>``. Keys are Ed25519 (signature type 0x01) and are written as Go's
golang.org/x/mod/sumdb/note writes them, so its tools and ours read each
other's keys and notes:

- verifier key: ``<name>+<key ID, 8 hex digits>+<base64(0x01 || public key)>``
- signer key: ``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || private seed)>``

where the key ID is the first 4 bytes of SHA-256(name || "\\n" || 0x01 ||
public key). Every failure, whatever its cause, is a ``NoteError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # as Go's note.Open; the spec asks for at least 16
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # every ASCII control but newline


class NoteError(Exception):
    """A key, note or checkpoint is malformed, or its signature is missing or wrong."""


@dataclass(frozen=True)
class Checkpoint:
    """What a verified checkpoint says: which log, how many leaves, and their root."""

    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class _Key:
    name: str
    key_id: bytes


# --- Keys ------------------------------------------------------------------------------


def _check_name(name: str) -> str:
    if not name or "+" in name or any(ch.isspace() for ch in name) or _CONTROL.search(name):
        raise NoteError(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
    _utf8(name)
    return name


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as error:
        raise NoteError("not valid UTF-8") from error


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise NoteError("invalid base64") from error


def _key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(_utf8(name) + b"\n" + ED25519 + public).digest()[:4]


def _key_string(name: str, key_id: bytes, key: bytes) -> str:
    return f"{name}+{key_id.hex()}+{base64.b64encode(ED25519 + key).decode()}"


def _split_key(name: str, key_id: str, data: str) -> tuple[_Key, bytes]:
    """The name, claimed key ID and raw key bytes of a key string's last three parts."""
    raw = _b64decode(data)
    if not _KEY_ID.fullmatch(key_id) or len(raw) != 33 or raw[:1] != ED25519:
        raise NoteError("malformed key: expected an Ed25519 key with an 8-digit key ID")
    return _Key(_check_name(name), bytes.fromhex(key_id)), raw[1:]


def _signer(signer_key: str) -> tuple[_Key, Ed25519PrivateKey]:
    parts = signer_key.split("+", 4) if isinstance(signer_key, str) else []
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("a signer key starts PRIVATE+KEY+ and has five parts")
    key, seed = _split_key(*parts[2:])
    private = Ed25519PrivateKey.from_private_bytes(seed)
    if _key_id(key.name, private.public_key().public_bytes_raw()) != key.key_id:
        raise NoteError("the signer key's ID does not match its key")
    return key, private


def _verifier(verifier_key: str) -> tuple[_Key, Ed25519PublicKey]:
    parts = verifier_key.split("+", 2) if isinstance(verifier_key, str) else []
    if len(parts) != 3:
        raise NoteError("a verifier key is <name>+<key ID>+<key>")
    key, public = _split_key(*parts)
    if _key_id(key.name, public) != key.key_id:
        raise NoteError("the verifier key's ID does not match its key")
    return key, Ed25519PublicKey.from_public_bytes(public)


def generate_signer_key(name: str) -> str:
    """A new random Ed25519 signer key named ``name``. Keep it secret.

    Raises:
        NoteError: if the name is empty or holds a space or '+'.
    """
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    key_id = _key_id(_check_name(name), public)
    return "PRIVATE+KEY+" + _key_string(name, key_id, private.private_bytes_raw())


def verifier_key_for(signer_key: str) -> str:
    """The public verifier key matching a signer key, to publish.

    Raises:
        NoteError: if the signer key is malformed.
    """
    key, private = _signer(signer_key)
    return _key_string(key.name, key.key_id, private.public_key().public_bytes_raw())


# --- Notes -----------------------------------------------------------------------------


def sign_note(signer_key: str, text: str) -> str:
    """``text`` signed by ``signer_key``: the text, a blank line, one signature line.

    Raises:
        NoteError: if the key is malformed, or the text is empty, does not end in
            a newline, or holds a control character other than newline.
    """
    if not isinstance(text, str) or not text.endswith("\n") or _CONTROL.search(text):
        raise NoteError("a note's text ends in a newline and has no other control characters")
    key, private = _signer(signer_key)
    signature = base64.b64encode(key.key_id + private.sign(_utf8(text))).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{key.name} {signature}\n"


def _signature_lines(note: str) -> tuple[str, list[str]]:
    """The note's text and its signature lines, as the signed-note format splits them."""
    if _CONTROL.search(note):
        raise NoteError("a note has no control characters but newline")
    _utf8(note)
    split = note.rfind("\n\n")
    text, signatures = note[: split + 1], note[split + 2 :]
    if split < 0 or not signatures.endswith("\n"):
        raise NoteError("a note ends in a blank line and signature lines")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return text, lines


def _parse_signature(line: str) -> tuple[_Key, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"not a signature line: {line[:40]!r}")
    name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    raw = _b64decode(encoded)
    if len(raw) < 5:
        raise NoteError("a signature is a 4-byte key ID and at least one more byte")
    return _Key(_check_name(name), raw[:4]), raw[4:]


def open_note(note: str | bytes, verifier_key: str) -> str:
    """The text of a note, once a signature by ``verifier_key`` on it has verified.

    Signatures by other keys are ignored, as the spec requires; a wrong
    signature by this key rejects the whole note.

    Raises:
        NoteError: if the key or the note is malformed, this key's signature is
            wrong, or there is none.
    """
    if isinstance(note, bytes):
        try:
            note = note.decode()
        except UnicodeDecodeError as error:
            raise NoteError("not valid UTF-8") from error
    if not isinstance(note, str):
        raise NoteError("a note is text")
    key, public = _verifier(verifier_key)
    text, lines = _signature_lines(note)
    signatures = [_parse_signature(line) for line in lines]
    ours = [signature for signer, signature in signatures if signer == key]
    if not ours:
        raise NoteError(f"no signature by {key.name}+{key.key_id.hex()}")
    try:
        public.verify(ours[0], _utf8(text))  # later copies are ignored, as Go does
    except InvalidSignature as error:
        raise NoteError(f"the signature by {key.name} does not verify") from error
    return text


# --- Checkpoints -----------------------------------------------------------------------


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The checkpoint body: origin, tree size and base64 root hash, one per line.

    Raises:
        NoteError: if the origin is empty or spans lines, the size is not in
            [0, 2**64), or the root is not 32 bytes.
    """
    if not isinstance(origin, str) or not origin or "\n" in origin or _CONTROL.search(origin):
        raise NoteError("a checkpoint origin is one non-empty line")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 1 << 64:
        raise NoteError(f"tree size {size!r} out of range")
    if not isinstance(root, bytes) or len(root) != 32:
        raise NoteError("a root hash is 32 bytes")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(signer_key: str, origin: str, size: int, root: bytes) -> str:
    """A signed checkpoint note for the tree of ``size`` leaves with ``root``.

    The spec asks that the key's name match the origin; that is the caller's choice.

    Raises:
        NoteError: if the key or any field is malformed (see ``checkpoint_text``).
    """
    return sign_note(signer_key, checkpoint_text(origin, size, root))


def parse_checkpoint(note: str | bytes, verifier_key: str, origin: str | None = None) -> Checkpoint:
    """The checkpoint in a signed note, once its signature by ``verifier_key`` verifies.

    Extension lines after the root are allowed by the spec and ignored. When
    ``origin`` is given the checkpoint must be for that log.

    Raises:
        NoteError: if the note or checkpoint is malformed, the signature is
            missing or wrong, or the origin is not the expected one.
    """
    lines = open_note(note, verifier_key).split("\n")[:-1]
    if len(lines) < 3 or not all(lines):
        raise NoteError("a checkpoint is at least three non-empty lines")
    found, size_text, root_text = lines[:3]
    if not _TREE_SIZE.fullmatch(size_text) or int(size_text) >= 1 << 64:
        raise NoteError(f"invalid tree size {size_text[:30]!r}")
    root = _b64decode(root_text)
    if len(root) != 32 or base64.b64encode(root).decode() != root_text:
        raise NoteError("the root hash is not 32 bytes in canonical base64")
    if origin is not None and found != origin:
        raise NoteError(f"a checkpoint for {found!r}, not {origin!r}")
    return Checkpoint(found, int(size_text), root)
