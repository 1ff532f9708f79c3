"""An event's leaf: canonical JSON of its columns, with a secret salt once sealed."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.leaves import BY_HANDLE, LEAF_KEYS, leaf_bytes, leaf_time
from app.audit.sequencer import seal_all
from app.models.audit import AccessEvent
from permissions import Field
from tests.app.audit.helpers import write_events
from tests.conftest import Auth
from tests.factories import make_member
from tests.settings import TEST_ORIGIN, TEST_SIGNER_KEY

texts = st.text(max_size=12)
names = st.lists(st.text(min_size=1, max_size=8), max_size=3)
events = st.fixed_dictionaries(
    {
        "action": texts,
        "app_id": st.none() | st.integers(1, 2**40),
        "occurred_at": st.datetimes(timezones=st.just(UTC)),
        "outcome": texts,
        "place": texts,
        "purpose": st.none() | texts,
        "refused": st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=3),
        "released": names,
        "request_id": texts,
        "requester_id": st.none() | st.integers(1, 2**40),
        "salt": st.none() | st.binary(min_size=16, max_size=16).map(bytes.hex),
        "seq": st.integers(1, 2**62),
        "subject_id": st.integers(1, 2**40),
    }
)


@given(events)
def test_a_leaf_is_the_canonical_json_of_its_columns(event: dict[str, Any]) -> None:
    stored = dict(
        event,
        released=json.dumps(event["released"], separators=(",", ":")),
        refused=json.dumps(event["refused"], separators=(",", ":")),
    )
    expected = {k: v for k, v in event.items() if not (k == "salt" and v is None)}
    expected["occurred_at"] = leaf_time(event["occurred_at"])
    expected["refused"] = [list(pair) for pair in event["refused"]]

    leaf = leaf_bytes(stored)

    assert leaf == json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
    assert ('"salt":' in leaf.decode()) is (event["salt"] is not None)  # old leaves keep no key


@given(events, st.none() | st.text(max_size=16))
def test_a_leaf_by_handle_is_the_canonical_json_of_its_columns(
    event: dict[str, Any], handle: str | None
) -> None:
    stored = dict(
        event,
        released=json.dumps(event["released"], separators=(",", ":")),
        refused=json.dumps(event["refused"], separators=(",", ":")),
        leaf_format=BY_HANDLE,
        requester_handle=handle,
    )
    expected = {k: v for k, v in event.items() if not (k == "salt" and v is None)}
    del expected["requester_id"]
    expected["requester_handle"] = handle
    expected["occurred_at"] = leaf_time(event["occurred_at"])
    expected["refused"] = [list(pair) for pair in event["refused"]]

    assert (
        leaf_bytes(stored) == json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
    )


def test_an_event_sealed_before_salts_keeps_its_leaf() -> None:
    event = dict.fromkeys(LEAF_KEYS) | {
        "occurred_at": datetime(2026, 1, 2, tzinfo=UTC),
        "released": "[]",
        "refused": "[]",
        "seq": 7,
    }
    del event["salt"]

    assert b"salt" not in leaf_bytes(event)
    assert leaf_bytes(event) == leaf_bytes(event | {"salt": None})


def test_each_sealed_event_gets_its_own_secret_salt(app: Flask, session: Session) -> None:
    write_events(app, session, range(1, 6), fields=[Field.EMAIL])
    seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN)

    salts = list(session.scalars(select(AccessEvent.salt)))

    assert len(salts) == len(set(salts)) == 5
    assert all(s is not None and len(s) == 32 and int(s, 16) >= 0 for s in salts)


def test_a_members_proof_does_not_give_away_the_event_beside_theirs(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: one request's events share every column but the subject
    # and the value lists, so the neighbour's leaf hash in a member's proof could
    # be guessed (about 2,600 tries on the demo) and named whom else it listed.
    ada, bob = make_member(session, "Ada", "Byron"), make_member(session, "Bob", "Other")
    session.commit()
    write_events(app, session, [ada.id, bob.id], requester_id=7, fields=[Field.EMAIL])
    seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN)
    auth.login(ada.email)

    (mine,) = client.get("/access/events.json").get_json()["events"]
    leaf = json.loads(base64.b64decode(mine["leaf"]))
    sibling = base64.b64decode(mine["inclusion_proof"][0])
    assert mine["salt"] == leaf["salt"] and len(leaf["salt"]) == 32  # hers, and hers alone

    bobs = session.scalar(select(AccessEvent).where(AccessEvent.subject_id == bob.id))
    assert bobs is not None
    guess = dict(leaf, seq=bobs.seq, subject_id=bob.id)  # everything right but the salt
    guessed = json.dumps(guess, sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(b"\x00" + guessed).digest() != sibling
    guess["salt"] = bobs.salt  # the one thing she lacks is what makes the hash
    guessed = json.dumps(guess, sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(b"\x00" + guessed).digest() == sibling
    assert bobs.salt not in client.get("/access/events.json").get_data(as_text=True)


def test_a_leaf_names_the_requester_by_handle_and_the_download_shows_no_member_id(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    # Found by review: leaves held requester_id, and ids count registrations, so a
    # member's download told which of their readers joined first.
    ada, vic = make_member(session, "Ada", "Byron"), make_member(session, "Vic", "Viewer")
    session.commit()
    write_events(app, session, [ada.id], requester_id=vic.id, fields=[Field.EMAIL])
    seal_all(session, TEST_SIGNER_KEY, TEST_ORIGIN)
    write_events(app, session, [ada.id], requester_id=vic.id, fields=[Field.EMAIL])  # pending
    auth.login(ada.email)

    sealed, pending = client.get("/access/events.json").get_json()["events"]
    leaf = json.loads(base64.b64decode(sealed["leaf"]))

    assert leaf["requester_handle"] == sealed["requester_handle"] == vic.handle
    assert "requester_id" not in leaf
    assert "requester_id" not in sealed and "requester_id" not in pending
    assert pending["requester_handle"] == vic.handle and pending["leaf"] is None


def test_a_leaf_sealed_by_id_before_handles_keeps_its_bytes(session: Session) -> None:
    event = dict.fromkeys(LEAF_KEYS) | {
        "occurred_at": datetime(2026, 1, 2, tzinfo=UTC),
        "released": "[]",
        "refused": "[]",
        "seq": 7,
        "requester_id": 42,
        "requester_handle": "abcd",
    }

    old = leaf_bytes(event | {"leaf_format": None})
    new = leaf_bytes(event | {"leaf_format": BY_HANDLE})

    assert b'"requester_id":42' in old and b"requester_handle" not in old
    assert b'"requester_handle":"abcd"' in new and b"requester_id" not in new
