"""Migration 0008 seals the old hash chain's events into the Merkle tree, and verify passes
before (the chain) and after (the tree); a chain that does not verify is not migrated."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.audit.integrity import Verification, verify
from app.audit.note import verifier_key_for
from app.extensions import db
from tests.database import isolated_database
from tests.settings import TEST_ORIGIN, TEST_SIGNER_KEY, app_config

KEY = b"test-audit-key"
CHAINED = (
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
# The last revision with the hash chain: events are written there as the old recorder did.
BEFORE_TREE = "0005"


@pytest.fixture
def old_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    url = isolated_database(database_url, tmp_path, "legacy_log")
    application = create_app(app_config(url))
    with application.app_context():
        upgrade(revision=BEFORE_TREE)
    yield application
    with application.app_context():
        db.engine.dispose()


def _write_legacy_chain(app: Flask, count: int, tamper_at: int | None = None) -> None:
    """Events and digests exactly as the old recorder wrote them (HMAC chain from genesis)."""
    previous = "0" * 64
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with app.app_context(), db.engine.begin() as conn:
        for seq in range(1, count + 1):
            row = {
                "seq": seq,
                "occurred_at": (start + timedelta(minutes=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "requester_id": 7,
                "app_id": None,
                "subject_id": 100 + seq,
                "action": "view",
                "place": "profile",
                "purpose": None,
                "released": json.dumps(["first_name", "email:work"]),
                "refused": json.dumps([["phone:work", "audience"]]),
                "outcome": "partial",
                "request_id": f"req{seq}",
            }
            canonical = json.dumps([row[c] for c in CHAINED], separators=(",", ":")).encode()
            mac = hmac.new(KEY, previous.encode(), hashlib.sha256)
            mac.update(canonical)
            previous = mac.hexdigest()
            stored = dict(row, occurred_at=start + timedelta(minutes=seq), digest=previous)
            if seq == tamper_at:
                stored["subject_id"] = 999
            conn.execute(
                text(
                    "INSERT INTO access_events (seq, occurred_at, requester_id, app_id, "
                    "subject_id, action, place, purpose, released, refused, outcome, "
                    "request_id, digest) VALUES (:seq, :occurred_at, :requester_id, :app_id, "
                    ":subject_id, :action, :place, :purpose, :released, :refused, :outcome, "
                    ":request_id, :digest)"
                ),
                _bindable(conn, stored),
            )
        conn.execute(
            text("UPDATE audit_chain SET head_seq = :n, head_digest = :d WHERE id = 1"),
            {"n": count, "d": previous},
        )


def _bindable(conn, row: dict) -> dict:
    if conn.dialect.name == "sqlite":  # as UTCDateTime stores it there: naive UTC
        row = dict(row, occurred_at=row["occurred_at"].replace(tzinfo=None))
    return row


def _verify() -> Verification:
    return verify(
        db.session,
        verifier_key_for(TEST_SIGNER_KEY),
        TEST_ORIGIN,
        now=datetime(2026, 12, 1, tzinfo=UTC),
        delay=timedelta(seconds=5),
    )


def test_the_chain_is_sealed_into_the_tree_and_verifies_after(old_app: Flask) -> None:
    _write_legacy_chain(old_app, 12)

    with old_app.app_context():
        upgrade()
        result = _verify()
        leaves = db.session.execute(
            text("SELECT seq, leaf_index FROM access_events ORDER BY seq")
        ).all()
        checkpoint = db.session.execute(text("SELECT size, note FROM audit_checkpoints")).one()
        db.end_session()

    assert result.ok, result.problem
    assert result.checked == 12
    assert [leaf for _seq, leaf in leaves] == list(range(12))
    assert checkpoint.size == 12 and checkpoint.note.startswith(f"{TEST_ORIGIN}\n12\n")


def test_a_chain_that_does_not_verify_is_not_migrated(
    old_app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    _write_legacy_chain(old_app, 5, tamper_at=3)

    with old_app.app_context(), pytest.raises(SystemExit):  # flask db upgrade exits 1
        upgrade()

    # Alembic's logging configuration writes the refusal to standard error.
    assert "the access log does not verify at event 3" in capfd.readouterr().err
    with old_app.app_context():
        tables = db.session.execute(text("SELECT COUNT(*) FROM audit_chain")).scalar()
        db.end_session()
    assert tables == 1  # nothing was changed: the chain is still there to look into


def test_a_log_pruned_before_signed_prune_records_still_verifies_after(old_app: Flask) -> None:
    _write_legacy_chain(old_app, 12)
    with old_app.app_context():
        upgrade(revision="0012")
        # What `flask audit prune` did before 0013: delete a prefix, raise the mark.
        db.session.execute(text("DELETE FROM access_events WHERE leaf_index < 5"))
        db.session.execute(text("UPDATE audit_tree SET pruned_below = 5"))
        db.session.commit()

        upgrade()
        result = _verify()
        records = db.session.execute(text("SELECT pruned_below FROM audit_prunes")).all()
        db.end_session()

    assert result.ok, result.problem
    assert result.checked == 7 and [r.pruned_below for r in records] == [5]
