"""the unique index on leaf_index covers sealed events only

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

Every access event is inserted pending (``leaf_index`` NULL), on the request
path, before data leaves. The unique index on ``leaf_index`` took each of
those NULLs too: one more index entry per event, and all of them at the same
right edge of the index, where concurrent writers meet. Uniqueness only ever
concerned sealed events (NULLs are never equal), so the index now holds those
only; the sequencer fills it as it seals.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

SEALED = sa.text('leaf_index IS NOT NULL')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # Built CONCURRENTLY, outside the migration's transaction: a plain build
        # locks out every insert into an installed log, and so every disclosure,
        # for as long as it takes. The old index serves until the new one is ready.
        # An interrupted run can leave the new index behind, invalid: build it anew.
        with op.get_context().autocommit_block():
            op.execute('DROP INDEX CONCURRENTLY IF EXISTS uq_access_events_leaf_index_sealed')
            op.execute(
                'CREATE UNIQUE INDEX CONCURRENTLY uq_access_events_leaf_index_sealed'
                ' ON access_events (leaf_index) WHERE leaf_index IS NOT NULL'
            )
            op.execute('DROP INDEX CONCURRENTLY IF EXISTS uq_access_events_leaf_index')
            op.execute(
                'ALTER INDEX uq_access_events_leaf_index_sealed RENAME TO uq_access_events_leaf_index'
            )
        return
    with op.batch_alter_table('access_events') as batch_op:
        batch_op.drop_index('uq_access_events_leaf_index')
        batch_op.create_index(
            'uq_access_events_leaf_index',
            ['leaf_index'],
            unique=True,
            sqlite_where=SEALED,
            postgresql_where=SEALED,
        )


def downgrade():
    with op.batch_alter_table('access_events') as batch_op:
        batch_op.drop_index('uq_access_events_leaf_index')
        batch_op.create_index('uq_access_events_leaf_index', ['leaf_index'], unique=True)
