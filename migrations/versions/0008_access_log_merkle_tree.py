"""access log in a Merkle tree with signed checkpoints; the hash chain sealed into it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

Events are no longer chained under a locked head row: the database numbers
them and a sequencer seals them into an RFC 9162 Merkle tree (tiles) with
signed checkpoints. This migration first checks the old HMAC chain (with
AUDIT_KEY) exactly as `flask audit verify` did, refuses to go on if it does
not verify, then seals every existing event into the tree in chain order and
signs a checkpoint, so `flask audit verify` passes before and after.

The sealing is the app's own (app.audit.tree.seal_pending): the tree the
sequencer extends must be built exactly as the sequencer builds it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
LEGACY_COLUMNS = (
    "seq", "occurred_at", "requester_id", "app_id", "subject_id", "action", "place",
    "purpose", "released", "refused", "outcome", "request_id",
)


class LegacyLogBroken(RuntimeError):
    """The hash chain does not verify: migrating would launder a tampered log."""


def _plain(value, column: str):
    if column == "occurred_at" and isinstance(value, str):  # SQLite hands back its stored text
        value = datetime.fromisoformat(value)
    if hasattr(value, "astimezone"):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _legacy_digest(key: bytes, previous: str, row) -> str:
    canonical = json.dumps(
        [_plain(row[c], c) for c in LEGACY_COLUMNS], ensure_ascii=True, separators=(",", ":")
    ).encode()
    mac = hmac.new(key, previous.encode(), hashlib.sha256)
    mac.update(canonical)
    return mac.hexdigest()


def _check_legacy_chain(connection) -> None:
    """The old `flask audit verify`, frozen here: every digest follows from the one before."""
    chain = connection.execute(sa.text(
        "SELECT head_seq, head_digest, base_seq, base_digest, base_mac FROM audit_chain WHERE id = 1"
    )).mappings().one()
    rows = connection.execute(sa.text(
        f"SELECT {', '.join(LEGACY_COLUMNS)}, digest FROM access_events ORDER BY seq"
    )).mappings().all()
    if not rows and chain["head_seq"] == chain["base_seq"]:
        return
    key = str(current_app.config.get("AUDIT_KEY") or "").encode()
    if not key:
        raise LegacyLogBroken("AUDIT_KEY is needed to check the existing access log; set it.")
    if chain["base_seq"]:
        expected = hmac.new(
            key, f"checkpoint:{chain['base_seq']}:{chain['base_digest']}".encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, chain["base_mac"]):
            raise LegacyLogBroken("the pruning checkpoint of the access log was altered")
    previous, seq = chain["base_digest"], chain["base_seq"]
    for row in rows:
        seq += 1
        if row["seq"] != seq or not hmac.compare_digest(
            _legacy_digest(key, previous, row), row["digest"]
        ):
            raise LegacyLogBroken(f"the access log does not verify at event {seq}")
        previous = row["digest"]
    if seq != chain["head_seq"] or previous != chain["head_digest"]:
        raise LegacyLogBroken(f"events after {seq} of the access log are missing")


def _compact_and_mask(connection) -> None:
    """Rewrite each event's value lists as compact JSON (its leaf's text) and set its field mask."""
    from permissions import Field  # the fixed catalog; its order gives the bits

    bits = {field.value: 1 << i for i, field in enumerate(Field)}
    rows = connection.execute(sa.text("SELECT seq, released, refused FROM access_events")).all()
    for seq, released, refused in rows:
        names, refusals = json.loads(released), json.loads(refused)
        mask = 0
        for name in names + [pair[0] for pair in refusals]:
            mask |= bits.get(name.partition(":")[0], 0)
        connection.execute(
            sa.text(
                "UPDATE access_events SET released = :released, refused = :refused, "
                "fields_mask = :mask WHERE seq = :seq"
            ),
            {
                "released": json.dumps(names, separators=(",", ":")),
                "refused": json.dumps(refusals, separators=(",", ":")),
                "mask": mask,
                "seq": seq,
            },
        )


def upgrade():
    connection = op.get_bind()
    _check_legacy_chain(connection)  # before anything changes

    op.create_table('audit_tree',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.Column('pruned_below', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_tree'))
    )
    op.create_table('audit_tiles',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('number', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('hashes', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'number', name=op.f('pk_audit_tiles'))
    )
    op.create_table('audit_checkpoints',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_sequencer_lease',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holder', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_sequencer_lease'))
    )
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fields_mask', sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column('leaf_index', sa.BigInteger(), nullable=True))
    _compact_and_mask(connection)
    with op.batch_alter_table('access_events', schema=None) as batch_op:
        batch_op.alter_column('fields_mask', server_default=None)
        batch_op.drop_column('digest')
        batch_op.create_index('ix_access_events_subject_seq', ['subject_id', 'seq'], unique=False)
        batch_op.create_index('ix_access_events_subject_requester_seq', ['subject_id', 'requester_id', 'seq'], unique=False)
        batch_op.create_index('uq_access_events_leaf_index', ['leaf_index'], unique=True)
        batch_op.create_index('ix_access_events_pending', ['seq'], unique=False, sqlite_where=sa.text('leaf_index IS NULL'), postgresql_where=sa.text('leaf_index IS NULL'))
    if connection.dialect.name == "postgresql":
        # The database numbers events from now on (SQLite's INTEGER PRIMARY KEY already does).
        op.execute("ALTER TABLE access_events ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY")
        op.execute(
            "SELECT setval(pg_get_serial_sequence('access_events', 'seq'), "
            "COALESCE(MAX(seq), 0) + 1, false) FROM access_events"
        )
    op.drop_table('audit_chain')

    _seed_and_seal(connection)


def _seed_and_seal(connection) -> None:
    """The empty tree and the free lease, then every existing event sealed in chain order."""
    from app.audit.merkle import EMPTY_ROOT, Frontier
    from app.audit.signing import signer_key
    from app.audit.tree import seal_pending
    from app.models.audit import LEASE_ID, TREE_ID, AuditTree, SequencerLease

    session = Session(bind=connection)
    session.add(AuditTree(
        id=TREE_ID, size=0, root=EMPTY_ROOT, frontier=Frontier().to_bytes(), pruned_below=0
    ))
    session.add(SequencerLease(id=LEASE_ID, holder="", expires_at=datetime(2000, 1, 1, tzinfo=UTC)))
    session.flush()
    if connection.execute(sa.text("SELECT COUNT(*) FROM access_events")).scalar():
        key, origin = signer_key(current_app), current_app.config["AUDIT_LOG_ORIGIN"]
        while seal_pending(session, key, origin, salted=False).events:
            pass
    session.commit()
    session.close()


def downgrade():
    raise NotImplementedError(
        "The access log cannot go back to the hash chain: its events are sealed in the tree."
    )
