"""The arithmetic of the hash chain: canonical event bytes, digests, checkpoint MACs.

Hand-written on purpose: it is a few lines of ``hmac`` over a canonical
encoding, and the encoding must stay byte-for-byte stable for old events to
verify; no library owns that contract for us.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# The columns a digest covers, in order. Adding one means a new chain version.
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


def checkpoint_mac(key: bytes, seq: int, digest_at_seq: str) -> str:
    """The MAC that vouches for a pruning checkpoint at ``seq``."""
    return hmac.new(key, f"checkpoint:{seq}:{digest_at_seq}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two hex digests."""
    return hmac.compare_digest(a.encode(), b.encode())
