"""The export service: decide in bulk, log the access, stream the file, keep only the manifest.

Decisions are made while the file is produced, chunk by chunk, so a
revocation applies to the very next chunk; the file itself is never stored.
Each chunk's access events are committed before its bytes are handed to the
exporter (see :func:`app.disclosure.service.disclose`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.disclosure.handles import handles_of
from app.disclosure.service import (
    Circumstances,
    DisclosedChunks,
    Requester,
    decide_for,
    disclose,
)
from app.disclosure.values import contact_detail_bound
from app.exports.manifest import ManifestTally, included
from app.exports.quota import (
    CONTACTS,
    MARKETING,
    QuotaExceeded,
    QuotaStore,
    QuotaUnavailable,
    Reservation,
    app_kind,
    reserve,
    settle,
)
from app.exports.selection import Selection, SelectionKind, resolve
from app.gc_tuning import fewer_collections, streaming_with_fewer_collections
from app.models.audit import Place
from app.models.exports import ExportRun
from exporters import ContactRecord, Layout, get_exporter
from permissions import Action, Field, Outcome, Purpose

CHUNK = 5000

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportOrder:
    """What the requester asked for."""

    selection: Selection
    fields: tuple[Field, ...]
    format: str
    purpose: Purpose
    bom: bool = False
    ticket: str | None = None


@dataclass(frozen=True, slots=True)
class ExportLimits:
    """Daily limits of contacts with contact details: in general, for marketing, per app.

    An app exporting for a member counts against that member's limits (an app
    is no way around them) and against its own per-member limit as well. An
    app limit of 0 lets no contact details through apps; None (unset) makes it
    the member's limit.
    """

    contacts_per_day: int
    marketing_per_day: int
    app_contacts_per_day: int | None = None

    def by_kind(self, app_id: int | None = None) -> dict[str, int]:
        """The limits keyed as the quota store counts them (with the app's, for an app)."""
        limits = {CONTACTS: self.contacts_per_day, MARKETING: self.marketing_per_day}
        if app_id is not None:
            own = self.app_contacts_per_day
            limits[app_kind(app_id)] = self.contacts_per_day if own is None else own
        return limits


@dataclass(frozen=True, slots=True)
class PreparedExport:
    """An export ready to stream: its first chunk is already decided and logged."""

    run_id: int
    filename: str
    media_type: str
    body: Iterator[bytes]


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    if size < 1:
        raise ValueError("an export decides at least one contact at a time")
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _by_hand(order: ExportOrder) -> bool:
    """True if the people were ticked or found by name (the manifest then gives no reasons)."""
    return order.selection.kind is not SelectionKind.ALL


def preview(
    session: Session, requester: Requester, order: ExportOrder, *, chunk_size: int = CHUNK
) -> dict[str, Any]:
    """The manifest the export would have now, computed by the engine; nothing is released."""
    subject_ids = resolve(session, requester, order.selection)
    get_exporter(order.format)
    tally = ManifestTally(order.format, order.purpose, order.fields, _by_hand(order))
    for chunk in _chunks(subject_ids, chunk_size):
        outcomes = decide_for(
            session,
            requester,
            chunk,
            action=Action.DOWNLOAD,
            purpose=order.purpose,
            fields=order.fields,
        )
        tally.add(outcomes.values())
    return tally.document(utcnow())


def _log_refusal(
    session: Session,
    requester: Requester,
    order: ExportOrder,
    subject_ids: Sequence[int],
    chunk_size: int,
) -> None:
    """Log the refused export: the engine decides each subject with the quota used up."""
    for chunk in _chunks(subject_ids, chunk_size):
        disclose(
            session,
            requester,
            chunk,
            action=Action.DOWNLOAD,
            place=Place.EXPORT,
            purpose=order.purpose,
            fields=order.fields,
            circumstances=Circumstances(over_quota=True),
        )


class _Streamer:
    """Holds one export's state while its file streams."""

    def __init__(
        self,
        session: Session,
        requester: Requester,
        order: ExportOrder,
        run: ExportRun,
        store: QuotaStore,
        reservation: Any,
    ) -> None:
        self.session, self.requester, self.order = session, requester, order
        self.run_id = run.id
        self.store, self.reservation = store, reservation
        self.tally = ManifestTally(order.format, order.purpose, order.fields, _by_hand(order))
        self.done = 0

    def disclosed(self, chunks: Iterator[Sequence[int]]) -> DisclosedChunks:
        return DisclosedChunks(
            self.session,
            self.requester,
            chunks,
            action=Action.DOWNLOAD,
            place=Place.EXPORT,
            purpose=self.order.purpose,
            fields=self.order.fields,
        )

    def take(self, chunk: Sequence[int], outcomes: dict[int, Outcome]) -> list[ContactRecord]:
        """Count a disclosed chunk in the manifest, note the progress; its records."""
        self.tally.add(outcomes.values())
        handles = handles_of(self.session, chunk)
        self.done += len(chunk)
        self.session.execute(
            update(ExportRun).where(ExportRun.id == self.run_id).values(contacts_done=self.done)
        )
        self.session.commit()
        return [
            ContactRecord(handles[sid], o.released) for sid, o in outcomes.items() if included(o)
        ]

    def records(self, first: list[ContactRecord], rest: DisclosedChunks) -> Iterator[ContactRecord]:
        yield from first
        for chunk, outcomes in rest:  # the whole body runs with fewer collections
            yield from self.take(chunk, outcomes)

    def manifest(self) -> dict[str, Any]:
        return self.tally.document(utcnow())

    def finish(self, status: str) -> None:
        self.session.rollback()
        used = (
            self.tally.with_contact_details
            if any(f.is_contact_detail for f in self.order.fields)
            else 0
        )
        self.session.execute(
            update(ExportRun)
            .where(ExportRun.id == self.run_id)
            .values(
                status=status,
                finished_at=utcnow(),
                contacts_done=self.done,
                manifest=json.dumps(self.manifest()),
            )
        )
        self.session.commit()
        # The run is recorded first: a quota store gone mid-export (Redis) must not
        # leave it "running" with no manifest (found by review). The unused part of
        # the reservation then stays held until the day resets: never more quota.
        try:
            # Every kind this export holds (the member's, marketing, the app's) used as many.
            settle(self.store, self.reservation, dict.fromkeys(self.reservation.held, used))
        except QuotaUnavailable as exc:
            logging.getLogger(__name__).error(
                "export %s kept its whole quota: %s", self.run_id, exc
            )


def _needs(order: ExportOrder, people: int, app_id: int | None) -> dict[str, int]:
    needs = {CONTACTS: people, MARKETING: people if order.purpose is Purpose.MARKETING else 0}
    if app_id is not None:
        needs[app_kind(app_id)] = people
    return needs


def _reserve(
    session: Session,
    requester: Requester,
    order: ExportOrder,
    subject_ids: Sequence[int],
    limits: ExportLimits,
    store: QuotaStore,
    now: datetime,
    chunk_size: int,
) -> Reservation:
    """Reserve the quota the export may use, or refuse with the number the preview shows.

    First a cheap upper bound (people with any downloadable contact detail);
    only when that would not fit are the engine's decisions counted (as the
    preview counts them: purposes and suppressions applied), so a refusal
    names exactly the number of people the preview named.

    Raises:
        QuotaExceeded: even the exact number does not fit in what remains today.
    """
    member, app = requester.member(), requester.app_id
    bound = contact_detail_bound(session, subject_ids, order.fields)
    try:
        return reserve(store, member, _needs(order, bound, app), limits.by_kind(app), now)
    except QuotaExceeded:
        exact = contacts_with_details(session, requester, order, subject_ids, chunk_size)
        return reserve(store, member, _needs(order, exact, app), limits.by_kind(app), now)


def contacts_with_details(
    session: Session,
    requester: Requester,
    order: ExportOrder,
    subject_ids: Sequence[int],
    chunk_size: int = CHUNK,
) -> int:
    """How many of ``subject_ids`` the export would include with an e-mail or phone (no log)."""
    if not any(f.is_contact_detail for f in order.fields):
        return 0
    tally = ManifestTally(order.format, order.purpose, order.fields, _by_hand(order))
    for chunk in _chunks(subject_ids, chunk_size):
        tally.add(
            decide_for(
                session,
                requester,
                chunk,
                action=Action.DOWNLOAD,
                purpose=order.purpose,
                fields=order.fields,
            ).values()
        )
    return tally.with_contact_details


def start_export(
    session: Session,
    requester: Requester,
    order: ExportOrder,
    limits: ExportLimits,
    store: QuotaStore,
    now: datetime | None = None,
    *,
    chunk_size: int = CHUNK,
) -> PreparedExport:
    """Check the order, reserve the quota, decide and log the first chunk, and return the stream.

    Raises:
        SelectionError: nobody selected, or someone selected is not a connection.
        UnknownFormat: no exporter by that name.
        QuotaExceeded: the export would pass a daily limit (the refusal is logged).
        AccessLogUnavailable: the first chunk's events could not be written.
    """
    exporter = get_exporter(order.format, bom=order.bom)
    subject_ids = resolve(session, requester, order.selection)
    try:
        reservation = _reserve(
            session, requester, order, subject_ids, limits, store, now or utcnow(), chunk_size
        )
    except QuotaExceeded:
        _log_refusal(session, requester, order, subject_ids, chunk_size)
        raise
    run = ExportRun(
        requester_id=requester.member_id,
        app_id=requester.app_id,
        ticket=order.ticket,
        format=order.format,
        purpose=order.purpose,
        fields=json.dumps([f.value for f in order.fields]),
        contacts_selected=len(subject_ids),
    )
    session.add(run)
    session.commit()
    streamer = _Streamer(session, requester, order, run, store, reservation)
    disclosed = streamer.disclosed(_chunks(subject_ids, chunk_size))
    try:
        with fewer_collections():
            first = streamer.take(*next(disclosed))
    except BaseException:
        disclosed.close()
        streamer.finish("failed")
        raise
    layout = Layout(tuple(f for f in Field if f in order.fields))

    def body() -> Iterator[bytes]:
        try:
            yield from streaming_with_fewer_collections(
                iter(exporter.stream(streamer.records(first, disclosed), layout, streamer.manifest))
            )
        except BaseException:
            disclosed.close()
            streamer.finish("failed")
            raise
        streamer.finish("complete")

    stamp = (now or utcnow()).strftime("%Y%m%d-%H%M")
    filename = f"fieldgate-contacts-{stamp}-{run.id}.{exporter.extension}"
    return PreparedExport(run.id, filename, exporter.media_type, body())
