"""A member's own events with what it takes to check them: leaves, proofs, the checkpoint.

The JSON download of "Who accessed my data" and the self export carry, for
each event sealed under the log's latest signed checkpoint, its ``leaf_index``,
its ``leaf`` (base64 of the exact bytes hashed) and its ``inclusion_proof``
(base64 hashes), with the checkpoint note itself at the top. Events not yet
under that checkpoint carry ``leaf_index: null``. A member checks the file
with ``docs/verify_access_log.py`` and the log's verifier key; nothing in it
is needed from Fieldgate but the key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from app.access_log.queries import EventRow, value_title
from app.audit.leaves import BY_HANDLE, leaf_time
from app.audit.merkle import batch_inclusion_proofs, leaf_hash, verify_inclusion
from app.audit.tree import StoredTiles, latest_checkpoint
from permissions.explain import why_refused

BATCH = 500  # events proved with one tile query in a download


@dataclass(frozen=True, slots=True)
class Anchor:
    """The checkpoint proofs are made against: its note, size, root and time."""

    note: str
    size: int
    root: bytes
    signed_at: datetime


def current_anchor(session: Session) -> Anchor | None:
    """The latest signed checkpoint, or None before the first."""
    checkpoint = latest_checkpoint(session)
    if checkpoint is None:
        return None
    return Anchor(checkpoint.note, checkpoint.size, bytes(checkpoint.root), checkpoint.signed_at)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def event_document(row: EventRow, proof: list[bytes] | None) -> dict[str, Any]:
    """One event for a member's download: its columns (as in its leaf), words, and proof.

    The requester's internal id is shown only for an event whose leaf holds
    it (sealed before migration 0016): ids count registrations. A leaf sealed
    since names the requester by handle, and ``requester_handle`` is that
    handle, as the leaf holds it (a former member's too).
    """
    sealed = proof is not None
    by_handle = sealed and row.leaf_format == BY_HANDLE
    by_id = sealed and row.leaf_format is None
    document: dict[str, Any] = {
        "seq": row.seq,
        "occurred_at": leaf_time(row.occurred_at),
        **({"requester_id": row.requester_id} if by_id else {}),
        "app_id": row.app_id,
        "subject_id": row.subject_id,
        "action": row.action.value,
        "place": row.place.value,
        "purpose": row.purpose.value if row.purpose else None,
        "released": row.released,
        "refused": [[name, reason.value] for name, reason in row.refused],
        "outcome": row.outcome.value,
        "request_id": row.request_id,
        "salt": row.salt if sealed else None,
        "requester": row.requester_name,
        "requester_handle": row.leaf_requester_handle if by_handle else row.requester_handle,
        "released_titles": [value_title(v) for v in row.released],
        "refused_why": [f"{value_title(v)}: {why_refused(r)}" for v, r in row.refused],
        "leaf_index": row.leaf_index if sealed else None,
        "leaf": _b64(row.leaf) if sealed else None,
        "inclusion_proof": [_b64(h) for h in proof] if proof is not None else None,
    }
    return document


def proofs_of(
    session: Session, rows: Iterable[EventRow], anchor: Anchor | None
) -> dict[int, list[bytes]]:
    """The inclusion proofs of those rows sealed under ``anchor``, by seq, with one tile query.

    Each call has a tile cache of its own, so a download proving a whole log
    in batches holds one batch's tiles at a time.
    """
    if anchor is None:
        return {}
    sealed = {r.seq: r.leaf_index for r in rows if r.leaf_index is not None}
    provable = {seq: i for seq, i in sealed.items() if i < anchor.size}
    reader = StoredTiles(session).reader()
    paths = batch_inclusion_proofs(list(provable.values()), anchor.size, reader)
    return dict(zip(provable, paths, strict=True))


def with_proofs(
    session: Session, rows: Iterable[EventRow], anchor: Anchor | None
) -> Iterator[dict[str, Any]]:
    """Each row as :func:`event_document`, proved against ``anchor`` when sealed under it."""
    remaining = iter(rows)
    while batch := list(islice(remaining, BATCH)):
        proofs = proofs_of(session, batch, anchor)
        for row in batch:
            yield event_document(row, proofs.get(row.seq))


def json_document(session: Session, rows: Iterable[EventRow]) -> Iterator[str]:
    """The verifiable JSON download, in pieces: checkpoint first, then the events."""
    anchor = current_anchor(session)
    yield '{"checkpoint": ' + json.dumps(anchor.note if anchor else None) + ', "events": ['
    for i, document in enumerate(with_proofs(session, rows, anchor)):
        yield ("," if i else "") + json.dumps(document, ensure_ascii=False)
    yield "]}"


@dataclass(frozen=True, slots=True)
class PageCheck:
    """What the access-log page says about its events and the log."""

    anchor: Anchor | None
    verified: int
    pending: int
    failed: int


def check_page(session: Session, rows: Iterable[EventRow]) -> PageCheck:
    """Prove the page's sealed events against the latest checkpoint, as a member's script would."""
    anchor = current_anchor(session)
    page = list(rows)
    proofs = proofs_of(session, page, anchor)
    verified = failed = 0
    for row in page:
        proof = proofs.get(row.seq)
        if anchor is None or proof is None or row.leaf_index is None:
            continue
        if verify_inclusion(leaf_hash(row.leaf), row.leaf_index, anchor.size, proof, anchor.root):
            verified += 1
        else:
            failed += 1
    return PageCheck(anchor, verified, len(page) - verified - failed, failed)
