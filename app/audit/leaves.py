"""The bytes of an event's Merkle leaf: a canonical JSON object of its columns.

Canonical means: keys sorted, no whitespace, ASCII only (other characters
escaped), times as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

``salt`` is 128 random bits the sequencer gives each event as it seals it,
shown to nobody but the event's subject. Without it, an inclusion proof
handed a member the leaf hash of the event next to theirs, and the events of
one request share all but a few guessable columns: a member could try the
subjects and value lists until one hashed right, and learn whom else the
requester listed or exported (found by review). Events sealed before salts
existed keep their leaves, with no ``salt`` key. The value lists are the
event's stored compact JSON, taken as they are. Anyone holding a leaf can
parse it with any JSON library and compare it with the event's fields; the
log hashes exactly these bytes (``SHA-256(0x00 || leaf)``, RFC 9162).

Events sealed since migration 0016 (``leaf_format`` 2, :data:`BY_HANDLE`)
name the requester by ``requester_handle``, the random public handle, where
older leaves hold ``requester_id``: ids count registrations, and a member's
download of their log, which carries the leaves, told which of their readers
joined first (found by review). The key sorts in the same place.

Hand-written rather than ``json.dumps(sort_keys=True)``: the sequencer and the
benchmark seeding encode millions of leaves, and formatting from the stored
pieces is several times faster; a property test holds the two byte-equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

# The event columns a leaf holds, in the sorted order they are written.
LEAF_KEYS = (
    "action",
    "app_id",
    "occurred_at",
    "outcome",
    "place",
    "purpose",
    "refused",
    "released",
    "request_id",
    "requester_id",
    "salt",
    "seq",
    "subject_id",
)
SALT_AT = LEAF_KEYS.index("salt")
REQUESTER_AT = LEAF_KEYS.index("requester_id")
# The leaf format of events sealed since migration 0016 (None before it).
BY_HANDLE = 2
# The keys of such a leaf: the requester by handle, in the same sorted place.
HANDLE_LEAF_KEYS = tuple("requester_handle" if k == "requester_id" else k for k in LEAF_KEYS)


def leaf_time(moment: datetime) -> str:
    """An event time as its leaf writes it (UTC, microseconds, ``Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any) -> str:
    return "null" if value is None else _quote(str(value))


def _number(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def leaf_bytes(event: Mapping[str, Any]) -> bytes:
    """The canonical leaf of one event, from its columns (``released``/``refused`` as stored).

    ``salt`` may be missing (as in events sealed before salts): the leaf then has none.
    With ``leaf_format`` :data:`BY_HANDLE` the event names its requester by
    ``requester_handle`` (None for an anonymous one), else by ``requester_id``.
    """
    by_handle = event.get("leaf_format") == BY_HANDLE
    keys = HANDLE_LEAF_KEYS if by_handle else LEAF_KEYS
    columns = [event.get(key) if key == "salt" else event[key] for key in keys]
    return leaf_bytes_of(columns, by_handle=by_handle)


def leaf_bytes_of(columns: Sequence[Any], *, by_handle: bool = False) -> bytes:
    """:func:`leaf_bytes` from the event's columns in ``LEAF_KEYS`` order (a row of them).

    ``by_handle``: the requester's column holds their handle (``HANDLE_LEAF_KEYS``).
    """
    (
        action,
        app_id,
        occurred_at,
        outcome,
        place,
        purpose,
        refused,
        released,
        request_id,
        requester,  # the id, or with by_handle the handle
        salt,
        seq,
        subject_id,
    ) = columns
    salted = "" if salt is None else f'"salt":{_text(salt)},'
    named = (
        f'"requester_handle":{_text(requester)},'
        if by_handle
        else f'"requester_id":{_number(requester)},'
    )

    return (
        f'{{"action":{_text(action)},'
        f'"app_id":{_number(app_id)},'
        f'"occurred_at":"{leaf_time(occurred_at)}",'
        f'"outcome":{_text(outcome)},'
        f'"place":{_text(place)},'
        f'"purpose":{_text(purpose)},'
        f'"refused":{refused},'
        f'"released":{released},'
        f'"request_id":{_text(request_id)},'
        f"{named}"
        f"{salted}"
        f'"seq":{_number(seq)},'
        f'"subject_id":{_number(subject_id)}}}'
    ).encode("ascii")
