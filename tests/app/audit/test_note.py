"""Signed notes and checkpoints: Go's reference vector, round trips, and NoteError for the rest."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import assume, given
from hypothesis import strategies as st

from app.audit.note import (
    Checkpoint,
    NoteError,
    checkpoint_text,
    generate_signer_key,
    open_note,
    parse_checkpoint,
    sign_checkpoint,
    sign_note,
    verifier_key_for,
)

# The example in the documentation of golang.org/x/mod/sumdb/note. Ed25519 is
# deterministic, so signing the text again gives the same note byte for byte.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKv"
    "qfqdngotpRZb6KE6RyyBwJnAM=\n"
)

ORIGIN = "fieldgate.example/access-log"
SIGNER = generate_signer_key(ORIGIN)
VERIFIER = verifier_key_for(SIGNER)
ROOT = hashlib.sha256(b"root").digest()
NOTE = sign_checkpoint(SIGNER, ORIGIN, 42, ROOT)
OTHER_SIGNER = generate_signer_key("witness.example/w1")


def test_keys_and_notes_match_gos_reference_example():
    assert verifier_key_for(GO_SIGNER) == GO_VERIFIER
    assert sign_note(GO_SIGNER, GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, GO_VERIFIER) == GO_TEXT
    assert open_note(GO_NOTE.encode(), GO_VERIFIER) == GO_TEXT


def test_key_strings_have_the_documented_format():
    match = re.fullmatch(r"PRIVATE\+KEY\+(.+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]{44})", SIGNER)
    assert match and match[1] == ORIGIN
    seed = base64.b64decode(match[3])
    assert seed[0] == 1 and len(seed) == 33
    name, key_id, public = VERIFIER.split("+", 2)
    assert (name, key_id) == (ORIGIN, match[2])
    raw = base64.b64decode(public)
    assert raw[0] == 1 and len(raw) == 33
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw[1:]).digest()[:4]
    assert key_id == expected.hex()
    assert generate_signer_key(ORIGIN) != SIGNER


def test_keys_whose_base64_holds_a_plus_work():
    signers = [generate_signer_key("k.example") for _ in range(64)]
    assert any("+" in signer.split("+", 4)[4] for signer in signers)
    for signer in signers:
        note = sign_checkpoint(signer, "k.example", 1, ROOT)
        assert parse_checkpoint(note, verifier_key_for(signer)).root == ROOT


def test_a_checkpoint_is_three_lines_and_one_signature():
    body = f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert checkpoint_text(ORIGIN, 42, ROOT) == body
    assert NOTE.startswith(body + "\n\u2014 " + ORIGIN + " ")
    assert NOTE.count("\n") == 5
    signature = base64.b64decode(NOTE.rsplit(" ", 1)[1])
    assert signature[:4].hex() == VERIFIER.split("+")[1] and len(signature) == 68


@given(
    st.text(st.characters(blacklist_categories=["Cc", "Cs"]), min_size=1).filter(
        lambda s: "\n" not in s
    ),
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_checkpoints_round_trip(origin, size, root):
    note = sign_checkpoint(SIGNER, origin, size, root)
    assert parse_checkpoint(note, VERIFIER) == Checkpoint(origin, size, root)
    assert parse_checkpoint(note.encode(), VERIFIER, origin=origin).size == size


def test_other_keys_signatures_are_ignored_but_ours_is_required():
    cosigned = sign_note(OTHER_SIGNER, NOTE.split("\n\n")[0] + "\n")
    their_line = cosigned.split("\n\n")[1]
    assert parse_checkpoint(NOTE + their_line, VERIFIER).size == 42
    body, our_line = NOTE.split("\n\n")
    assert parse_checkpoint(f"{body}\n\n{their_line}{our_line}", VERIFIER).size == 42
    with pytest.raises(NoteError, match="no signature by"):
        parse_checkpoint(cosigned, VERIFIER)
    with pytest.raises(NoteError, match="no signature by"):
        parse_checkpoint(NOTE, verifier_key_for(generate_signer_key(ORIGIN)))


def test_a_verifier_key_under_another_name_finds_no_signature():
    _, key_id, public = VERIFIER.split("+", 2)
    raw = base64.b64decode(public)[1:]
    renamed_id = hashlib.sha256(b"elsewhere.example\n\x01" + raw).digest()[:4].hex()
    with pytest.raises(NoteError, match="no signature by elsewhere"):
        parse_checkpoint(NOTE, f"elsewhere.example+{renamed_id}+{public}")
    with pytest.raises(NoteError, match="does not match"):
        parse_checkpoint(NOTE, f"elsewhere.example+{key_id}+{public}")


def _resigned_body(body: str) -> str:
    """NOTE's signature line under another body."""
    return body + "\n" + NOTE.split("\n\n")[1]


@pytest.mark.parametrize(
    "tampered",
    [
        _resigned_body(checkpoint_text(ORIGIN, 43, ROOT)),
        _resigned_body(checkpoint_text(ORIGIN + "x", 42, ROOT)),
        _resigned_body(checkpoint_text(ORIGIN, 42, bytes(32))),
        _resigned_body(checkpoint_text(ORIGIN, 42, ROOT) + "extension\n"),
        NOTE.replace("\u2014 ", "\u2014 \u2014 "),
    ],
)
def test_a_tampered_note_does_not_verify(tampered):
    with pytest.raises(NoteError):
        parse_checkpoint(tampered, VERIFIER)


def test_a_wrong_signature_by_our_key_rejects_even_with_a_good_copy_after_it():
    body, line = NOTE.split("\n\n")
    prefix, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[10] ^= 1
    bad = f"{prefix} {base64.b64encode(raw).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        parse_checkpoint(f"{body}\n\n{bad}{line}", VERIFIER)
    assert parse_checkpoint(f"{body}\n\n{line}{bad}", VERIFIER).size == 42  # as Go: first wins


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        NOTE.split("\n\n")[0] + "\n",  # no signature line
        NOTE.split("\n\n")[0] + "\n\n",  # blank line, then nothing
        NOTE[:-1],  # no final newline
        NOTE + "garbage\n",
        NOTE + "\n",
        "garbage\n" + NOTE,  # four-line body: an origin line, then "fieldgate..." as size
        NOTE.replace("\u2014 ", "-- "),
        NOTE.replace("\u2014 ", "\u2014"),
        NOTE.replace("\n", "\r\n"),
        NOTE.replace("42", "4\t2"),
        NOTE.rstrip("\n") + "!\n",  # invalid base64
        NOTE.rsplit(" ", 1)[0] + " AAAAAA==\n",  # too short a signature
        NOTE + "".join(f"\u2014 w{i}.example AAAAAAA=\n" for i in range(100)),
        "\ud800" + NOTE,
        b"\xff" + NOTE.encode(),
        None,
        42,
    ],
)
def test_malformed_notes_are_note_errors(malformed):
    with pytest.raises(NoteError):
        parse_checkpoint(malformed, VERIFIER)


def test_control_characters_are_refused_even_under_a_good_signature():
    text = f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\nnote:\tx\n"
    seed = base64.b64decode(SIGNER.split("+", 4)[4])[1:]  # base64 may hold "+"
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(text.encode())
    key_id = bytes.fromhex(VERIFIER.split("+")[1])
    line = f"\u2014 {ORIGIN} {base64.b64encode(key_id + signature).decode()}\n"
    public = base64.b64decode(VERIFIER.split("+", 2)[2])[1:]
    Ed25519PublicKey.from_public_bytes(public).verify(signature, text.encode())  # a good one
    with pytest.raises(NoteError, match="control"):
        parse_checkpoint(text + "\n" + line, VERIFIER)
    with pytest.raises(NoteError, match="control"):
        sign_note(SIGNER, text)


@pytest.mark.parametrize(
    "body",
    [
        "only\ntwo\n",
        f"{ORIGIN}\n042\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n+42\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n4_2\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n\u0664\u0662\n{base64.b64encode(ROOT).decode()}\n",  # Arabic-Indic 42
        f"{ORIGIN}\n{2**64}\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n{'9' * 5000}\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode().rstrip('=')}\n",
        f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()[:-2]}B=\n",  # non-canonical bits
        f"\n42\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n\nextension\n",
    ],
)
def test_correctly_signed_bodies_that_are_not_checkpoints_are_note_errors(body):
    with pytest.raises(NoteError):
        parse_checkpoint(sign_note(SIGNER, body), VERIFIER)


def test_extension_lines_are_allowed_and_the_origin_can_be_required():
    body = checkpoint_text(ORIGIN, 7, ROOT) + "some extension\n"
    assert parse_checkpoint(sign_note(SIGNER, body), VERIFIER) == Checkpoint(ORIGIN, 7, ROOT)
    with pytest.raises(NoteError, match=r"not 'other\.example'"):
        parse_checkpoint(NOTE, VERIFIER, origin="other.example")


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\nb", "a\u00a0b", "\ud800"])
def test_key_names_must_be_non_empty_without_spaces_or_plus(name):
    with pytest.raises(NoteError):
        generate_signer_key(name)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong ID
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # type 0x02
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # bad base64
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy",  # short key
        GO_SIGNER,
        None,
    ],
)
def test_malformed_verifier_keys_are_note_errors(key):
    with pytest.raises(NoteError):
        open_note(GO_NOTE, key)


@pytest.mark.parametrize(
    "key",
    [
        GO_VERIFIER,
        GO_SIGNER.replace("PRIVATE+KEY", "PUBLIC+KEY"),
        GO_SIGNER.replace("c74f20a3", "c74f20a4"),
        GO_SIGNER.replace("+AYEK", "+AoEK"),  # type 0x02
        GO_SIGNER[:-4],
    ],
)
def test_malformed_signer_keys_are_note_errors(key):
    with pytest.raises(NoteError):
        verifier_key_for(key)
    with pytest.raises(NoteError):
        sign_checkpoint(key, ORIGIN, 1, ROOT)


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [
        *[("", 1, ROOT), ("a\nb", 1, ROOT), (ORIGIN, -1, ROOT), (ORIGIN, 2**64, ROOT)],
        *[(ORIGIN, True, ROOT), (ORIGIN, 1, ROOT[:31]), (ORIGIN, 1, ROOT.hex())],
    ],
)
def test_checkpoints_that_cannot_be_written_are_note_errors(origin, size, root):
    with pytest.raises(NoteError):
        sign_checkpoint(SIGNER, origin, size, root)


@given(st.data())
def test_a_changed_character_is_a_note_error_or_changes_nothing(data):
    position = data.draw(st.integers(0, len(NOTE) - 1))
    replacement = data.draw(
        st.sampled_from(["", "A", "a", "/", "+", "=", "0", " ", "\n", "\u2014"])
    )
    assume(replacement != NOTE[position])
    changed = NOTE[:position] + replacement + NOTE[position + 1 :]
    try:
        checkpoint = parse_checkpoint(changed, VERIFIER)
    except NoteError:
        return
    # Only the unused low bits of the signature's last base64 digit may change.
    assert checkpoint == Checkpoint(ORIGIN, 42, ROOT)
    assert position == len(NOTE) - 3


@given(st.text())
def test_any_text_is_a_checkpoint_or_a_note_error(text):
    with pytest.raises(NoteError):
        parse_checkpoint(text, VERIFIER)
