"""signed prune records: each prune of the access log signs the mark it sets

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

``flask audit verify`` now accepts a pruning mark only as the newest signed
prune record states it: with SQL alone, deleting the oldest events and
raising the mark over them looked exactly like a prune. A log pruned before
this revision gets its record here, signed for the mark it has: the mark
was set by a prune or by hand, and nothing can tell which now, so it is
taken as it stands, as migration 0008 took the hash chain it had checked.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_prunes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pruned_below', sa.BigInteger(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('pruned_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_prunes')),
    )
    connection = op.get_bind()
    mark = connection.execute(sa.text("SELECT pruned_below FROM audit_tree")).scalar()
    if mark:
        _sign_the_mark(connection, int(mark))


def _sign_the_mark(connection, mark: int) -> None:
    from app.audit.integrity import prune_text
    from app.audit.note import sign_note
    from app.audit.signing import signer_key

    key, origin = signer_key(current_app), current_app.config["AUDIT_LOG_ORIGIN"]
    table = sa.table(
        'audit_prunes',
        sa.column('pruned_below', sa.BigInteger()),
        sa.column('note', sa.Text()),
        sa.column('pruned_at', sa.DateTime(timezone=True)),
    )
    connection.execute(
        table.insert().values(
            pruned_below=mark,
            note=sign_note(key, prune_text(origin, mark)),
            pruned_at=datetime.now(UTC),
        )
    )


def downgrade():
    op.drop_table('audit_prunes')
