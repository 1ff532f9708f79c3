"""The arithmetic of the hash chain: canonical event bytes, digests, checkpoint MACs.

Hand-written on purpose: it is a few lines of ``hmac`` over a canonical
encoding, and the encoding must stay byte-for-byte stable for old events to
verify; no library owns that contract for us.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

# The columns a digest covers, in order. Adding one means a new chain version.
# (chain() below spells the same order out for speed; a test keeps them equal.)
CHAINED_COLUMNS = (
    "seq",
    "occurred_at",
    "requester_id",
    "app_id",
    "subject_id",
    "action",
    "place",
    "purpose",
    "released",
    "refused",
    "outcome",
    "request_id",
)


# The chained columns one batch of events usually shares, in canonical order.
_SHARED = ("occurred_at", "requester_id", "app_id", "action", "place", "purpose", "request_id")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, int | str):  # StrEnums are str
        return value
    raise TypeError(f"cannot chain a {type(value).__name__}")


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes a digest is computed over: the chained columns as a JSON array."""
    return json.dumps(
        [_plain(event[name]) for name in CHAINED_COLUMNS], ensure_ascii=True, separators=(",", ":")
    ).encode()


def digest(key: bytes, previous: str, event: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of the previous digest followed by the event's canonical bytes."""
    mac = hmac.new(key, previous.encode(), hashlib.sha256)
    mac.update(canonical(event))
    return mac.hexdigest()


def _json(value: Any) -> str:
    plain = _plain(value)
    if plain is None:
        return "null"
    return _quote(plain) if isinstance(plain, str) else str(plain)


def _number(value: Any) -> str:
    return str(value) if type(value) is int else _json(value)


def chain(key: bytes, previous: str, rows: Sequence[MutableMapping[str, Any]]) -> str:
    """Set ``row["digest"]`` on each row in turn, each over the one before; return the last.

    Gives exactly :func:`digest` of :func:`canonical` (a test holds them
    equal), but an export chains tens of thousands of events that share
    their time, requester, app, action, place, purpose and request id, so
    those are encoded once per batch rather than once per event.
    """
    start = hmac.new(key, digestmod=hashlib.sha256)
    shared: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    for row in rows:
        common = tuple(row[name] for name in _SHARED)
        parts = shared.get(common)
        if parts is None:
            encoded = [_json(v) for v in common]
            parts = shared[common] = (
                ",".join(encoded[0:3]),
                ",".join(encoded[3:6]),
                encoded[6],
            )
        text = (
            f"[{_number(row['seq'])},{parts[0]},{_number(row['subject_id'])},{parts[1]},"
            f"{_quote(row['released'])},{_quote(row['refused'])},{_json(row['outcome'])},"
            f"{parts[2]}]"
        )
        mac = start.copy()
        mac.update(previous.encode())
        mac.update(text.encode())
        previous = row["digest"] = mac.hexdigest()
    return previous


def checkpoint_mac(key: bytes, seq: int, digest_at_seq: str) -> str:
    """The MAC that vouches for a pruning checkpoint at ``seq``."""
    return hmac.new(key, f"checkpoint:{seq}:{digest_at_seq}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(a.encode(), b.encode())
