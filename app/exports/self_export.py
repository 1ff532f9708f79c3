"""Portability: a member's own data as a ZIP of JSON and CSV files, streamed.

The archive holds the member's own data. Other members appear only as the
member may *view* them (handle, and the name and headline the engine
releases, logged as views); their contact details leave only through the
export center, where purposes, suppression lists, quotas and the manifest
apply. Even the member's own values are released through :func:`disclose`
(relation ``self``), so the download is logged like every other.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.access_log.proofs import json_document
from app.access_log.queries import EventFilter, iter_events
from app.apps.portability import apps_document
from app.apps.registration import app_names
from app.clock import utcnow
from app.disclosure.cards import CARD_FIELDS
from app.disclosure.handles import handles_of
from app.disclosure.service import Requester, disclose
from app.exports.manifest import safe_manifest
from app.exports.runs import run_status
from app.exports.selection import connection_ids
from app.models.accounts import Member
from app.models.audit import Place
from app.models.exports import ExportRun
from app.models.network import Invitation
from app.models.notifications import Notification
from app.notifications.services import digest_choice
from app.privacy.services import policy_history, purpose_history, purposes_of
from app.privacy.suppression import suppressions_of
from app.profiles.services import values_of
from exporters import ContactRecord, ExportValue, Layout, get_exporter, neutralise
from permissions import Action, Field, Outcome, Purpose, ValueLabel

CHUNK = 2000
README = """Your Fieldgate data
===================

profile.json / profile.csv   every value of your profile with its privacy policy
privacy.json                 your purposes, the people you keep out of exports, and the
                             full history of your privacy changes
connections.json / .csv      your connections: their handles, and the names and headlines
                             they let you download for personal use (their contact details
                             are not here: export them in the export center)
invitations.json             invitations you sent and received
access_log.json              every recorded access to your data (who, what, when, outcome),
                             with the proofs that it is in the signed log (see the README)
exports.json                 your past exports (manifests only; files are never kept), each
                             with the app that made it, if an app did
notifications.json           your notifications, and whether you get the weekly access
                             digest (with when you last changed that)
app_grants.json              apps you allowed to use your data (and when you revoked them),
                             apps you blocked, your security history with apps, and the
                             apps you registered as a developer, deleted ones too (never
                             client secrets)

All times are UTC.
"""


def _CONNECTIONS_NOTE() -> dict[str, str]:
    return {"note": "Names and headlines as each connection lets you see them."}


class _Sink(io.RawIOBase):
    """An unseekable stream that keeps what the ZIP writer wrote until drained."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _iso(value: Any) -> Any:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(value, "strftime") else value


def _dumps(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def _profile(session: Session, member: Member, own: Outcome) -> dict[str, Any]:
    primary = {v.id for v in values_of(session, member.id) if v.is_primary}
    return {
        "handle": member.handle,
        "sign_in_email": member.email,
        "member_since": _iso(member.created_at),
        "values": [
            {
                "field": v.field.value,
                "label": v.label.value if v.label else None,
                "value": v.value,
                "primary": v.value_id in primary,
                "policy": v.policy.as_dict(),
            }
            for v in own.released
        ],
    }


def _profile_csv(profile: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "label", "value", "view", "download", "sync"])
    for v in profile["values"]:
        p = v["policy"]
        row = [v["field"], v["label"] or "", v["value"], p["view"], p["download"], p["sync"]]
        # The member's own values, yet a spreadsheet would still run a formula in one.
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode()


def _kept_out_by(session: Session, member_id: int) -> list[str]:
    """Handles of the requesters the member keeps out of, newest first."""
    ids = [s.requester_id for s in suppressions_of(session, member_id)]
    handles = handles_of(session, ids)
    return [handles[i] for i in ids if i in handles]


def _privacy(session: Session, member_id: int) -> dict[str, Any]:
    return {
        "purposes": {p.value: allowed for p, allowed in purposes_of(session, member_id).items()},
        "kept_out_of_exports_by": _kept_out_by(session, member_id),
        "policy_history": [
            {
                "when": _iso(c.changed_at),
                "value": c.value_name,
                "how": c.source,
                "old": {"view": c.old_view, "download": c.old_download, "sync": c.old_sync},
                "new": {"view": c.new_view, "download": c.new_download, "sync": c.new_sync},
            }
            for c in policy_history(session, member_id, limit=100_000)
        ],
        "purpose_history": [
            {"when": _iso(c.changed_at), "purpose": c.purpose, "allowed": c.allowed}
            for c in purpose_history(session, member_id, limit=100_000)
        ],
    }


def _invitations(session: Session, member_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Invitation)
        .where(or_(Invitation.sender_id == member_id, Invitation.recipient_id == member_id))
        .order_by(Invitation.created_at)
    ).all()
    ids = {i.sender_id for i in rows} | {i.recipient_id for i in rows}
    handles = handles_of(session, ids)
    return [
        {
            "direction": "sent" if i.sender_id == member_id else "received",
            "other": handles.get(i.recipient_id if i.sender_id == member_id else i.sender_id),
            "status": i.status.value,
            "message": i.message,
            "sent": _iso(i.created_at),
            "answered": _iso(i.responded_at),
        }
        for i in rows
    ]


def _decided_connections(session: Session, requester: Requester) -> IO[str]:
    """Decide what the member may download of each connection once; park it in a temporary file.

    Writing a connection's name into a file is a download, for the member's
    personal use: their download audience, a purpose objection and "Never
    export me again" apply, and their access log says so (a view would not).
    Both connections files are written from it, so each connection is
    decided and logged once. The file is deleted when the archive is done.
    """
    parked = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8")  # noqa: SIM115
    ids = connection_ids(session, requester.member())  # in handle order
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        outcomes = disclose(
            session,
            requester,
            chunk,
            action=Action.DOWNLOAD,
            place=Place.SELF_EXPORT,
            purpose=Purpose.PERSONAL,
            fields=CARD_FIELDS,
        )
        handles = handles_of(session, chunk)
        for sid in chunk:
            released = [[v.field, v.label, v.value] for v in outcomes[sid].released]
            parked.write(json.dumps([handles[sid], released]) + "\n")
    parked.seek(0)
    return parked


def _parked_records(parked: IO[str]) -> Iterator[ContactRecord]:
    parked.seek(0)
    for line in parked:
        handle, values = json.loads(line)
        yield ContactRecord(
            handle,
            [
                ExportValue(Field(f), ValueLabel(label) if label else None, v)
                for f, label, v in values
            ],
        )


def _events(session: Session, requester: Requester) -> Iterator[bytes]:
    """The member's access log with its proofs, as the access-log page's JSON download."""
    rows = iter_events(session, requester, EventFilter(), Place.SELF_EXPORT)
    for piece in json_document(session, rows):
        yield piece.encode()


def _exports(session: Session, member_id: int) -> list[dict[str, Any]]:
    runs = session.scalars(
        select(ExportRun).where(ExportRun.requester_id == member_id).order_by(ExportRun.id)
    ).all()
    # The app that exported for the member, named as the export history names it.
    apps = app_names(session, {r.app_id for r in runs if r.app_id is not None})
    now = utcnow()
    return [
        {
            "started": _iso(r.started_at),
            "app": None if r.app_id is None else apps[r.app_id],
            "format": r.format,
            "purpose": r.purpose.value,
            "status": run_status(r, now),  # as the export history shows it
            # As the manifest pages show it: an old stored one is converted.
            "manifest": safe_manifest(json.loads(r.manifest)) if r.manifest else None,
        }
        for r in runs
    ]


def _notifications(session: Session, member_id: int) -> dict[str, Any]:
    rows = session.scalars(
        select(Notification).where(Notification.member_id == member_id).order_by(Notification.id)
    ).all()
    digest = digest_choice(session, member_id)
    return {
        "weekly_access_digest": {"on": digest.enabled, "changed": _iso(digest.changed_at)},
        "notifications": [
            {"created": _iso(n.created_at), "text": n.body, "read": n.read_at is not None}
            for n in rows
        ],
    }


def self_export(session: Session, member_id: int, request_id: str | None = None) -> Iterator[bytes]:
    """The ZIP archive of everything Fieldgate holds about the member, in chunks.

    The download of one's own data is itself logged (before the first byte).

    Raises:
        AccessLogUnavailable: an access could not be logged (before the first
            byte, or before the part of the archive it would have let out).
    """
    requester = Requester(member_id, request_id=request_id)
    own = disclose(
        session,
        requester,
        [member_id],
        action=Action.DOWNLOAD,
        place=Place.SELF_EXPORT,
        purpose=Purpose.PERSONAL,
    )[member_id]
    member = session.get(Member, member_id)
    if member is None:
        raise LookupError(f"no member {member_id}")
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    made = utcnow()

    def stamped(name: str) -> zipfile.ZipInfo:
        # Each entry carries the time of the export (UTC); ZipInfo's default is 1980.
        info = zipfile.ZipInfo(name, date_time=made.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    profile = _profile(session, member, own)
    small_files = {
        "README.txt": README.encode(),
        "profile.json": _dumps(profile),
        "profile.csv": _profile_csv(profile),
        "privacy.json": _dumps(_privacy(session, member_id)),
        "invitations.json": _dumps(_invitations(session, member_id)),
        "exports.json": _dumps(_exports(session, member_id)),
        "notifications.json": _dumps(_notifications(session, member_id)),
        "app_grants.json": _dumps(apps_document(session, member_id)),
    }
    for name, data in small_files.items():
        archive.writestr(stamped(name), data)
        yield sink.drain()
    layout = Layout(CARD_FIELDS)
    with _decided_connections(session, requester) as parked:
        for name, fmt in (("connections.json", "json"), ("connections.csv", "csv")):
            exporter = get_exporter(fmt)
            with archive.open(stamped(name), "w") as entry:
                for chunk in exporter.stream(_parked_records(parked), layout, _CONNECTIONS_NOTE):
                    entry.write(chunk)
                    yield sink.drain()
    with archive.open(stamped("access_log.json"), "w") as entry:
        for chunk in _events(session, requester):
            entry.write(chunk)
            yield sink.drain()
    archive.close()
    yield sink.drain()
